// Package rustlex splits Rust source into tokens: identifiers,
// punctuation, literals and comments. It is not a full lexer: it knows
// enough to never mistake the inside of a string or comment for code,
// which is what the unsafe review and the semver pre-check need.
package rustlex

import "strings"

// Kind is the kind of a lexical token of Rust source.
type Kind int

// The kinds of tokens.
const (
	Ident Kind = iota
	Punct
	Literal // string, char, byte string, raw string, number
	Comment
)

// Token is one token of Rust source; Line is 1-based (the first line of a
// comment or literal that spans several), EndLine its last line.
type Token struct {
	Kind    Kind
	Text    string
	Line    int
	EndLine int
}

// Tokenize splits Rust source into tokens.
func Tokenize(src string) []Token {
	var toks []Token
	line := 1
	i := 0
	emit := func(kind Kind, start, end, startLine int) {
		toks = append(toks, Token{Kind: kind, Text: src[start:end], Line: startLine, EndLine: line})
	}
	advance := func(to int) {
		line += strings.Count(src[i:to], "\n")
		i = to
	}
	for i < len(src) {
		c := src[i]
		start, startLine := i, line
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			advance(i + end)
			emit(Comment, start, i, startLine)
		case strings.HasPrefix(src[i:], "/*"):
			advance(blockCommentEnd(src, i))
			emit(Comment, start, i, startLine)
		case isRawStringStart(src, i):
			advance(rawStringEnd(src, i))
			emit(Literal, start, i, startLine)
		case c == '"' || (c == 'b' || c == 'c') && i+1 < len(src) && src[i+1] == '"':
			if c != '"' {
				i++
			}
			advance(quotedEnd(src, i, '"'))
			emit(Literal, start, i, startLine)
		case c == 'b' && i+1 < len(src) && src[i+1] == '\'':
			i++
			advance(quotedEnd(src, i, '\''))
			emit(Literal, start, i, startLine)
		case c == '\'':
			if end, ok := charEnd(src, i); ok {
				advance(end)
				emit(Literal, start, i, startLine)
				continue
			}
			// A lifetime or label: the quote and the name.
			i++
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			emit(Punct, start, i, startLine)
		case isIdentStart(c):
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			emit(Ident, start, i, startLine)
		case c >= '0' && c <= '9':
			for i < len(src) && (isIdentChar(src[i]) || src[i] == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9') {
				i++
			}
			emit(Literal, start, i, startLine)
		default:
			i++
			emit(Punct, start, i, startLine)
		}
	}
	return toks
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// blockCommentEnd returns the index after the (nested) block comment that
// starts at i, or len(src) when it is not closed.
func blockCommentEnd(src string, i int) int {
	depth := 0
	for i < len(src) {
		switch {
		case strings.HasPrefix(src[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(src[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(src)
}

// isRawStringStart reports r"…", r#"…"#, br"…" and cr"…" at i.
func isRawStringStart(src string, i int) bool {
	j := i
	if j < len(src) && (src[j] == 'b' || src[j] == 'c') {
		j++
	}
	if j >= len(src) || src[j] != 'r' {
		return false
	}
	j++
	for j < len(src) && src[j] == '#' {
		j++
	}
	return j < len(src) && src[j] == '"' && (i == 0 || !isIdentChar(src[i-1]))
}

func rawStringEnd(src string, i int) int {
	j := strings.IndexByte(src[i:], 'r') + i + 1
	hashes := 0
	for src[j] == '#' {
		hashes++
		j++
	}
	closing := "\"" + strings.Repeat("#", hashes)
	end := strings.Index(src[j+1:], closing)
	if end < 0 {
		return len(src)
	}
	return j + 1 + end + len(closing)
}

// quotedEnd returns the index after the literal quoted by q that starts at
// i, honouring backslash escapes.
func quotedEnd(src string, i int, q byte) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return len(src)
}

// charEnd tells a char literal ('a', '\n', '\u{1F600}', 'é') from a
// lifetime ('a) at i and returns the index after it.
func charEnd(src string, i int) (int, bool) {
	if i+1 >= len(src) {
		return 0, false
	}
	if src[i+1] == '\\' {
		return quotedEnd(src, i, '\''), true
	}
	// One character (possibly multi-byte) then a quote.
	j := i + 1
	if src[j] >= 0x80 {
		j++
		for j < len(src) && src[j]&0xC0 == 0x80 {
			j++
		}
	} else {
		j++
	}
	if j < len(src) && src[j] == '\'' {
		return j + 1, true
	}
	return 0, false
}
