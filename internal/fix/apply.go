package fix

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/symposium-dev/symposium/review"
)

// byteEdit replaces bytes [start, end) of a file with text.
type byteEdit struct {
	start, end int
	text       string
}

// overlaps reports whether two edits touch the same bytes, or insert at
// the same place, so that applying both is ambiguous.
func (e byteEdit) overlaps(o byteEdit) bool {
	if e.start == e.end && o.start == o.end {
		return e.start == o.start
	}
	if e.start == e.end {
		return o.start < e.start && e.start < o.end
	}
	if o.start == o.end {
		return e.start < o.start && o.start < e.end
	}
	return e.start < o.end && o.start < e.end
}

// offset turns a 1-based line and 1-based column (counted in characters,
// as rustc's JSON spans count them) into a byte offset of src.
func offset(src []byte, line, col int) (int, error) {
	if line < 1 || col < 1 {
		return 0, fmt.Errorf("position %d:%d out of range", line, col)
	}
	pos := 0
	for l := 1; l < line; l++ {
		i := slices.Index(src[pos:], '\n')
		if i < 0 {
			return 0, fmt.Errorf("line %d beyond the end of the file", line)
		}
		pos += i + 1
	}
	for c := 1; c < col; c++ {
		if pos >= len(src) || src[pos] == '\n' {
			return 0, fmt.Errorf("column %d beyond the end of line %d", col, line)
		}
		_, size := utf8.DecodeRune(src[pos:])
		pos += size
	}
	return pos, nil
}

// toByteEdit locates a compiler edit in src.
func toByteEdit(src []byte, e review.Edit) (byteEdit, error) {
	start, err := offset(src, e.Span.LineStart, e.Span.ColumnStart)
	if err != nil {
		return byteEdit{}, err
	}
	end, err := offset(src, e.Span.LineEnd, e.Span.ColumnEnd)
	if err != nil {
		return byteEdit{}, err
	}
	if end < start {
		return byteEdit{}, fmt.Errorf("span %d:%d–%d:%d ends before it starts", e.Span.LineStart, e.Span.ColumnStart, e.Span.LineEnd, e.Span.ColumnEnd)
	}
	return byteEdit{start: start, end: end, text: e.Replacement}, nil
}

// applyEdits applies non-overlapping edits to src.
func applyEdits(src []byte, edits []byteEdit) []byte {
	sorted := slices.Clone(edits)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].start > sorted[j].start })
	out := slices.Clone(src)
	for _, e := range sorted {
		out = slices.Concat(out[:e.start], []byte(e.text), out[e.end:])
	}
	return out
}

// machineEdits returns every edit of d's machine-applicable fixes (rustfix
// applies them all together), and false when it has none.
func machineEdits(d review.Diagnostic) ([]review.Edit, bool) {
	var edits []review.Edit
	for _, f := range d.Fixes {
		if f.Applicability == review.MachineApplicable {
			edits = append(edits, f.Edits...)
		}
	}
	return edits, len(edits) > 0
}

// ruleOf names a diagnostic's rule, or its message's first line.
func ruleOf(d review.Diagnostic) string {
	if d.Rule != "" {
		return d.Rule
	}
	msg, _, _ := strings.Cut(d.Message, "\n")
	return msg
}

// planSuggestions picks, in order, the diagnostics whose machine-applicable
// fixes edit only files of allowed (as they are in cur) and overlap no
// edit picked before, and returns the edits by file and one Fix each.
func planSuggestions(diags []review.Diagnostic, cur map[string][]byte, allowed []string) (map[string][]byteEdit, []Fix) {
	planned := map[string][]byteEdit{}
	var fixes []Fix
next:
	for _, d := range diags {
		edits, ok := machineEdits(d)
		if !ok {
			continue
		}
		mine := map[string][]byteEdit{}
		for _, e := range edits {
			p := e.Span.Path
			src, ok := cur[p]
			if !ok || !slices.Contains(allowed, p) {
				continue next
			}
			be, err := toByteEdit(src, e)
			if err != nil {
				continue next
			}
			for _, o := range append(planned[p], mine[p]...) {
				if be.overlaps(o) {
					continue next
				}
			}
			mine[p] = append(mine[p], be)
		}
		path := edits[0].Span.Path
		if sp, ok := d.Primary(); ok && mine[sp.Path] != nil {
			path = sp.Path
		}
		for p, es := range mine {
			planned[p] = append(planned[p], es...)
		}
		fixes = append(fixes, Fix{Source: d.Source, Rule: ruleOf(d), Path: path, Count: 1})
	}
	return planned, fixes
}
