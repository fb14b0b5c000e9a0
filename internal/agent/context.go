package agent

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// itemHeader matches the first line of a Rust item that can enclose code.
var itemHeader = regexp.MustCompile(`^\s*(pub(\([^)]*\))?\s+)?((async|const|unsafe|default|extern\s+"[^"]*")\s+)*(fn|impl|trait|mod|struct|enum|union|macro_rules!)\b`)

// maxContextLines caps the lines shown from one enclosing item; longer items
// show their header only.
const maxContextLines = 12

// enclosingContext returns the head lines of the items that enclose the
// changed lines of one file, minus the lines the hunks already show, as
// runs of adjacent lines. It is a brace scan, not a parser: good enough to
// show the signature and body around a change.
func enclosingContext(src string, hunks []review.Hunk) []codeBlock {
	lines := strings.Split(src, "\n")
	shown := map[int]bool{}
	var anchors []int
	for _, h := range hunks {
		for _, l := range shownLines(h.Lines) {
			if l.Kind != review.LineDeleted {
				shown[l.NewLine] = true
			}
		}
		anchors = append(anchors, changeAnchors(h)...)
	}
	want := map[int]bool{}
	for _, first := range anchors {
		for _, it := range enclosingItems(lines, first) {
			if it.end-it.start+1 > maxContextLines {
				want[it.start] = true
				continue
			}
			for n := it.start; n <= it.end; n++ {
				want[n] = true
			}
		}
	}
	var nums []int
	for n := range want {
		if !shown[n] && n >= 1 && n <= len(lines) {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	var out []codeBlock
	for _, n := range nums {
		line := fmt.Sprintf("%d:%s\n", n, escapeUntrusted(lines[n-1]))
		if k := len(out) - 1; k >= 0 && out[k].last == n-1 {
			out[k].last, out[k].text = n, out[k].text+line
			continue
		}
		out = append(out, codeBlock{n, n, line})
	}
	return out
}

// changeAnchors returns the head line of the first change of each run of
// changed lines in h: what the enclosing items are looked up for (a
// context line of the hunk may belong to an unrelated item before it). A
// run of deletions is anchored on the head line that follows it.
func changeAnchors(h review.Hunk) []int {
	var out []int
	inRun := false
	for i, l := range h.Lines {
		if l.Kind == review.LineContext {
			inRun = false
			continue
		}
		if inRun {
			continue
		}
		inRun = true
		n := l.NewLine
		if l.Kind == review.LineDeleted {
			n = h.NewStart + h.NewLines // after the hunk, unless a head line follows
			for _, next := range h.Lines[i+1:] {
				if next.Kind != review.LineDeleted {
					n = next.NewLine
					break
				}
			}
		}
		if n >= 1 {
			out = append(out, n)
		}
	}
	return out
}

// item is an inclusive range of 1-based lines.
type item struct{ start, end int }

// enclosingItems returns the items (innermost first, at most two) whose
// range holds line, found by scanning up for item headers with less
// indentation and matching their braces.
func enclosingItems(lines []string, line int) []item {
	var out []item
	indent := indentOf(lines, line)
	for n := line - 1; n >= 1 && line-n <= 400 && len(out) < 2; n-- {
		l := lines[n-1]
		if !itemHeader.MatchString(l) {
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		if ind >= indent {
			continue
		}
		end := itemEnd(lines, n)
		if end < line {
			continue
		}
		out = append(out, item{n, end})
		indent = ind
	}
	return out
}

// indentOf returns the indentation of the first non-blank line at or after line.
func indentOf(lines []string, line int) int {
	for n := line; n <= len(lines); n++ {
		l := lines[n-1]
		if strings.TrimSpace(l) != "" {
			return len(l) - len(strings.TrimLeft(l, " \t"))
		}
	}
	return 0
}

// itemEnd returns the line where the braces opened at or after start close
// (ignoring braces in strings and line comments roughly), or start itself
// for an item ending with ';' before any brace.
func itemEnd(lines []string, start int) int {
	depth, opened := 0, false
	for n := start; n <= len(lines); n++ {
		l := lines[n-1]
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		inStr := false
		for i := 0; i < len(l); i++ {
			switch c := l[i]; {
			case c == '\\' && inStr:
				i++
			case c == '"':
				inStr = !inStr
			case inStr:
			case c == '{':
				depth++
				opened = true
			case c == '}':
				depth--
				if opened && depth == 0 {
					return n
				}
			case c == ';' && !opened:
				return n
			}
		}
	}
	return len(lines)
}
