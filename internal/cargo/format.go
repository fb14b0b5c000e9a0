package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/review"
)

// Format runs rustfmt, in the sandbox, on each of files (paths relative to
// dir; files that are not .rs or no longer exist are skipped) with the
// edition of its package, and returns one diagnostic per changed region with
// a MachineApplicable fix that replaces whole lines. A file rustfmt cannot
// parse gets a note; its syntax error comes from Clippy.
func Format(ctx context.Context, dir string, files []string, opts Options) ([]review.Diagnostic, error) {
	var out []review.Diagnostic
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".rs") {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		src, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cargo: format: %w", err)
		}
		edition, err := Edition(dir, rel)
		if err != nil {
			return nil, err
		}
		cmd, err := command(dir, opts, []string{"rustfmt", "--emit", "stdout", "--edition", edition, "--color", "never"}, false)
		if err != nil {
			return nil, err
		}
		// rustfmt reads the file on stdin, so that it formats this file only
		// (not the modules it declares) and finds rustfmt.toml from its dir.
		cmd.Dir = filepath.Dir(path)
		cmd.Stdin = bytes.NewReader(src)
		res, err := opts.Runner.Run(ctx, cmd)
		if err != nil {
			runsTotal.WithLabelValues("rustfmt", "error").Inc()
			return nil, fmt.Errorf("cargo: rustfmt %s: %w", rel, err)
		}
		if res.ExitCode != 0 || res.Truncated {
			runsTotal.WithLabelValues("rustfmt", "failed").Inc()
			out = append(out, review.Diagnostic{
				Source:   review.SourceRustfmt,
				Rule:     "rustfmt",
				Severity: review.SeverityNote,
				Message:  fmt.Sprintf("rustfmt could not format %s (exit %d): %s", rel, res.ExitCode, firstError(res.Stderr)),
				Rendered: string(res.Stderr),
			})
			continue
		}
		runsTotal.WithLabelValues("rustfmt", "ok").Inc()
		out = append(out, formatDiagnostics(filepath.ToSlash(rel), string(src), string(res.Stdout))...)
	}
	count(out)
	return out, nil
}

// formatDiagnostics compares a file with its formatted text and returns one
// diagnostic per changed region.
func formatDiagnostics(path, old, formatted string) []review.Diagnostic {
	if old == formatted {
		return nil
	}
	a, b := splitLines(old), splitLines(formatted)
	var out []review.Diagnostic
	for _, h := range diffLines(a, b) {
		// GitHub replaces whole lines, so a pure insertion or deletion is
		// widened by one unchanged line to have lines on both sides.
		if h.a0 == h.a1 || h.b0 == h.b1 {
			if h.a0 > 0 && h.b0 > 0 {
				h.a0, h.b0 = h.a0-1, h.b0-1
			} else if h.a1 < len(a) && h.b1 < len(b) {
				h.a1, h.b1 = h.a1+1, h.b1+1
			}
		}
		if h.a0 == h.a1 { // the file was empty or becomes empty: nothing to anchor on
			continue
		}
		span := review.Span{
			Path:        path,
			LineStart:   h.a0 + 1,
			LineEnd:     h.a1,
			ColumnStart: 1,
			ColumnEnd:   utf8.RuneCountInString(a[h.a1-1]) + 1,
			Primary:     true,
		}
		msg := "rustfmt would reformat this line"
		if span.LineEnd > span.LineStart {
			msg = fmt.Sprintf("rustfmt would reformat these %d lines", span.LineEnd-span.LineStart+1)
		}
		out = append(out, review.Diagnostic{
			Source:   review.SourceRustfmt,
			Rule:     "rustfmt",
			Severity: review.SeverityWarning,
			Message:  msg,
			Spans:    []review.Span{span},
			Fixes: []review.Fix{{
				Message:       "format with rustfmt",
				Applicability: review.MachineApplicable,
				Edits:         []review.Edit{{Span: span, Replacement: strings.Join(b[h.b0:h.b1], "\n")}},
			}},
		})
	}
	return out
}

// splitLines splits text into lines without their line endings.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// Edition returns the Rust edition of the package owning file (relative to
// dir), from the nearest Cargo.toml with a [package] table, following
// `edition.workspace = true` to the workspace root. Cargo's default is 2015.
func Edition(dir, file string) (string, error) {
	type manifest struct {
		Package *struct {
			Edition any `toml:"edition"`
		} `toml:"package"`
		Workspace *struct {
			Package struct {
				Edition string `toml:"edition"`
			} `toml:"package"`
		} `toml:"workspace"`
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cargo: edition: %w", err)
	}
	inherit := false
	for d := filepath.Dir(filepath.Join(root, filepath.FromSlash(file))); within(d, root); d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "Cargo.toml"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cargo: edition: %w", err)
		}
		var m manifest
		if err := toml.Unmarshal(b, &m); err != nil {
			return "", fmt.Errorf("cargo: edition: %s: %w", filepath.Join(d, "Cargo.toml"), err)
		}
		if inherit {
			if m.Workspace != nil && m.Workspace.Package.Edition != "" {
				return m.Workspace.Package.Edition, nil
			}
		} else if m.Package != nil {
			switch e := m.Package.Edition.(type) {
			case string:
				return e, nil
			case nil:
				return "2015", nil
			default: // { workspace = true }
				inherit = true
			}
		}
		if m.Workspace != nil && inherit {
			return "", fmt.Errorf("cargo: edition: %s: the workspace sets no package.edition to inherit", filepath.Join(d, "Cargo.toml"))
		}
		if d == root {
			break
		}
	}
	if inherit {
		return "", fmt.Errorf("cargo: edition of %s: inherited from a workspace not found under %s", file, dir)
	}
	return "2015", nil
}
