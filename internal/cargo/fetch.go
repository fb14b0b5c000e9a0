package cargo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/netpolicy"
	"github.com/symposium-dev/symposium/review"
)

// Fetching is the one step with the network, so it runs nothing the pull
// request controls: cargo fetch runs in a fresh directory holding only the
// workspace's Cargo.toml files, its Cargo.lock and empty stubs of the
// target files cargo needs to parse the manifests (no `.cargo/config*`, no
// build script, no toolchain file, no source), with the worker's toolchain,
// our own CARGO_HOME and its config, wrappers switched off in the
// environment, and its own target dir (so it does not rewrite the rustc
// info cache of the builds that follow). Before it runs, every git and
// registry URL of the manifests and the lock file is checked with
// internal/netpolicy; one that reaches an internal address is a finding
// and nothing is fetched. A fetch whose manifests and lock file are
// byte-identical to the last successful one of the same cargo home is
// skipped.

// SourceCargo is the source of findings about the manifests themselves,
// such as a dependency URL that was refused.
const SourceCargo review.Source = "cargo"

// RuleFetchRefused is the rule of a refused dependency URL.
const RuleFetchRefused = "cargo::fetch-refused"

// Read limits of the host-side manifest scan.
const (
	maxManifestBytes = 1 << 20
	maxLockBytes     = 16 << 20
	maxManifests     = 2000
	maxScanEntries   = 200000
)

// fetchedName is the file, in the fetch state dir, holding the hash of the
// manifests and lock file of the last successful fetch.
const fetchedName = "fetched.sha256"

// ErrFetchRefused is wrapped by Fetch's error when a dependency URL was
// refused; FetchChecked reports the same as findings.
var ErrFetchRefused = errors.New("cargo: dependency URL refused")

// cargoHomeConfig is the config.toml of our CARGO_HOME: the only cargo
// configuration fetch reads besides the environment.
const cargoHomeConfig = `# Written by Symposium. Builds see this directory read-only.
[net]
git-fetch-with-cli = false
`

// Fetch downloads the dependencies as FetchChecked does; a refused URL is
// an error wrapping ErrFetchRefused, a failed fetch a *FetchError.
func Fetch(ctx context.Context, dir string, opts Options) error {
	diags, err := FetchChecked(ctx, dir, opts)
	if err != nil {
		return err
	}
	if len(diags) > 0 {
		msgs := make([]string, len(diags))
		for i, d := range diags {
			msgs[i] = d.Message
		}
		return fmt.Errorf("%w: %s", ErrFetchRefused, strings.Join(msgs, "; "))
	}
	return nil
}

// FetchChecked downloads the dependencies of the workspace in dir into the
// cargo home, so that the analysis can run offline. It returns findings,
// and fetches nothing, when a dependency URL points at an internal address.
// A fetch that failed because of the pull request (see fetcherr.go) returns
// its finding (RuleFetchFailed) and a *FetchError whose PullRequest() is
// true; any other error, a *FetchError of kind FetchInfrastructure
// included, is for a fetch that could not run and may be retried.
func FetchChecked(ctx context.Context, dir string, opts Options) ([]review.Diagnostic, error) {
	ws, err := readWorkspace(dir)
	if err != nil {
		return nil, fmt.Errorf("cargo fetch: %w", err)
	}
	state, err := fetchState(opts)
	if err != nil {
		return nil, err
	}
	sum := ws.hash()
	if last, err := os.ReadFile(filepath.Join(state, fetchedName)); err == nil && string(last) == sum {
		runsTotal.WithLabelValues("fetch", "skipped").Inc()
		return nil, nil
	}
	if diags := ws.checkURLs(ctx, netpolicy.FromEnv()); len(diags) > 0 {
		runsTotal.WithLabelValues("fetch", "refused").Inc()
		slog.WarnContext(ctx, "cargo fetch refused", "dir", dir, "urls", len(diags))
		return diags, nil
	}
	if !ws.hasRemoteSources() {
		runsTotal.WithLabelValues("fetch", "skipped").Inc()
		return nil, recordFetch(state, sum)
	}
	copyDir, err := os.MkdirTemp(state, "manifests-")
	if err != nil {
		return nil, fmt.Errorf("cargo fetch: %w", err)
	}
	defer os.RemoveAll(copyDir)
	if err := ws.writeCopy(copyDir); err != nil {
		return nil, fmt.Errorf("cargo fetch: %w", err)
	}
	fopts := opts
	fopts.TargetDir = filepath.Join(state, "target")
	res, err := run(ctx, copyDir, fopts, []string{"cargo", "fetch", "--color=never"}, true)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("fetch", "failed").Inc()
		ce := parseCargoError(string(res.Stderr))
		kind, source := classifyFetch(res.ExitCode, ce)
		fe := &FetchError{Kind: kind, ExitCode: res.ExitCode, Stderr: string(res.Stderr), Source: source}
		if !fe.PullRequest() {
			slog.WarnContext(ctx, "cargo fetch failed", "dir", dir, "exit", res.ExitCode, "kind", kind)
			return nil, fmt.Errorf("cargo fetch in %s: %w", dir, fe)
		}
		slog.InfoContext(ctx, "cargo fetch failed because of the pull request", "dir", dir, "kind", kind, "source", source)
		return []review.Diagnostic{ws.failureDiagnostic(fe, ce)}, fe
	}
	runsTotal.WithLabelValues("fetch", "ok").Inc()
	return nil, recordFetch(state, sum)
}

// fetchState returns the directory of fetch's own state (target dir,
// manifest copies, last hash): Options.FetchDir, default inside the cargo
// home, so that builds see it read-only.
func fetchState(opts Options) (string, error) {
	dir := opts.FetchDir
	if dir == "" {
		dir = filepath.Join(cargoHome(opts), ".symposium-fetch")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cargo fetch: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cargo fetch: %w", err)
	}
	return dir, nil
}

// recordFetch replaces the hash of the last successful fetch atomically:
// two pull requests of a repository may fetch at once.
func recordFetch(state, sum string) error {
	f, err := os.CreateTemp(state, fetchedName+".*")
	if err != nil {
		return fmt.Errorf("cargo fetch: record: %w", err)
	}
	_, werr := f.WriteString(sum)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cargo fetch: record: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(state, fetchedName)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cargo fetch: record: %w", err)
	}
	return nil
}

// writeHomeConfig writes our config into the cargo home and removes the
// legacy config name, which cargo would read too.
func writeHomeConfig(home string) error {
	_ = os.Remove(filepath.Join(home, "config"))
	return os.WriteFile(filepath.Join(home, "config.toml"), []byte(cargoHomeConfig), 0o644)
}

// workspace is what fetch needs of a checkout, read host-side.
type workspace struct {
	// manifests maps slash paths of Cargo.toml files to their bytes.
	manifests map[string][]byte
	lock      []byte
	hasLock   bool
	// stubs are the target files (slash paths) cargo needs to exist to
	// parse the manifests; they are written empty.
	stubs []string
}

// readWorkspace collects the Cargo.toml files of dir (skipping .git and
// target dirs, never following a symlink), its Cargo.lock and the stubs.
func readWorkspace(dir string) (*workspace, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	ws := &workspace{manifests: map[string][]byte{}}
	entries := 0
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entries++; entries > maxScanEntries {
			return fmt.Errorf("more than %d files in the checkout", maxScanEntries)
		}
		if d.IsDir() {
			if p != "." && (d.Name() == ".git" || d.Name() == "target") {
				return fs.SkipDir
			}
			return nil
		}
		if d.Name() != "Cargo.toml" || !d.Type().IsRegular() {
			return nil
		}
		if len(ws.manifests) >= maxManifests {
			return fmt.Errorf("more than %d Cargo.toml files", maxManifests)
		}
		data, err := readRegular(root, p, maxManifestBytes)
		if err != nil {
			return err
		}
		ws.manifests[p] = data
		ws.stubs = append(ws.stubs, stubsOf(root, path.Dir(p), data)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if lock, err := readRegular(root, "Cargo.lock", maxLockBytes); err == nil {
		ws.lock, ws.hasLock = lock, true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return ws, nil
}

// readRegular reads name under root: a regular file, not a symlink, at most
// max bytes.
func readRegular(root *os.Root, name string, max int64) ([]byte, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (not followed)", name)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (not followed)", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return data, nil
}

// stubsOf lists the target files of the package in dir that cargo needs to
// parse its manifest: the conventional ones that exist, the build script,
// and those the manifest names, when they stay inside dir.
func stubsOf(root *os.Root, dir string, manifest []byte) []string {
	var out []string
	for _, f := range []string{"src/lib.rs", "src/main.rs", "build.rs"} {
		if _, err := root.Lstat(path.Join(dir, f)); err == nil {
			out = append(out, path.Join(dir, f))
		}
	}
	// Binaries found by convention count as targets too.
	if f, err := root.Open(path.Join(dir, "src/bin")); err == nil {
		names, _ := f.Readdirnames(maxManifests)
		f.Close()
		for _, n := range names {
			if strings.HasSuffix(n, ".rs") {
				out = append(out, path.Join(dir, "src/bin", n))
			} else if _, err := root.Lstat(path.Join(dir, "src/bin", n, "main.rs")); err == nil {
				out = append(out, path.Join(dir, "src/bin", n, "main.rs"))
			}
		}
	}
	var m struct {
		Package struct {
			Build any `toml:"build"`
		} `toml:"package"`
		Lib     struct{ Path string } `toml:"lib"`
		Bin     []struct{ Path string }
		Example []struct{ Path string }
		Test    []struct{ Path string }
		Bench   []struct{ Path string }
	}
	if toml.Unmarshal(manifest, &m) != nil {
		return out
	}
	paths := []string{m.Lib.Path}
	if b, ok := m.Package.Build.(string); ok {
		paths = append(paths, b)
	}
	for _, ts := range [][]struct{ Path string }{m.Bin, m.Example, m.Test, m.Bench} {
		for _, t := range ts {
			paths = append(paths, t.Path)
		}
	}
	for _, p := range paths {
		if p != "" && filepath.IsLocal(p) {
			out = append(out, path.Join(dir, filepath.ToSlash(p)))
		}
	}
	return out
}

// hash identifies the manifests and lock file byte for byte.
func (ws *workspace) hash() string {
	h := sha256.New()
	names := make([]string, 0, len(ws.manifests))
	for n := range ws.manifests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "manifest\x00%s\x00%d\x00", n, len(ws.manifests[n]))
		h.Write(ws.manifests[n])
	}
	fmt.Fprintf(h, "lock\x00%t\x00%d\x00", ws.hasLock, len(ws.lock))
	h.Write(ws.lock)
	return hex.EncodeToString(h.Sum(nil))
}

// hasRemoteSources reports whether fetch may download anything: there is
// no lock file (cargo may resolve), or it names a registry or git package.
func (ws *workspace) hasRemoteSources() bool {
	if !ws.hasLock {
		return true
	}
	for _, line := range strings.Split(string(ws.lock), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "source = ") {
			return true
		}
	}
	return false
}

// writeCopy writes the manifest-only copy of the workspace into dir.
func (ws *workspace) writeCopy(dir string) error {
	write := func(rel string, data []byte) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	for _, s := range ws.stubs {
		if err := write(s, nil); err != nil {
			return err
		}
	}
	for n, data := range ws.manifests {
		if err := write(n, data); err != nil {
			return err
		}
	}
	if ws.hasLock {
		return write("Cargo.lock", ws.lock)
	}
	return nil
}
