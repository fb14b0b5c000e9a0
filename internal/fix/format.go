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

// format runs rustfmt on the fixable files and writes its changes.
func (p *pipeline) format(ctx context.Context) ([]Fix, error) {
	diags, err := cargo.Format(ctx, p.req.Dir, p.files, p.copts)
	if err != nil {
		return nil, fmt.Errorf("fix: rustfmt: %w", err)
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
		byFile[sp.Path] = append(byFile[sp.Path], d.Fixes[0].Edits...)
		fixes = append(fixes, Fix{Source: review.SourceRustfmt, Rule: "rustfmt", Path: sp.Path, Count: 1})
	}
	for path, edits := range byFile {
		if err := applyLineEdits(p.req.Dir, path, edits); err != nil {
			return nil, err
		}
	}
	return fixes, nil
}

// applyLineEdits replaces whole lines of a file: each edit's span covers
// lines LineStart..LineEnd, which its Replacement (lines joined by "\n")
// replaces. Edits must not overlap.
func applyLineEdits(dir, rel string, edits []review.Edit) error {
	data, ok, err := readFile(dir, rel)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("fix: apply rustfmt's changes: %s does not exist", rel)
	}
	text := string(data)
	trailingNewline := strings.HasSuffix(text, "\n")
	fileLines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	sort.Slice(edits, func(i, j int) bool { return edits[i].Span.LineStart > edits[j].Span.LineStart })
	next := len(fileLines) + 1
	for _, e := range edits {
		s, t := e.Span.LineStart, e.Span.LineEnd
		if s < 1 || t < s || t >= next {
			return fmt.Errorf("fix: apply rustfmt's changes to %s: edit of lines %d–%d overlaps or is out of range", rel, s, t)
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
	if err := safefs.WriteFile(dir, rel, []byte(out), 0o644); err != nil {
		return fmt.Errorf("fix: write %w", err)
	}
	return nil
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
