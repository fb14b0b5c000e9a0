package webhook

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// commandPrefix starts a command line in a comment.
const commandPrefix = "/symposium"

// maxUnknownBytes bounds the unknown word echoed back in a help reply.
const maxUnknownBytes = 64

// Command is a `/symposium <command>` found in a comment.
type Command struct {
	// Name is tasks.CommandFix, tasks.CommandReview or tasks.CommandHelp.
	Name string
	// Unknown is the word the user typed when it is not a command (Name is
	// then help); at most 64 bytes.
	Unknown string
	// Args is the rest of the line after the command word, trimmed.
	Args string
}

// ParseCommand finds the first line of a comment body that starts with
// `/symposium` (case-insensitive, after optional leading spaces) in visible
// prose, as GitHub renders the comment: a line of a paragraph (or setext
// heading) that is not in a `>` quote, a list item's marker line, a fenced
// or indented code block, an HTML block (an HTML comment, `<pre>`, ...), an
// inline HTML comment, a code span or a `<code>`, `<pre>`, `<samp>`,
// `<kbd>` or `<tt>` element. The body is parsed as CommonMark (goldmark).
//
// `/symposium fix`, `/symposium review` and `/symposium help` name their
// command; `/symposium` alone means help; any other word means help with
// that word in Unknown. ok is false when no line holds a command.
func ParseCommand(body string) (cmd Command, ok bool) {
	if !strings.Contains(strings.ToLower(body), commandPrefix) {
		return Command{}, false // most comments: no parse
	}
	src := []byte(body)
	doc := markdown.Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindBlockquote, ast.KindFencedCodeBlock, ast.KindCodeBlock, ast.KindHTMLBlock:
			return ast.WalkSkipChildren, nil
		case ast.KindParagraph, ast.KindHeading:
			cmd, ok = commandInBlock(n, src)
			if ok {
				return ast.WalkStop, nil
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return cmd, ok
}

// markdown parses comment bodies as CommonMark.
var markdown = goldmark.DefaultParser()

// hiddenTags are the inline HTML elements whose content is not prose.
var hiddenTags = map[string]bool{"code": true, "pre": true, "samp": true, "kbd": true, "tt": true}

// commandInBlock looks for a command at the start of each source line of a
// paragraph or heading.
func commandInBlock(n ast.Node, src []byte) (Command, bool) {
	var hidden []span
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		lineStart := bytes.LastIndexByte(src[:seg.Start], '\n') + 1
		if strings.TrimLeft(string(src[lineStart:seg.Start]), " \t") != "" {
			continue // after a list marker, a heading's #, ...
		}
		line := strings.TrimRight(string(seg.Value(src)), "\r\n")
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		c, ok := parseCommandLine(trimmed)
		if !ok {
			continue
		}
		if hidden == nil {
			hidden = hiddenSpans(n, src)
		}
		at := seg.Start + len(line) - len(trimmed)
		if !inSpans(hidden, at) {
			return c, true
		}
	}
	return Command{}, false
}

// span is a byte range [start, stop) of the source.
type span struct{ start, stop int }

func inSpans(spans []span, at int) bool {
	for _, s := range spans {
		if s.start <= at && at < s.stop {
			return true
		}
	}
	return false
}

// hiddenSpans are the parts of a block that render as no prose: code spans,
// inline HTML comments and processing instructions, and the content of
// hiddenTags elements (to their closing tag, or the block's end).
func hiddenSpans(block ast.Node, src []byte) []span {
	out := []span{{}} // not nil: computed
	type openTag struct {
		name string
		end  int
	}
	var open []openTag
	_ = ast.Walk(block, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n == block {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.CodeSpan:
			if s, ok := childrenSpan(v); ok {
				out = append(out, s)
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			if v.Segments.Len() == 0 {
				return ast.WalkContinue, nil
			}
			s := span{v.Segments.At(0).Start, v.Segments.At(v.Segments.Len() - 1).Stop}
			raw := src[s.start:s.stop]
			if bytes.HasPrefix(raw, []byte("<!")) || bytes.HasPrefix(raw, []byte("<?")) {
				out = append(out, s)
				return ast.WalkContinue, nil
			}
			name, closing := tagName(raw)
			if !hiddenTags[name] {
				return ast.WalkContinue, nil
			}
			if !closing {
				open = append(open, openTag{name, s.stop})
				return ast.WalkContinue, nil
			}
			for i := len(open) - 1; i >= 0; i-- {
				if open[i].name == name {
					out = append(out, span{open[i].end, s.start})
					open = open[:i]
					break
				}
			}
		}
		return ast.WalkContinue, nil
	})
	for _, o := range open {
		out = append(out, span{o.end, len(src)})
	}
	return out
}

// childrenSpan is the source range of a code span's text.
func childrenSpan(n ast.Node) (span, bool) {
	s, ok := span{start: -1}, false
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		t, isText := c.(*ast.Text)
		if !isText {
			continue
		}
		if !ok || t.Segment.Start < s.start {
			s.start = t.Segment.Start
		}
		s.stop = max(s.stop, t.Segment.Stop)
		ok = true
	}
	return s, ok
}

// tagName returns the lower-case element name of an HTML open or closing
// tag, and whether it closes.
func tagName(raw []byte) (string, bool) {
	raw = bytes.TrimPrefix(raw, []byte("<"))
	closing := bytes.HasPrefix(raw, []byte("/"))
	raw = bytes.TrimPrefix(raw, []byte("/"))
	end := bytes.IndexFunc(raw, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
	})
	if end < 0 {
		end = len(raw)
	}
	return strings.ToLower(string(raw[:end])), closing
}

func parseCommandLine(line string) (Command, bool) {
	if len(line) < len(commandPrefix) || !strings.EqualFold(line[:len(commandPrefix)], commandPrefix) {
		return Command{}, false
	}
	rest := line[len(commandPrefix):]
	if rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		if !unicode.IsSpace(r) {
			return Command{}, false // "/symposiums", "/symposium-bot"
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return Command{Name: tasks.CommandHelp}, true
	}
	word := fields[0]
	args := strings.TrimSpace(strings.TrimLeftFunc(rest, unicode.IsSpace)[len(word):])
	switch name := strings.ToLower(word); name {
	case tasks.CommandFix, tasks.CommandReview, tasks.CommandHelp:
		return Command{Name: name, Args: args}, true
	}
	return Command{Name: tasks.CommandHelp, Unknown: truncate(word, maxUnknownBytes), Args: args}, true
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
