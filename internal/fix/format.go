package fix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// format runs rustfmt on the current bytes of the fixable files (a private
// copy of them: the scratch copy only lends its manifests and rustfmt
// configuration) and applies its changes to them.
func (p *pipeline) format(ctx context.Context) error {
	if err := p.sync(ctx); err != nil {
		return err
	}
	job, err := cargo.PrepareFormatSources(p.scratch, p.cur)
	if err != nil {
		return fmt.Errorf("fix: rustfmt: %w", err)
	}
	defer job.Close()
	diags, err := job.Run(ctx, p.copts)
	if err != nil {
		return fmt.Errorf("fix: rustfmt: %w", err)
	}
	byFile := map[string][]review.Edit{}
	var fixes []Fix
	for _, d := range diags {
		if len(d.Fixes) == 0 {
			if d.Message != "" {
				p.res.Notes = append(p.res.Notes, d.Message)
			}
			continue
		}
		sp, _ := d.Primary()
		if _, ok := p.cur[sp.Path]; !ok {
			continue
		}
		byFile[sp.Path] = append(byFile[sp.Path], d.Fixes[0].Edits...)
		fixes = append(fixes, Fix{Source: review.SourceRustfmt, Rule: "rustfmt", Path: sp.Path, Count: 1})
	}
	for path, edits := range byFile {
		out, err := applyLineEdits(p.cur[path], edits)
		if err != nil {
			return fmt.Errorf("fix: apply rustfmt's changes to %s: %w", path, err)
		}
		p.cur[path] = out
	}
	p.fixes = append(p.fixes, fixes...)
	return nil
}

// applyLineEdits replaces whole lines of data: each edit's span covers
// lines LineStart..LineEnd, which its Replacement (lines joined by "\n")
// replaces. Edits must not overlap.
func applyLineEdits(data []byte, edits []review.Edit) ([]byte, error) {
	text := string(data)
	trailingNewline := strings.HasSuffix(text, "\n")
	fileLines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	edits = append([]review.Edit(nil), edits...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].Span.LineStart > edits[j].Span.LineStart })
	next := len(fileLines) + 1
	for _, e := range edits {
		s, t := e.Span.LineStart, e.Span.LineEnd
		if s < 1 || t < s || t >= next {
			return nil, fmt.Errorf("edit of lines %d–%d overlaps or is out of range", s, t)
		}
		// Keep each line's own ending ("\r" of CRLF files) as rustfmt gave it.
		repl := strings.Split(e.Replacement, "\n")
		fileLines = append(fileLines[:s-1], append(repl, fileLines[t:]...)...)
		next = s
	}
	out := strings.Join(fileLines, "\n")
	if trailingNewline {
		out += "\n"
	}
	return []byte(out), nil
}

// readFile reads a file of the work tree by its slash-separated path with
// package safefs; ok is false when it does not exist.
func readFile(dir, rel string) ([]byte, bool, error) {
	data, err := safefs.ReadFile(dir, rel)
	if errors.Is(err, os.ErrNotExist) && !safefs.Refused(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("fix: read %w", err)
	}
	return data, true, nil
}
