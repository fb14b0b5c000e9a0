package cargo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/symposium-dev/symposium/internal/safefs"
)

// maxRustdocJSON bounds the rustdoc JSON read back from the target dir.
const maxRustdocJSON = 256 << 20

var libNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// NightlyAvailable reports whether rustup has a nightly toolchain, which
// rustdoc's JSON output needs. The answer is computed once.
var NightlyAvailable = sync.OnceValue(func() bool {
	out, err := exec.Command("rustup", "toolchain", "list").Output()
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "nightly") {
			return true
		}
	}
	return false
})

// RustdocJSON documents the library of package pkg with `cargo +nightly
// rustdoc --output-format json`, offline in the sandbox, and returns the
// JSON of its crate libName (the lib target's name). Build scripts run, as
// for clippy: the file is read back without following links.
func RustdocJSON(ctx context.Context, dir, pkg, libName string, opts Options) ([]byte, error) {
	if !libNameRE.MatchString(libName) {
		return nil, fmt.Errorf("rustdoc: bad crate name %q", libName)
	}
	out := filepath.Join("doc", libName+".json")
	removeOutput(opts.TargetDir, out)
	opts.Toolchain = "nightly"
	args := []string{"cargo", "rustdoc", "--lib", "--package", pkg, "--offline", "--color=never"}
	args = append(args, opts.ExtraArgs...)
	args = append(args, "--", "-Z", "unstable-options", "--output-format", "json", "--cap-lints", "allow")
	res, err := runBuild(ctx, dir, opts, args)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("rustdoc", "failed").Inc()
		return nil, fmt.Errorf("cargo rustdoc failed (exit %d): %s", res.ExitCode, firstError(res.Stderr))
	}
	runsTotal.WithLabelValues("rustdoc", "ok").Inc()
	return readOutput(opts.TargetDir, out, maxRustdocJSON)
}

// readOutput reads the regular file rel of dir, a directory the sandbox
// wrote: no symbolic link on its path is followed (safefs), and it is
// capped at limit bytes.
func readOutput(dir, rel string, limit int64) ([]byte, error) {
	r, err := safefs.OpenLimit(dir, limit)
	if err != nil {
		return nil, fmt.Errorf("rustdoc output: %w", err)
	}
	defer r.Close()
	data, err := r.ReadFile(filepath.ToSlash(rel))
	if err != nil {
		return nil, fmt.Errorf("rustdoc output: %w", err)
	}
	return data, nil
}

// removeOutput removes the file rel of dir, a directory the sandbox wrote,
// without leaving it (os.Root): a link a build planted there cannot make
// the host remove a file elsewhere.
func removeOutput(dir, rel string) {
	if root, err := os.OpenRoot(dir); err == nil {
		_ = root.Remove(rel)
		root.Close()
	}
}
