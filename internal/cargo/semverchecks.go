package cargo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// SemverChecksName is the executable of cargo-semver-checks.
const SemverChecksName = "cargo-semver-checks"

// SemverChecksTool finds cargo-semver-checks as the worker would run it:
// on its PATH, else in the bin directory of its cargo home (CARGO_HOME,
// else ~/.cargo), where `cargo install` puts it. It is looked up on every
// call (a cheap stat), so installing it needs no restart.
func SemverChecksTool() (string, bool) {
	if p, err := exec.LookPath(SemverChecksName); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return resolved(abs), true
		}
	}
	var dirs []string
	if h := os.Getenv("CARGO_HOME"); h != "" {
		dirs = append(dirs, filepath.Join(h, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cargo", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, SemverChecksName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && filepath.IsAbs(p) {
			return resolved(p), true
		}
	}
	return "", false
}

// resolved follows the links of an executable's path, so that the file
// itself is what the sandbox mounts.
func resolved(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// SemverBase is the baseline of a cargo-semver-checks run: Rustdoc, a
// rustdoc JSON file of the base package (`--baseline-rustdoc`, see
// SemverBaselineRustdoc), or else Root, the exported base workspace
// (`--baseline-root`), which the tool documents itself.
type SemverBase struct {
	Root, Rustdoc string
}

// SemverChecks runs `cargo-semver-checks semver-checks check-release` on
// package pkg of the workspace in dir against base, in the sandbox without
// network and offline (the tool's own `cargo update` of its placeholder
// project resolves from the fetched registry cache), with the checkout's
// pinned toolchain: the tool documents the trees itself with
// RUSTC_BOOTSTRAP, so no nightly is needed. Build scripts run, as for
// clippy. The base (tree or JSON file) and the tool are mounted read-only.
// The output is returned as the tool printed it, for
// semvercheck.ParseToolOutput; a non-zero exit is not an error.
func SemverChecks(ctx context.Context, tool, dir string, base SemverBase, pkg string, opts Options) (sandbox.Result, error) {
	cmd, err := semverChecksCommand(tool, dir, base, pkg, opts)
	if err != nil {
		return sandbox.Result{}, err
	}
	res, err := runLocked(ctx, dir, opts, cmd, nil)
	if err != nil {
		runsTotal.WithLabelValues("semver-checks", "error").Inc()
		return res, fmt.Errorf("cargo-semver-checks: %w", err)
	}
	outcome := "ok"
	if res.ExitCode != 0 {
		outcome = "failed"
	}
	runsTotal.WithLabelValues("semver-checks", outcome).Inc()
	return res, nil
}

// semverChecksCommand builds the sandboxed command of SemverChecks.
func semverChecksCommand(tool, dir string, base SemverBase, pkg string, opts Options) (sandbox.Command, error) {
	if !filepath.IsAbs(tool) {
		return sandbox.Command{}, fmt.Errorf("cargo-semver-checks: %q is not an absolute path", tool)
	}
	if !validPackageName(pkg) {
		return sandbox.Command{}, fmt.Errorf("cargo-semver-checks: bad package name %q", pkg)
	}
	flag, path := "--baseline-root", base.Root
	if base.Rustdoc != "" {
		flag, path = "--baseline-rustdoc", base.Rustdoc
	}
	if path == "" {
		return sandbox.Command{}, errors.New("cargo-semver-checks: no baseline")
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo-semver-checks: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo-semver-checks: %w", err)
	}
	args := []string{tool, "semver-checks", "check-release",
		"--manifest-path", filepath.Join(abs, "Cargo.toml"),
		"--package", pkg,
		flag, path,
		"--color=never", "--verbose"}
	cmd, err := command(dir, opts, args, false)
	if err != nil {
		return sandbox.Command{}, err
	}
	// Cargo, run by the tool, must not try the network it does not have.
	cmd.Env = append(cmd.Env, "CARGO_NET_OFFLINE=true")
	cmd.ReadOnly = append(cmd.ReadOnly, path, tool)
	return cmd, nil
}

// validPackageName is what a Cargo package name may be (letters, digits,
// `-`, `_`), so that it cannot be read as a flag.
func validPackageName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
