package cargo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
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
	out := filepath.Join(opts.TargetDir, "doc", libName+".json")
	_ = os.Remove(out)
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
	return readNoFollow(out, maxRustdocJSON)
}

// readNoFollow reads a regular file whose directory and name are no
// symbolic links (the sandbox could have written either).
func readNoFollow(path string, limit int64) ([]byte, error) {
	if fi, err := os.Lstat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("rustdoc output: %s is not a directory", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("rustdoc output: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("rustdoc output: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("rustdoc output: not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("rustdoc output: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("rustdoc output: larger than %d bytes", limit)
	}
	return data, nil
}
