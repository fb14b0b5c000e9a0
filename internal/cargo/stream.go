package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// DefaultMaxOutputBytes caps clippy's JSON output when Options.MaxOutputBytes
// is zero; it matches the sandbox's default output cap.
const DefaultMaxOutputBytes = 64 << 20

// ErrOutputTruncated is wrapped by Clippy's error when clippy's output
// exceeded the cap; ClippyReport reports it as Report.Incomplete instead.
var ErrOutputTruncated = errors.New("cargo: clippy's output exceeded the cap")

// Report is what a clippy run found.
type Report struct {
	Diagnostics []review.Diagnostic
	// Incomplete says why Diagnostics are not all clippy found, for the
	// review's summary; empty when they are.
	Incomplete string
}

// ClippyReport runs `cargo clippy --all-targets --message-format=json`
// offline in the sandbox and parses its messages while they stream. Output
// beyond the cap is not an error: the diagnostics of the complete lines
// before it are kept and Report.Incomplete says so. A compile error is a
// diagnostic; the error is for a cargo that could not run.
func ClippyReport(ctx context.Context, dir string, opts Options) (Report, error) {
	args := clippyArgs(opts, "--all-targets", "--message-format=json", "--offline", "--color=never")
	limit := opts.MaxOutputBytes
	if limit <= 0 {
		limit = DefaultMaxOutputBytes
	}
	var (
		res       sandbox.Result
		diags     []review.Diagnostic
		parseErr  error
		truncated bool
	)
	err := buildIn(ctx, opts.TargetDir, dir, func() error {
		cmd, err := command(dir, opts, args, false)
		if err != nil {
			return err
		}
		pr, pw := io.Pipe()
		lw := &lineWriter{w: pw, limit: limit}
		cmd.Stdout = lw
		done := make(chan struct{})
		go func() {
			defer close(done)
			diags, parseErr = ParseMessages(pr, dir)
			_, _ = io.Copy(io.Discard, pr) // a parse error must not block the writer
		}()
		res, err = opts.Runner.Run(ctx, cmd)
		if len(res.Stdout) > 0 { // a Runner that captures instead of streaming
			_, _ = lw.Write(res.Stdout)
		}
		truncated = lw.truncated || res.Truncated
		if !truncated {
			lw.flush()
		}
		pw.Close()
		<-done
		if err != nil {
			runsTotal.WithLabelValues("clippy", "error").Inc()
			return fmt.Errorf("cargo: cargo clippy: %w", err)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	red := newRedactor(dir, opts)
	res.Stderr = red.bytes(res.Stderr)
	if parseErr != nil {
		runsTotal.WithLabelValues("clippy", "error").Inc()
		return Report{}, fmt.Errorf("cargo clippy in %s (exit %d): %w; stderr: %s", dir, res.ExitCode, parseErr, tail(res.Stderr))
	}
	rep := Report{Diagnostics: diags}
	if truncated {
		rep.Incomplete = fmt.Sprintf("clippy's output exceeded %s; the review is incomplete (only the findings before the cut are shown)", size(limit))
		slog.WarnContext(ctx, "cargo clippy output truncated", "dir", dir, "limit", limit, "diagnostics", len(diags))
	} else if res.ExitCode != 0 && !hasError(diags) {
		// cargo failed before rustc could say why: a bad manifest, a build
		// script that panicked, a missing dependency. That is a finding too.
		rep.Diagnostics = append(rep.Diagnostics, review.Diagnostic{
			Source:   review.SourceRustc,
			Rule:     "cargo",
			Severity: review.SeverityError,
			Message:  fmt.Sprintf("cargo clippy failed (exit %d): %s", res.ExitCode, firstError(res.Stderr)),
			Rendered: string(res.Stderr),
		})
	}
	rep.Diagnostics = append(rep.Diagnostics, failedTargets(res.Stderr)...)
	red.diagnostics(rep.Diagnostics)
	outcome := "ok"
	switch {
	case truncated:
		outcome = "truncated"
	case res.ExitCode != 0:
		outcome = "failed"
	}
	runsTotal.WithLabelValues("clippy", outcome).Inc()
	count(rep.Diagnostics)
	slog.InfoContext(ctx, "cargo clippy done", "dir", dir, "exit", res.ExitCode, "diagnostics", len(rep.Diagnostics), "duration", res.Duration)
	return rep, nil
}

// size renders a byte count for a person: "64 MB", "4096 bytes".
func size(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// lineWriter passes on only whole lines, so that a cut at the cap never
// hands the parser half a message, and stops at limit bytes.
type lineWriter struct {
	w         io.Writer
	limit, n  int
	partial   []byte
	truncated bool
}

func (l *lineWriter) Write(p []byte) (int, error) {
	keep := p
	if room := l.limit - l.n; room < len(p) {
		keep = p[:max(room, 0)]
		l.truncated = true
	}
	l.n += len(keep)
	if i := bytes.LastIndexByte(keep, '\n'); i >= 0 {
		if len(l.partial) > 0 {
			l.partial = append(l.partial, keep[:i+1]...)
			_, _ = l.w.Write(l.partial)
			l.partial = l.partial[:0]
		} else {
			_, _ = l.w.Write(keep[:i+1])
		}
		keep = keep[i+1:]
	}
	l.partial = append(l.partial, keep...)
	return len(p), nil
}

// flush passes on a last line without a newline.
func (l *lineWriter) flush() {
	if len(l.partial) > 0 && strings.TrimSpace(string(l.partial)) != "" {
		_, _ = l.w.Write(l.partial)
	}
	l.partial = nil
}
