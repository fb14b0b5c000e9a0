package review

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// sortedDiagnostics returns the diagnostics in a fixed order (by primary
// position, then severity, source, rule and message) without exact
// duplicates, so a review does not depend on the order tools print in.
func sortedDiagnostics(in []Diagnostic) []Diagnostic {
	out := slices.Clone(in)
	slices.SortStableFunc(out, compareDiagnostics)
	return slices.CompactFunc(out, func(a, b Diagnostic) bool { return compareDiagnostics(a, b) == 0 })
}

func compareDiagnostics(a, b Diagnostic) int {
	pa, _ := a.Primary()
	pb, _ := b.Primary()
	return cmp.Or(
		cmp.Compare(pa.Path, pb.Path),
		cmp.Compare(pa.LineStart, pb.LineStart),
		cmp.Compare(pa.ColumnStart, pb.ColumnStart),
		cmp.Compare(pa.LineEnd, pb.LineEnd),
		cmp.Compare(pa.ColumnEnd, pb.ColumnEnd),
		cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
		cmp.Compare(a.Source, b.Source),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Message, b.Message),
		slices.Compare(a.Notes, b.Notes),
		cmp.Compare(len(a.Fixes), len(b.Fixes)),
		cmp.Compare(fixKey(a.Fixes), fixKey(b.Fixes)),
	)
}

func fixKey(fixes []Fix) string {
	var b strings.Builder
	for _, f := range fixes {
		b.WriteString(string(f.Applicability))
		b.WriteByte(0)
		b.WriteString(f.Message)
		for _, e := range f.Edits {
			b.WriteByte(0)
			b.WriteString(e.Span.Path)
			fmt.Fprintf(&b, ":%d:%d-%d:%d:", e.Span.LineStart, e.Span.ColumnStart, e.Span.LineEnd, e.Span.ColumnEnd)
			b.WriteString(e.Replacement)
		}
		b.WriteByte(1)
	}
	return b.String()
}

func compareItems(a, b *item) int {
	return compareDiagnostics(a.d, b.d)
}

// fileCache splits head files into lines once.
type fileCache struct {
	read  func(string) ([]byte, bool)
	files map[string]*fileLines
}

func newFileCache(read func(string) ([]byte, bool)) *fileCache {
	return &fileCache{read: read, files: map[string]*fileLines{}}
}

// get returns the lines of head file p, or nil when it cannot be read.
func (c *fileCache) get(p string) *fileLines {
	if f, ok := c.files[p]; ok {
		return f
	}
	var f *fileLines
	if c.read != nil {
		if b, ok := c.read(p); ok {
			f = newFileLines(b)
		}
	}
	c.files[p] = f
	return f
}

// line returns line n of head file p without its line ending, or "".
func (c *fileCache) line(p string, n int) string {
	f := c.get(p)
	if f == nil {
		return ""
	}
	return strings.TrimRight(f.line(n), "\r\n")
}
