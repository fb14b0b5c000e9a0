package cargo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// cargo-semver-checks documents both crates it compares itself, so with
// `--baseline-root` it documents the base on every run. Given a rustdoc JSON
// file of the base (`--baseline-rustdoc`) it documents only the head. For
// the two to compare like with like, SemverBaselineRustdoc documents the
// base the way the tool documents a crate (its src/rustdoc_cmd.rs, later
// src/data_generation/generate.rs and request.rs, the same from v0.25 on):
//
//   - a placeholder package, in a workspace of its own, depends on the crate
//     by its canonical path, with its default features and every feature
//     but `unstable`, `nightly`, `bench`, `no_std` and those starting with
//     `_`, `unstable-` or `unstable_` (the tool's default "heuristic" set;
//     cargo metadata's feature list includes the implicit features of
//     optional dependencies, as the tool's does);
//   - `cargo doc --package NAME@VERSION --lib --no-deps` on it, with
//     RUSTC_BOOTSTRAP=1, RUSTDOCFLAGS="-Z unstable-options
//     --document-private-items --document-hidden-items --output-format=json
//     --cap-lints=allow" and RUSTFLAGS="--cap-lints=allow", with no lock
//     file (the tool deletes it, then `cargo update`s: both resolve afresh);
//   - with the toolchain the tool runs under: the head checkout's pinned one.
//
// The JSON's format version is the toolchain's, so a cached file is keyed
// by ToolchainIdentity and by the tool's version (SemverChecksVersion); a
// tool older than v0.25 documented hidden items differently and is not
// given a baseline file (SemverBaselineSupported).

// SemverBaselineRecipe names the way SemverBaselineRustdoc documents a
// crate; part of a cached file's key, changed whenever that way changes.
const SemverBaselineRecipe = "csc-placeholder-doc-v1"

// semverRustdocFlags are the RUSTDOCFLAGS cargo-semver-checks sets.
const semverRustdocFlags = "-Z unstable-options --document-private-items --document-hidden-items --output-format=json --cap-lints=allow"

// SemverBaseline is the base revision's package to document.
type SemverBaseline struct {
	// Root is the exported base workspace. cargo runs there, so that the
	// base's cargo configuration applies as the head's applies to the tool,
	// which runs in the head checkout.
	Root string
	// Dir is the package's directory.
	Dir string
	// Name and Version are the package's; Lib is its library target's name
	// with `-` as `_` (the JSON file's name).
	Name, Version, Lib string
	// Features are the package's features as cargo metadata lists them.
	Features []string
}

var versionRE = regexp.MustCompile(`^[0-9A-Za-z.+-]{1,64}$`)

// SemverBaselineRustdoc documents package b as cargo-semver-checks would
// (see above), in the sandbox without network and offline, with the
// toolchain pinned by the head checkout headDir, and returns the JSON.
// Build scripts of the base and its dependencies run, as for clippy; the
// file is read back from the target dir without following links.
func SemverBaselineRustdoc(ctx context.Context, headDir string, b SemverBaseline, opts Options) ([]byte, error) {
	if !validPackageName(b.Name) || !libNameRE.MatchString(b.Lib) || !versionRE.MatchString(b.Version) {
		return nil, fmt.Errorf("semver baseline: bad package %q %q (lib %q)", b.Name, b.Version, b.Lib)
	}
	tc, err := pinnedToolchain(headDir)
	if err != nil {
		return nil, fmt.Errorf("semver baseline: %w", err)
	}
	if tc.name != "" {
		opts.Toolchain = tc.name // the head's, not the base's
	}
	pkgDir, err := filepath.Abs(b.Dir)
	if err == nil {
		pkgDir, err = filepath.EvalSymlinks(pkgDir) // the tool canonicalizes it
	}
	if err != nil {
		return nil, fmt.Errorf("semver baseline: %w", err)
	}
	placeholder, err := os.MkdirTemp("", "symposium-semver-baseline-")
	if err != nil {
		return nil, fmt.Errorf("semver baseline: %w", err)
	}
	defer os.RemoveAll(placeholder)
	if err := writePlaceholder(placeholder, pkgDir, b); err != nil {
		return nil, fmt.Errorf("semver baseline: %w", err)
	}
	args := []string{"cargo", "doc", "--manifest-path", filepath.Join(placeholder, "Cargo.toml"),
		"--package", b.Name + "@" + b.Version, "--lib", "--no-deps", "--offline", "--color=never"}
	cmd, err := command(b.Root, opts, args, false)
	if err != nil {
		return nil, err
	}
	cmd.Writable = append(cmd.Writable, placeholder)
	cmd.Env = append(cmd.Env, "RUSTC_BOOTSTRAP=1", "RUSTDOCFLAGS="+semverRustdocFlags,
		"RUSTFLAGS=--cap-lints=allow", "CARGO_NET_OFFLINE=true")
	rel := filepath.Join("doc", b.Lib+".json")
	// A file left by an earlier run must not pass for this one's.
	res, err := runLocked(ctx, b.Root, opts, cmd, func() { removeOutput(opts.TargetDir, rel) })
	if err != nil {
		runsTotal.WithLabelValues("semver-baseline", "error").Inc()
		return nil, fmt.Errorf("semver baseline: cargo doc: %w", err)
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("semver-baseline", "failed").Inc()
		return nil, fmt.Errorf("semver baseline: cargo doc failed (exit %d): %s", res.ExitCode, firstError(res.Stderr))
	}
	runsTotal.WithLabelValues("semver-baseline", "ok").Inc()
	return readOutput(opts.TargetDir, rel, maxRustdocJSON)
}

// placeholderManifest is the placeholder package's Cargo.toml.
type placeholderManifest struct {
	Package struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		Edition string `toml:"edition"`
		Publish bool   `toml:"publish"`
	} `toml:"package"`
	Workspace struct{} `toml:"workspace"` // a workspace of its own
	Lib       struct {
		Path string `toml:"path"`
	} `toml:"lib"`
	Dependencies map[string]placeholderDep `toml:"dependencies"`
}

type placeholderDep struct {
	Path            string   `toml:"path"`
	DefaultFeatures bool     `toml:"default-features"`
	Features        []string `toml:"features"`
}

// writePlaceholder writes the placeholder package depending on pkgDir.
func writePlaceholder(dir, pkgDir string, b SemverBaseline) error {
	var m placeholderManifest
	m.Package.Name, m.Package.Version, m.Package.Edition = "symposium-semver-baseline", "0.0.0", "2021"
	m.Lib.Path = "lib.rs"
	m.Dependencies = map[string]placeholderDep{
		b.Name: {Path: pkgDir, DefaultFeatures: true, Features: semverFeatures(b.Features)},
	}
	data, err := toml.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "Cargo.toml"), data, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "lib.rs"), nil, 0o644)
}

// semverFeatures is cargo-semver-checks's default feature set: every
// feature but those whose names say they are unstable or private. Sorted,
// without duplicates.
func semverFeatures(all []string) []string {
	out := []string{}
	for _, f := range all {
		switch {
		case f == "unstable", f == "nightly", f == "bench", f == "no_std":
		case strings.HasPrefix(f, "_"), strings.HasPrefix(f, "unstable-"), strings.HasPrefix(f, "unstable_"):
		default:
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// fileID identifies an executable's build: its path, size and time.
type fileID struct {
	path  string
	size  int64
	mtime time.Time
}

func identify(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	return fileID{path, fi.Size(), fi.ModTime()}, nil
}

var (
	identityMu   sync.Mutex
	identityMemo = map[fileID]string{}
)

// memoOutput runs an executable of the worker's (never the pull
// request's) with args, outside the sandbox and with an environment of
// PATH alone, and returns its trimmed output; remembered per build of it.
func memoOutput(ctx context.Context, exe string, args ...string) (string, error) {
	id, err := identify(exe)
	if err != nil {
		return "", err
	}
	key := id
	key.path += "\x00" + strings.Join(args, "\x00")
	identityMu.Lock()
	out, ok := identityMemo[key]
	identityMu.Unlock()
	if ok {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = "/" // no checkout's toolchain file applies
	cmd.Env = []string{"PATH=" + filepath.Dir(exe) + ":" + sandbox.DefaultPath}
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", filepath.Base(exe), strings.Join(args, " "), err)
	}
	out = strings.TrimSpace(string(b))
	identityMu.Lock()
	identityMemo[key] = out
	identityMu.Unlock()
	return out, nil
}

// ToolchainIdentity identifies the toolchain pinned by checkout dir (the
// one cargo-semver-checks runs under there): its rustc's `-vV`, which
// names the release and commit and so fixes rustdoc's JSON format.
func ToolchainIdentity(ctx context.Context, dir string) (string, error) {
	tc, err := pinnedToolchain(dir)
	if err != nil {
		return "", fmt.Errorf("toolchain identity: %w", err)
	}
	return memoOutput(ctx, filepath.Join(tc.bin, "rustc"), "-vV")
}

var toolVersionRE = regexp.MustCompile(`\b(\d+)\.(\d+)\.(\d+)\b`)

// SemverChecksVersion returns the version of cargo-semver-checks at tool
// ("0.43.0"), from its `--version`.
func SemverChecksVersion(ctx context.Context, tool string) (string, error) {
	out, err := memoOutput(ctx, tool, "semver-checks", "--version")
	if err != nil {
		return "", fmt.Errorf("cargo-semver-checks version: %w", err)
	}
	v := toolVersionRE.FindString(out)
	if v == "" {
		return "", errors.New("cargo-semver-checks version: none in its --version output")
	}
	return v, nil
}

// SemverBaselineSupported reports whether cargo-semver-checks of that
// version documents crates as SemverBaselineRustdoc does (v0.25 or later).
func SemverBaselineSupported(version string) bool {
	m := toolVersionRE.FindStringSubmatch(version)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > 0 || minor >= 25
}
