package review

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// fileLines is a head file split into lines, each with its line ending.
type fileLines struct {
	text  string
	start []int // start[i] is the byte offset of line i+1; start[len] == len(text)
}

func newFileLines(b []byte) *fileLines {
	f := &fileLines{text: string(b)}
	for off := 0; off < len(f.text); {
		f.start = append(f.start, off)
		i := strings.IndexByte(f.text[off:], '\n')
		if i < 0 {
			off = len(f.text)
		} else {
			off += i + 1
		}
	}
	f.start = append(f.start, len(f.text))
	return f
}

// count returns the number of lines.
func (f *fileLines) count() int { return len(f.start) - 1 }

// line returns line n (1-based) with its line ending, or "" when out of range.
func (f *fileLines) line(n int) string {
	if n < 1 || n > f.count() {
		return ""
	}
	return f.text[f.start[n-1]:f.start[n]]
}

// offset converts a rustc position (1-based line, 1-based character column)
// into a byte offset. rustc does not count a '\r' before '\n' as a column,
// and a column may point just past a line's last character. Line count+1,
// column 1 is the end of the file.
func (f *fileLines) offset(line, col int) (int, error) {
	if line == f.count()+1 && col == 1 {
		return len(f.text), nil
	}
	if line < 1 || line > f.count() || col < 1 {
		return 0, fmt.Errorf("position %d:%d outside the file (%d lines)", line, col, f.count())
	}
	content := strings.TrimSuffix(strings.TrimSuffix(f.line(line), "\n"), "\r")
	off := f.start[line-1]
	for i := 1; i < col; i++ {
		if len(content) == 0 {
			return 0, fmt.Errorf("column %d past the end of line %d", col, line)
		}
		_, size := utf8.DecodeRuneInString(content)
		content = content[size:]
		off += size
	}
	return off, nil
}

// suggestion is the whole-line replacement GitHub can apply: head lines
// StartLine..EndLine become Text (which ends with a newline unless it is
// empty or the last line of the file has none).
type suggestion struct {
	StartLine, EndLine int
	Old, Text          string
	Applicability      Applicability
}

// Delete reports whether the suggestion removes its lines outright (as
// opposed to keeping lines, however empty).
func (s *suggestion) Delete() bool { return s.Text == "" }

// Block returns the content of a ```suggestion block: the replacement
// lines without the final newline ("" for one empty line, and for a
// deletion, which Delete tells apart).
func (s *suggestion) Block() string {
	return strings.TrimSuffix(s.Text, "\n")
}

// Markdown renders the suggestion as GitHub applies it exactly.
func (s *suggestion) Markdown() string {
	if s.Delete() {
		return DeletionBlock()
	}
	return SuggestionBlock(s.Block())
}

var errOverlap = errors.New("edits overlap")

// applyEdits applies edits (all in file path) to whole lines of f and
// returns the smallest whole-line replacement that has the same effect.
func applyEdits(f *fileLines, path string, edits []Edit) (*suggestion, error) {
	if len(edits) == 0 {
		return nil, errors.New("no edits")
	}
	type span struct {
		from, to int
		repl     string
	}
	spans := make([]span, 0, len(edits))
	for _, e := range edits {
		if e.Span.Path != path {
			return nil, fmt.Errorf("edit in another file %q", e.Span.Path)
		}
		from, err := f.offset(e.Span.LineStart, e.Span.ColumnStart)
		if err != nil {
			return nil, err
		}
		to, err := f.offset(e.Span.LineEnd, e.Span.ColumnEnd)
		if err != nil {
			return nil, err
		}
		if to < from {
			return nil, fmt.Errorf("edit ends before it starts at line %d", e.Span.LineStart)
		}
		spans = append(spans, span{from, to, e.Replacement})
	}
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].from != spans[j].from {
			return spans[i].from < spans[j].from
		}
		return spans[i].to < spans[j].to
	})
	// Drop exact duplicates; refuse real overlaps.
	uniq := spans[:1]
	for _, s := range spans[1:] {
		last := uniq[len(uniq)-1]
		if s == last {
			continue
		}
		if s.from < last.to || s.from == last.from && s.from == s.to {
			return nil, errOverlap
		}
		uniq = append(uniq, s)
	}
	spans = uniq

	// The whole lines the edits touch.
	startLine := lineOf(f, spans[0].from)
	endLine := lineOf(f, max(spans[len(spans)-1].to, spans[len(spans)-1].from))
	if endLine > f.count() {
		endLine = f.count()
	}
	if startLine > f.count() {
		// An insertion at the very end of a file: GitHub cannot anchor it.
		return nil, errors.New("edit at the end of the file")
	}
	segFrom, segTo := f.start[startLine-1], f.start[endLine]
	var b strings.Builder
	pos := segFrom
	for _, s := range spans {
		b.WriteString(f.text[pos:s.from])
		b.WriteString(s.repl)
		pos = s.to
	}
	b.WriteString(f.text[pos:segTo])
	newText := b.String()
	oldText := f.text[segFrom:segTo]

	// Trim whole lines the edits left as they were, at both ends.
	for startLine < endLine {
		first := f.line(startLine)
		if !strings.HasPrefix(newText, first) || !strings.HasSuffix(first, "\n") {
			break
		}
		newText, oldText = newText[len(first):], oldText[len(first):]
		startLine++
	}
	for startLine < endLine {
		last := f.line(endLine)
		rest, ok := strings.CutSuffix(newText, last)
		if !ok || rest != "" && !strings.HasSuffix(rest, "\n") {
			break
		}
		newText, oldText = rest, oldText[:len(oldText)-len(last)]
		endLine--
	}
	oldNL := strings.HasSuffix(oldText, "\n")
	newNL := strings.HasSuffix(newText, "\n")
	if newText != "" && oldNL != newNL {
		return nil, errors.New("the fix changes the newline at the end of the file")
	}
	if newText == oldText {
		return nil, errors.New("the fix changes nothing")
	}
	return &suggestion{StartLine: startLine, EndLine: endLine, Old: oldText, Text: newText}, nil
}

// lineOf returns the 1-based line holding byte offset off (count+1 at the
// end of a file that ends with a newline).
func lineOf(f *fileLines, off int) int {
	// The last i with start[i] <= off.
	i := sort.Search(len(f.start), func(i int) bool { return f.start[i] > off }) - 1
	return i + 1
}

// chooseFix picks the fix to offer: the first machine-applicable one, else
// the first that may be incorrect, else the first with edits.
func chooseFix(fixes []Fix) (Fix, bool) {
	for _, want := range []Applicability{MachineApplicable, MaybeIncorrect, ""} {
		for _, f := range fixes {
			if len(f.Edits) > 0 && (want == "" || f.Applicability == want) {
				return f, true
			}
		}
	}
	return Fix{}, false
}

// offered reports whether a fix of this applicability becomes a GitHub
// suggestion block (with a note for MaybeIncorrect).
func offered(a Applicability) bool {
	return a == MachineApplicable || a == MaybeIncorrect
}

// weaker returns the less confident of two offered applicabilities.
func weaker(a, b Applicability) Applicability {
	if a == MaybeIncorrect || b == MaybeIncorrect {
		return MaybeIncorrect
	}
	return a
}
