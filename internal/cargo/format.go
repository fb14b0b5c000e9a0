package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// Format runs rustfmt, in the sandbox, on files (paths relative to dir;
// files that are not .rs or no longer exist are skipped) with the edition of
// their package, and returns one diagnostic per changed region with a
// MachineApplicable fix that replaces whole lines. A file rustfmt cannot
// parse gets a note; its syntax error comes from Clippy. A file that is a
// symbolic link, not a regular file or larger than safefs.MaxFileSize is
// not read: it gets a note saying so.
//
// The files of one edition are formatted by a single rustfmt process; a
// file whose output cannot be attributed to it beyond doubt (rustfmt failed,
// or its output is not exactly one section per file) is formatted again on
// its own.
func Format(ctx context.Context, dir string, files []string, opts Options) ([]review.Diagnostic, error) {
	job, err := PrepareFormat(dir, files)
	if err != nil {
		return nil, err
	}
	defer job.Close()
	return job.Run(ctx, opts)
}

// FormatJob is a rustfmt run prepared by PrepareFormat: the files' bytes,
// read from the checkout once, and a private copy of them (with the
// rustfmt.toml files that apply) that rustfmt reads. Nothing a build does
// in the checkout afterwards changes what is formatted.
type FormatJob struct {
	inputs []formatInput
	notes  []review.Diagnostic
	tmp    string
}

// PrepareFormat reads files (see Format) from dir, safely, and copies them
// into a private directory for rustfmt. Close removes it.
func PrepareFormat(dir string, files []string) (*FormatJob, error) {
	return prepareFormat(dir, files, nil)
}

// PrepareFormatSources is PrepareFormat for files whose bytes the caller
// holds (sources, by path): only the manifests (for the edition) and the
// rustfmt configuration are read from dir.
func PrepareFormatSources(dir string, sources map[string][]byte) (*FormatJob, error) {
	files := slices.Sorted(maps.Keys(sources))
	return prepareFormat(dir, files, sources)
}

func prepareFormat(dir string, files []string, sources map[string][]byte) (*FormatJob, error) {
	root, err := safefs.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("cargo: format: %w", err)
	}
	defer root.Close()
	tmp, err := os.MkdirTemp("", "symposium-fmt-")
	if err != nil {
		return nil, fmt.Errorf("cargo: format: %w", err)
	}
	job := &FormatJob{tmp: tmp}
	editions := map[string]string{} // by the file's directory
	configs := map[string]bool{}    // rustfmt configuration files copied
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".rs") {
			continue
		}
		src, err := sources[rel], error(nil)
		if sources == nil {
			src, err = root.ReadFile(rel)
		}
		if errors.Is(err, fs.ErrNotExist) && !safefs.Refused(err) {
			continue
		}
		if safefs.Refused(err) {
			job.notes = append(job.notes, formatNote(err.Error()+"; rustfmt did not read it"))
			continue
		}
		if err != nil {
			job.Close()
			return nil, fmt.Errorf("cargo: format: %w", err)
		}
		d := path.Dir(rel)
		edition, ok := editions[d]
		if !ok {
			if edition, err = editionIn(root, rel); err != nil {
				job.notes = append(job.notes, formatNote(fmt.Sprintf("rustfmt skipped %s: %v", rel, err)))
				continue
			}
			editions[d] = edition
		}
		copyPath := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(copyPath), 0o755); err != nil {
			job.Close()
			return nil, fmt.Errorf("cargo: format: %w", err)
		}
		if err := os.WriteFile(copyPath, src, 0o644); err != nil {
			job.Close()
			return nil, fmt.Errorf("cargo: format: %w", err)
		}
		copyConfigs(root, tmp, d, configs)
		job.inputs = append(job.inputs, formatInput{rel: rel, path: copyPath, src: src, edition: edition})
	}
	return job, nil
}

// copyConfigs copies the rustfmt configuration files of dir and its parents
// (as rustfmt looks them up) into the private copy; links and anything
// else unreadable are left out.
func copyConfigs(root *safefs.Root, tmp, dir string, done map[string]bool) {
	for d := dir; ; d = path.Dir(d) {
		for _, name := range []string{"rustfmt.toml", ".rustfmt.toml"} {
			p := path.Join(d, name)
			if done[p] {
				continue
			}
			done[p] = true
			if b, err := root.ReadFile(p); err == nil {
				_ = os.MkdirAll(filepath.Join(tmp, filepath.FromSlash(d)), 0o755)
				_ = os.WriteFile(filepath.Join(tmp, filepath.FromSlash(p)), b, 0o644)
			}
		}
		if d == "." {
			return
		}
	}
}

func formatNote(msg string) review.Diagnostic {
	return review.Diagnostic{Source: review.SourceRustfmt, Rule: "rustfmt", Severity: review.SeverityNote, Message: msg}
}

// Close removes the private copy.
func (j *FormatJob) Close() {
	if j.tmp != "" {
		os.RemoveAll(j.tmp)
		j.tmp = ""
	}
}

// Run formats the prepared files in the sandbox; see Format.
func (j *FormatJob) Run(ctx context.Context, opts Options) ([]review.Diagnostic, error) {
	out := append([]review.Diagnostic(nil), j.notes...)
	for _, group := range byEdition(j.inputs) {
		formatted, err := formatBatch(ctx, j.tmp, group, opts)
		if err != nil {
			return nil, err
		}
		for i, in := range group {
			if formatted[i] == nil {
				d, err := formatOne(ctx, j.tmp, in, opts)
				if err != nil {
					return nil, err
				}
				out = append(out, d...)
				continue
			}
			out = append(out, formatDiagnostics(in.rel, string(in.src), string(formatted[i]))...)
		}
	}
	count(out)
	return out, nil
}

// formatInput is one file to format.
type formatInput struct {
	rel, path, edition string
	src                []byte
}

// byEdition groups inputs by edition, in the order of first appearance.
func byEdition(inputs []formatInput) [][]formatInput {
	var groups [][]formatInput
	index := map[string]int{}
	for _, in := range inputs {
		i, ok := index[in.edition]
		if !ok {
			i = len(groups)
			index[in.edition] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], in)
	}
	return groups
}

// formatBatch formats the files of one edition with one rustfmt process and
// returns each file's formatted text, nil for a file to format on its own.
// rustfmt prints each file as "<absolute path>:", an empty line and its
// text; a section is attributed only when the output holds exactly the
// expected headers, in order, and nothing else that looks like one. dir is
// the private copy, which nothing else writes.
func formatBatch(ctx context.Context, dir string, group []formatInput, opts Options) ([][]byte, error) {
	formatted := make([][]byte, len(group))
	if len(group) < 2 {
		return formatted, nil
	}
	// skip_children: format the files given, not the modules they declare.
	args := append(beside(), "rustfmt", "--emit", "stdout", "--edition", group[0].edition, "--color", "never", "--config", "skip_children=true", "--")
	for _, in := range group {
		args = append(args, in.path)
	}
	cmd, err := command(dir, opts, args, false)
	if err != nil {
		return nil, err
	}
	res, err := opts.Runner.Run(ctx, cmd)
	if err != nil {
		runsTotal.WithLabelValues("rustfmt", "error").Inc()
		return nil, fmt.Errorf("cargo: rustfmt: %w", err)
	}
	if res.ExitCode != 0 || res.Truncated {
		// One file rustfmt cannot parse: each gets its own run and note.
		slog.DebugContext(ctx, "rustfmt batch failed, formatting files one by one", "dir", dir, "files", len(group), "exit", res.ExitCode)
		return formatted, nil
	}
	sections, ok := splitRustfmtOutput(res.Stdout, group)
	if !ok {
		slog.WarnContext(ctx, "rustfmt output not attributable to files, formatting them one by one", "dir", dir, "files", len(group))
		return formatted, nil
	}
	runsTotal.WithLabelValues("rustfmt", "ok").Inc()
	copy(formatted, sections)
	return formatted, nil
}

// splitRustfmtOutput cuts rustfmt's output into one section per file, and
// false unless its header lines are exactly the files' paths, in order.
func splitRustfmtOutput(out []byte, group []formatInput) ([][]byte, bool) {
	var starts, ends []int // of each header line, and of the text after it
	for pos := 0; pos < len(out); {
		line, rest, found := bytes.Cut(out[pos:], []byte("\n"))
		if found && isRustfmtHeader(line, rest) {
			if len(starts) == len(group) || string(line) != filepath.Clean(group[len(starts)].path)+":" {
				return nil, false
			}
			starts = append(starts, pos)
			ends = append(ends, pos+len(line)+2) // the header and the empty line
		}
		pos += len(line) + 1
	}
	if len(starts) != len(group) || (len(out) > 0 && starts[0] != 0) {
		return nil, false
	}
	sections := make([][]byte, len(group))
	for i := range group {
		stop := len(out)
		if i+1 < len(group) {
			stop = starts[i+1]
		}
		sections[i] = out[ends[i]:stop]
	}
	return sections, true
}

// isRustfmtHeader reports whether line looks like rustfmt's "<absolute
// path>.rs:" header, which an empty line follows (rest is what follows the
// line's newline).
func isRustfmtHeader(line, rest []byte) bool {
	return bytes.HasPrefix(line, []byte("/")) && bytes.HasSuffix(line, []byte(".rs:")) &&
		len(rest) > 0 && rest[0] == '\n'
}

// formatOne formats one file on rustfmt's stdin, so that rustfmt formats
// this file only and finds rustfmt.toml from its directory.
func formatOne(ctx context.Context, dir string, in formatInput, opts Options) ([]review.Diagnostic, error) {
	cmd, err := command(dir, opts, append(beside(), "rustfmt", "--emit", "stdout", "--edition", in.edition, "--color", "never"), false)
	if err != nil {
		return nil, err
	}
	cmd.Dir = filepath.Dir(in.path)
	cmd.Stdin = bytes.NewReader(in.src)
	res, err := opts.Runner.Run(ctx, cmd)
	if err != nil {
		runsTotal.WithLabelValues("rustfmt", "error").Inc()
		return nil, fmt.Errorf("cargo: rustfmt %s: %w", in.rel, err)
	}
	if res.ExitCode != 0 || res.Truncated {
		runsTotal.WithLabelValues("rustfmt", "failed").Inc()
		res.Stderr = newRedactor(dir, opts).bytes(res.Stderr)
		return []review.Diagnostic{{
			Source:   review.SourceRustfmt,
			Rule:     "rustfmt",
			Severity: review.SeverityNote,
			Message:  fmt.Sprintf("rustfmt could not format %s (exit %d): %s", in.rel, res.ExitCode, firstError(res.Stderr)),
			Rendered: string(res.Stderr),
		}}, nil
	}
	runsTotal.WithLabelValues("rustfmt", "ok").Inc()
	return formatDiagnostics(filepath.ToSlash(in.rel), string(in.src), string(res.Stdout)), nil
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
// Manifests are read with package safefs: a linked one is an error.
func Edition(dir, file string) (string, error) {
	root, err := safefs.Open(dir)
	if err != nil {
		return "", fmt.Errorf("cargo: edition: %w", err)
	}
	defer root.Close()
	e, err := editionIn(root, file)
	if err != nil {
		return "", fmt.Errorf("cargo: edition: %w", err)
	}
	return e, nil
}

func editionIn(root *safefs.Root, file string) (string, error) {
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
	inherit := false
	for d := path.Dir(file); ; d = path.Dir(d) {
		name := path.Join(d, "Cargo.toml")
		b, err := root.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) && !safefs.Refused(err) {
			if d == "." {
				break
			}
			continue
		}
		if err != nil {
			return "", err
		}
		var m manifest
		if err := toml.Unmarshal(b, &m); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
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
			return "", fmt.Errorf("%s: the workspace sets no package.edition to inherit", name)
		}
		if d == "." {
			break
		}
	}
	if inherit {
		return "", fmt.Errorf("edition of %s: inherited from a workspace not found", file)
	}
	return "2015", nil
}

// niceBin is nice(1), when the host has it.
var niceBin = sync.OnceValue(func() string {
	p, _ := exec.LookPath("nice")
	return p
})

// beside prefixes a command that runs beside clippy: rustfmt at a lower
// CPU priority takes only what clippy leaves idle, instead of slowing the
// review's longest step down on a small machine.
func beside() []string {
	if p := niceBin(); p != "" {
		return []string{p, "-n", "15"}
	}
	return nil
}
