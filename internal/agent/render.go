package agent

import (
	"fmt"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// hunksSection heads the code: the changed hunks of each file, with the
// enclosing items of their changes merged in line order.
const hunksSection = "Changed code"

// codeBlock is a run of head lines, first to last, as the prompt shows it.
type codeBlock struct {
	first, last int
	text        string
}

// writeParts renders the kept parts in order: a heading where the section
// changes, and each file's hunks and enclosing items as one view in line
// order under one heading, with "…" where lines are skipped.
func writeParts(b *strings.Builder, parts []promptPart) {
	section := ""
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		if p.section != section {
			section = p.section
			fmt.Fprintf(b, "## %s\n", section)
		}
		if p.file == "" {
			b.WriteString(p.text)
			continue
		}
		blocks := append([]codeBlock(nil), p.blocks...)
		for i+1 < len(parts) && parts[i+1].file == p.file && parts[i+1].section == section {
			i++
			blocks = append(blocks, parts[i].blocks...)
		}
		fmt.Fprintf(b, "### %s\n", p.file)
		writeBlocks(b, blocks)
	}
}

// writeBlocks writes blocks in line order, "…" between those not adjacent.
func writeBlocks(b *strings.Builder, blocks []codeBlock) {
	sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].first < blocks[j].first })
	for i, bl := range blocks {
		if i > 0 && bl.first != blocks[i-1].last+1 {
			b.WriteString("…\n")
		}
		b.WriteString(bl.text)
	}
}

// joinBlocks is the text of blocks as a part's token count sees it.
func joinBlocks(blocks []codeBlock) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.text)
	}
	return b.String()
}

// shownRange returns the first and last head lines the prompt shows of h
// (a hunk showing only removed lines sits at its head position).
func shownRange(h *review.Hunk) (first, last int) {
	for _, l := range shownLines(h.Lines) {
		if l.Kind == review.LineDeleted {
			continue
		}
		if first == 0 {
			first = l.NewLine
		}
		last = l.NewLine
	}
	if first == 0 {
		return h.NewStart, h.NewStart
	}
	return first, last
}

// renderHunk renders one hunk with head line numbers.
func renderHunk(h *review.Hunk) string {
	var b strings.Builder
	for _, l := range shownLines(h.Lines) {
		text := escapeUntrusted(strings.TrimSuffix(l.Text, "\n"))
		switch l.Kind {
		case review.LineContext:
			fmt.Fprintf(&b, "%d %s\n", l.NewLine, text)
		case review.LineAdded:
			fmt.Fprintf(&b, "%d+%s\n", l.NewLine, text)
		case review.LineDeleted:
			fmt.Fprintf(&b, "-%s\n", text)
		}
	}
	return b.String()
}

// shownLines returns the lines of a hunk the prompt shows: two lines of
// context around a change are enough next to the enclosing items; git's
// third line costs tokens for little.
func shownLines(lines []review.DiffLine) []review.DiffLine {
	if lead := contextRun(lines, 1) - hunkContext; lead > 0 {
		lines = lines[lead:]
	}
	if trail := contextRun(lines, -1) - hunkContext; trail > 0 {
		lines = lines[:len(lines)-trail]
	}
	return lines
}

// contextRun counts the context lines that lead lines (step 1) or trail
// them (step -1).
func contextRun(lines []review.DiffLine, step int) int {
	i := 0
	if step < 0 {
		i = len(lines) - 1
	}
	n := 0
	for ; i >= 0 && i < len(lines) && lines[i].Kind == review.LineContext; i += step {
		n++
	}
	return n
}
