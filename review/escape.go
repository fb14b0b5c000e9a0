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
// references neither notify nor link, and bare URLs do not link. Inline
// code spans (`...`) are kept as code, where GitHub renders none of these.
func EscapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for len(s) > 0 {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			escapeProse(&b, s)
			break
		}
		escapeProse(&b, s[:i])
		s = s[i:]
		n := 0
		for n < len(s) && s[n] == '`' {
			n++
		}
		ticks := s[:n]
		end := strings.Index(s[n:], ticks)
		if end < 0 || strings.ContainsAny(s[n:n+end], "\n") {
			// An unclosed run is literal text.
			escapeProse(&b, ticks)
			s = s[n:]
			continue
		}
		b.WriteString(CodeSpan(s[n : n+end]))
		s = s[n+end+n:]
	}
	return b.String()
}

func escapeProse(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
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
		case '[', ']', '*', '_', '\\', '|', '~', '!':
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
		default:
			b.WriteByte(c)
		}
	}
}

// CodeSpan renders untrusted text as one inline code span: newlines become
// spaces, the backtick fence is longer than any run inside, and the text
// cannot form a marker of ours.
func CodeSpan(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	s = strings.ReplaceAll(s, "<!--", "<!-"+zwj+"-")
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	ticks := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}
