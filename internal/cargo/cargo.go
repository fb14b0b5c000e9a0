// Package cargo runs cargo, clippy and rustfmt on a checkout inside the
// sandbox and parses what they say into review diagnostics.
//
// Dependencies are fetched first with the network (Fetch: `cargo fetch` runs
// no crate code); the analysis then runs offline with no network. cargo's
// home inside the sandbox is a directory of our own (Options.CargoHome,
// default TargetDir/cargo-home), never the operator's ~/.cargo, which may
// hold registry credentials.
//
// Clippy must run in the workspace root: cargo reports paths relative to it.
package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// (registry cache, written by Fetch). Default: TargetDir/cargo-home.
	CargoHome string
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

// Clippy runs `cargo clippy --keep-going --all-targets --message-format=json`
// offline in the sandbox and returns its diagnostics, paths relative to dir.
// A compile error is a diagnostic, and so is each target that could not be
// built; the error is for a cargo that could not run.
func Clippy(ctx context.Context, dir string, opts Options) ([]review.Diagnostic, error) {
	args := clippyArgs(opts, "--all-targets", "--message-format=json", "--offline", "--color=never")
	res, err := runBuild(ctx, dir, opts, args)
	if err != nil {
		return nil, err
	}
	diags, err := ParseMessages(bytes.NewReader(res.Stdout), dir)
	if err != nil {
		runsTotal.WithLabelValues("clippy", "error").Inc()
		return nil, fmt.Errorf("cargo clippy in %s (exit %d): %w; stderr: %s", dir, res.ExitCode, err, tail(res.Stderr))
	}
	if res.Truncated {
		runsTotal.WithLabelValues("clippy", "error").Inc()
		return nil, fmt.Errorf("cargo clippy in %s: output exceeded the sandbox's output limit", dir)
	}
	if res.ExitCode != 0 && !hasError(diags) {
		// cargo failed before rustc could say why: a bad manifest, a build
		// script that panicked, a missing dependency. That is a finding too.
		diags = append(diags, review.Diagnostic{
			Source:   review.SourceRustc,
			Rule:     "cargo",
			Severity: review.SeverityError,
			Message:  fmt.Sprintf("cargo clippy failed (exit %d): %s", res.ExitCode, firstError(res.Stderr)),
			Rendered: string(res.Stderr),
		})
	}
	diags = append(diags, failedTargets(res.Stderr)...)
	outcome := "ok"
	if res.ExitCode != 0 {
		outcome = "failed"
	}
	runsTotal.WithLabelValues("clippy", outcome).Inc()
	count(diags)
	slog.Info("cargo clippy done", "dir", dir, "exit", res.ExitCode, "diagnostics", len(diags), "duration", res.Duration)
	return diags, nil
}

// Fetch downloads the dependencies with `cargo fetch`, which runs no crate
// code, so that the analysis can run offline. Without registry or git
// dependencies it downloads nothing.
func Fetch(ctx context.Context, dir string, opts Options) error {
	if nothingToFetch(dir) {
		runsTotal.WithLabelValues("fetch", "skipped").Inc()
		return nil
	}
	res, err := run(ctx, dir, opts, []string{"cargo", "fetch", "--color=never"}, true)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("fetch", "failed").Inc()
		return fmt.Errorf("cargo fetch in %s failed (exit %d): %s", dir, res.ExitCode, tail(res.Stderr))
	}
	runsTotal.WithLabelValues("fetch", "ok").Inc()
	return nil
}

// run runs a toolchain command in the sandbox with cargo's environment.
func run(ctx context.Context, dir string, opts Options, args []string, network bool) (sandbox.Result, error) {
	cmd, err := command(dir, opts, args, network)
	if err != nil {
		return sandbox.Result{}, err
	}
	res, err := opts.Runner.Run(ctx, cmd)
	if err != nil {
		runsTotal.WithLabelValues(args[1], "error").Inc()
		return res, fmt.Errorf("cargo: %s: %w", strings.Join(args[:2], " "), err)
	}
	return res, nil
}

// command builds the sandboxed command: the toolchain read-only, the
// checkout, target dir and cargo home writable, and an environment that holds
// nothing of this process's but the toolchain's location.
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
	home := opts.CargoHome
	if home == "" {
		home = filepath.Join(target, "cargo-home")
	}
	if home, err = filepath.Abs(home); err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	for _, d := range []string{target, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
		}
	}
	tc, err := sandbox.RustToolchain()
	if err != nil {
		return sandbox.Command{}, fmt.Errorf("cargo: %w", err)
	}
	env := append(append([]string{}, tc.Env...),
		"CARGO_TARGET_DIR="+target,
		"CARGO_HOME="+home,
		"CARGO_TERM_COLOR=never",
		"HOME=/home/sandbox",
	)
	writable := []string{dir, target}
	if !within(home, target) {
		writable = append(writable, home)
	}
	return sandbox.Command{
		Args:     args,
		Dir:      dir,
		Env:      env,
		Writable: writable,
		ReadOnly: tc.ReadOnly,
		Network:  network,
	}, nil
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

// firstError returns cargo's first "error:" line, or the last line.
func firstError(stderr []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stderr)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "error") {
			return strings.TrimSpace(l)
		}
	}
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

// nothingToFetch reports a workspace whose Cargo.lock names no package
// from a registry or a git repository: every package is local, so `cargo
// fetch` would download nothing. Without a lock file cargo may have to
// resolve dependencies, so it is not skipped.
func nothingToFetch(dir string) bool {
	lock, err := os.ReadFile(filepath.Join(dir, "Cargo.lock"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(lock), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "source = ") {
			return false
		}
	}
	return true
}
