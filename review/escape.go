package review

import (
	"strings"
)

// zwj is the zero-width joiner put after '@' and '#' in untrusted text so
// that GitHub neither notifies (@user, @org/team) nor links (#123,
// owner/repo#123) while the text reads the same.
const zwj = "\u200d"

// EscapeText makes untrusted text (a compiler message, a file name, an
// agent's words) safe to place in Markdown prose the bot posts: raw HTML and
// HTML comments (so our markers too) are escaped, mentions and issue
// references (@user, @org/team, #1, owner/repo#1, GH-1) neither notify nor
// link, bare URLs do not link, and Markdown syntax (emphasis, links,
// images, tables, math) shows as typed. Inline code spans (`...`) on one
// line are kept as code, where GitHub renders none of these; a backtick
// that closes nothing is escaped, so it cannot pair with one the bot adds.
func EscapeText(s string) string {
	return escapeText(s, false)
}

func escapeText(s string, emphasis bool) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	prev := byte(' ')
	for len(s) > 0 {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			escapeProse(&b, s, prev, emphasis)
			break
		}
		escapeProse(&b, s[:i], prev, emphasis)
		s = s[i:]
		n := 0
		for n < len(s) && s[n] == '`' {
			n++
		}
		ticks := s[:n]
		end := closingRun(s[n:], n)
		if end < 0 || strings.ContainsAny(s[n:n+end], "\r\n") {
			// A run that closes nothing on its line is literal text.
			b.WriteString(strings.Repeat("\\`", n))
			s = s[n:]
			prev = '`'
			continue
		}
		b.WriteString(CodeSpan(s[n : n+end]))
		s = s[n+end+len(ticks):]
		prev = '`'
	}
	return b.String()
}

// closingRun returns the index in s of the first run of exactly n
// backticks, or -1.
func closingRun(s string, n int) int {
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		if j-i == n {
			return i
		}
		i = j
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// escapeProse escapes text outside code spans; prev is the byte before s.
// With emphasis, '*' and '_' are left to mean bold and italics.
func escapeProse(b *strings.Builder, s string, prev byte, emphasis bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		before := prev
		if i > 0 {
			before = s[i-1]
		}
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '@', '#':
			b.WriteByte(c)
			b.WriteString(zwj)
		case '*', '_':
			if !emphasis {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '[', ']', '\\', '|', '~', '!', '$', '`':
			b.WriteByte('\\')
			b.WriteByte(c)
		case ':':
			b.WriteByte(c)
			if strings.HasPrefix(s[i+1:], "//") {
				b.WriteString(zwj)
			}
		case '.':
			b.WriteByte(c)
			if i >= 3 && strings.EqualFold(s[i-3:i], "www") {
				b.WriteString(zwj)
			}
		case 'G', 'g':
			// GH-123 links to an issue like #123.
			b.WriteByte(c)
			if !isWordByte(before) && len(s) > i+3 && (s[i+1] == 'H' || s[i+1] == 'h') && s[i+2] == '-' && s[i+3] >= '0' && s[i+3] <= '9' {
				b.WriteByte(s[i+1])
				b.WriteString(zwj)
				i++
			}
		case '\r':
			// A lone CR would be a line break GitHub may or may not honour.
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
		default:
			b.WriteByte(c)
		}
	}
}

// CodeSpan renders untrusted text as one inline code span: newlines become
// spaces, the backtick fence is longer than any run inside, and the text
// cannot form a marker of ours. GitHub neither links nor notifies inside
// code spans.
func CodeSpan(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	s = breakComments(s)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.TrimSpace(s) == "" {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}

// breakComments keeps "<!--" from appearing in text, with a zero-width
// joiner between its dashes.
func breakComments(s string) string {
	return strings.ReplaceAll(s, "<!--", "<!-"+zwj+"-")
}

// EscapePlain neutralises untrusted text for fields GitHub shows as plain
// text (check run titles, annotation titles, messages and raw details):
// mentions and issue references get a zero-width joiner and "<!--" is
// broken. It is idempotent, so applying it twice changes nothing more.
func EscapePlain(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		if (c == '@' || c == '#') && !strings.HasPrefix(s[i+1:], zwj) {
			b.WriteString(zwj)
		}
	}
	return breakComments(b.String())
}

// CodeBlock renders untrusted text as a fenced code block (with an info
// string such as "rust" or ""), its fence longer than any backtick run in
// text so the text cannot end the block, and "<!--" broken as in CodeSpan.
// The result ends with a newline. (Suggestion blocks, whose text must stay
// exact, use SuggestionBlock.)
func CodeBlock(lang, text string) string {
	text = breakComments(strings.TrimSuffix(text, "\n"))
	f := fence(text)
	return f + lang + "\n" + text + "\n" + f + "\n"
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c rune) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// EscapeMarkdown neutralises untrusted Markdown (an agent's comment or
// summary) while keeping its shape: fenced code blocks stay code blocks
// (re-fenced so they cannot end early, "<!--" broken), emphasis stays, and
// every other line goes through EscapeText's rules, so nothing in it
// mentions, cross-references, links, embeds an image or injects HTML.
func EscapeMarkdown(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		open, info, ok := fenceOpen(lines[i])
		if !ok {
			b.WriteString(escapeText(lines[i], true))
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		var body []string
		for i++; i < len(lines); i++ {
			if closesFence(lines[i], open) {
				break
			}
			body = append(body, lines[i])
		}
		b.WriteString(CodeBlock(info, strings.Join(body, "\n")))
	}
	return b.String()
}

// fenceOpen recognises a line opening a fenced code block: up to three
// spaces, then three or more backticks or tildes, then an info string
// (reduced to its safe characters).
func fenceOpen(line string) (open, info string, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || t[0] != '`' && t[0] != '~' {
		return "", "", false
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || t[0] == '`' && strings.Contains(t[n:], "`") {
		return "", "", false
	}
	info = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, strings.Fields(t[n:] + " x")[0])
	if strings.TrimSpace(t[n:]) == "" {
		info = ""
	}
	return t[:n], info, true
}

// closesFence reports whether line closes a block opened by open.
func closesFence(line, open string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return false
	}
	n := 0
	for n < len(t) && t[n] == open[0] {
		n++
	}
	return n >= len(open) && strings.TrimSpace(t[n:]) == ""
}
