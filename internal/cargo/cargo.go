// Package cargo runs cargo, clippy and rustfmt on a checkout inside the
// sandbox and parses what they say into review diagnostics.
//
// Dependencies are fetched first with the network (Fetch, from a
// manifest-only copy: see fetch.go); the analysis then runs offline with no
// network. cargo's home inside the sandbox is a directory of our own
// (Options.CargoHome), never the operator's ~/.cargo, which may hold
// registry credentials; only Fetch may write it.
//
// Clippy must run in the workspace root: cargo reports paths relative to it.
package cargo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// Options say how to run cargo.
type Options struct {
	// Runner runs every command; required.
	Runner sandbox.Runner
	// TargetDir is the host's CARGO_TARGET_DIR, writable, shared between runs.
	TargetDir string
	// Packages limits the analysis to these workspace packages; empty means
	// the whole workspace.
	Packages []string
	// LintArgs are passed to clippy after `--`, e.g. "-W", "clippy::pedantic".
	LintArgs []string
	// ExtraArgs are cargo arguments from the repository's configuration.
	ExtraArgs []string
	// CargoHome is the host directory used as CARGO_HOME inside the sandbox
	// (registry cache): written only by Fetch, read-only in every other
	// command. Default: TargetDir/cargo-home.
	CargoHome string
	// Toolchain names a rustup toolchain ("nightly") the worker chose for
	// this command; empty means the checkout's pinned one.
	Toolchain string
	// FetchDir holds Fetch's own state (its target dir, the manifest-only
	// copies, the hash of the last fetch). Default: CargoHome/.symposium-fetch,
	// read-only with the cargo home.
	FetchDir string
	// MaxOutputBytes caps clippy's JSON output (DefaultMaxOutputBytes when
	// zero); beyond it the review is incomplete, not failed.
	MaxOutputBytes int
}

var (
	runsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_cargo_runs_total",
		Help: "cargo invocations by subcommand and outcome (ok, failed, error).",
	}, []string{"command", "outcome"})
	diagnosticsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_cargo_diagnostics_total",
		Help: "Diagnostics parsed from cargo, rustc, clippy and rustfmt, by source and severity.",
	}, []string{"source", "severity"})
)

// Clippy runs ClippyReport (`cargo clippy --keep-going --all-targets
// --message-format=json`, offline, in the sandbox) and returns its
// diagnostics, paths relative to dir. A compile error is a diagnostic, and
// so is each target that could not be built. Output beyond the cap is an
// error wrapping ErrOutputTruncated, returned with the diagnostics parsed
// before the cut.
func Clippy(ctx context.Context, dir string, opts Options) ([]review.Diagnostic, error) {
	rep, err := ClippyReport(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	if rep.Incomplete != "" {
		return rep.Diagnostics, fmt.Errorf("cargo clippy in %s: %w", dir, ErrOutputTruncated)
	}
	return rep.Diagnostics, nil
}

// ErrCargoFailed is wrapped by the error of a command that ran and exited
// with an error about the checkout (a manifest cargo does not accept), as
// opposed to one that could not run.
var ErrCargoFailed = errors.New("cargo failed")

// run runs a toolchain command in the sandbox with cargo's environment.
// Its stderr comes back with the worker's paths redacted (redact.go); its
// stdout, which callers parse, as it was.
func run(ctx context.Context, dir string, opts Options, args []string, network bool) (sandbox.Result, error) {
	cmd, err := command(dir, opts, args, network)
	if err != nil {
		return sandbox.Result{}, err
	}
	res, err := opts.Runner.Run(ctx, cmd)
	res.Stderr = newRedactor(dir, opts).bytes(res.Stderr)
	if err != nil {
		runsTotal.WithLabelValues(args[1], "error").Inc()
		return res, fmt.Errorf("cargo: %s: %w", strings.Join(args[:2], " "), err)
	}
	return res, nil
}

// command builds the sandboxed command: the pinned toolchain read-only, the
// checkout and target dir writable, the cargo home writable only with the
// network (fetch, which runs nothing of the pull request's) and read-only
// otherwise, and an environment that holds nothing of this process's but
// the toolchain's location.
func command(dir string, opts Options, args []string, network bool) (sandbox.Command, error) {
	if opts.Runner == nil {
		return sandbox.Command{}, errors.New("cargo: Options.Runner is nil")
	}
	if opts.TargetDir == "" {
		return sandbox.Command{}, errors.New("cargo: Options.TargetDir is empty")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	target, err := filepath.Abs(opts.TargetDir)
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	home, err := filepath.Abs(cargoHome(opts))
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	for _, d := range []string{target, home} {
		if err := ensureDir(d); err != nil {
			return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
		}
	}
	tc, err := pinnedToolchain(dir)
	if opts.Toolchain != "" {
		tc, err = namedToolchain(opts.Toolchain)
	}
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	tcEnv, readOnly, err := tc.env()
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	env := append(tcEnv,
		"CARGO_TARGET_DIR="+target,
		"CARGO_HOME="+home,
		"CARGO_TERM_COLOR=never",
		"HOME=/home/sandbox",
	)
	writable := []string{dir, target}
	if network {
		// Nothing of the pull request's may run with the network: no
		// wrapper, no git CLI, whatever a configuration says.
		if err := writeHomeConfig(home); err != nil {
			return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
		}
		env = append(env, "RUSTC_WRAPPER=", "RUSTC_WORKSPACE_WRAPPER=",
			"CARGO_BUILD_RUSTC_WRAPPER=", "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER=",
			"CARGO_NET_GIT_FETCH_WITH_CLI=false")
		writable = append(writable, home)
	} else {
		readOnly = append(readOnly, home)
	}
	return sandbox.Command{
		Args:     args,
		Dir:      dir,
		Env:      env,
		Writable: writable,
		ReadOnly: readOnly,
		Network:  network,
	}, nil
}

// cargoHome is Options.CargoHome or its default.
func cargoHome(opts Options) string {
	if opts.CargoHome != "" {
		return opts.CargoHome
	}
	return filepath.Join(opts.TargetDir, "cargo-home")
}

func within(path, parent string) bool {
	rel, err := filepath.Rel(parent, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func hasError(diags []review.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == review.SeverityError {
			return true
		}
	}
	return false
}

func count(diags []review.Diagnostic) {
	for _, d := range diags {
		diagnosticsTotal.WithLabelValues(string(d.Source), string(d.Severity)).Inc()
	}
}

// firstError returns cargo's first "error:" line, with the location of a
// `-->` line under it ("error: duplicate key (Cargo.toml:9:2)"), or the
// last line. It quotes no source excerpt.
func firstError(stderr []byte) string {
	if ce := parseCargoError(string(stderr)); ce.Head != "" {
		s := "error: " + ce.Head
		if ce.Location != "" {
			s += " (" + ce.Location + ")"
		}
		return s
	}
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// tail returns the end of a command's stderr for an error message.
func tail(b []byte) string {
	const n = 2000
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// clippyArgs returns the argv of `cargo clippy --keep-going` (a target
// that cannot build does not stop the others) with flags, then the
// packages of opts (the whole workspace by default), its extra arguments
// and, after "--", its lint arguments.
func clippyArgs(opts Options, flags ...string) []string {
	args := append([]string{"cargo", "clippy", "--keep-going"}, flags...)
	if len(opts.Packages) == 0 {
		args = append(args, "--workspace")
	}
	for _, p := range opts.Packages {
		args = append(args, "--package", p)
	}
	args = append(args, opts.ExtraArgs...)
	if len(opts.LintArgs) > 0 {
		args = append(append(args, "--"), opts.LintArgs...)
	}
	return args
}

// ensureDir makes dir a directory, never through a link: a target dir (or
// the semver check's dir inside it) is the sandbox's to write, so a build
// may have left a link where it stood, and creating or bind-mounting it
// would then reach wherever the link points. Such a link is removed.
func ensureDir(dir string) error {
	if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}
