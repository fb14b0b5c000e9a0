// Package unsafereview finds the `unsafe` code a pull request adds — unsafe
// blocks, functions, impls, traits and extern blocks on added lines — with
// the SAFETY comment that justifies each (the lints that make clippy and
// rustc check the same are in config.UnsafeLints). It reads source text only (a tokenizer
// that skips strings and comments, not a parser), so it is pure and fast.
package unsafereview

import (
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/rustlex"
	"github.com/symposium-dev/symposium/review"
)

// maxSafetyChars caps the SAFETY text kept for one item.
const maxSafetyChars = 300

// Scan returns the unsafe items of one Rust file whose keyword sits on a
// line for which added reports true, in source order.
func Scan(path string, src []byte, added func(line int) bool) []review.UnsafeItem {
	toks := rustlex.Tokenize(string(src))
	var out []review.UnsafeItem
	for k, t := range toks {
		if t.Kind != rustlex.Ident || !added(t.Line) {
			continue
		}
		var kind, name string
		switch t.Text {
		case "unsafe":
			kind, name = classifyUnsafe(toks, k)
		case "extern":
			if k > 0 && toks[k-1].Text == "unsafe" {
				continue // reported with its unsafe keyword
			}
			if isExternBlock(toks, k) {
				kind = review.UnsafeExtern
			}
		}
		if kind == "" {
			continue
		}
		out = append(out, review.UnsafeItem{
			Path: path, Line: t.Line, Kind: kind, Name: name,
			Safety: safetyComment(toks, k, kind),
		})
	}
	return out
}

// ScanDiff scans every added or changed Rust file of diff, reading the
// head's bytes with headFile.
func ScanDiff(diff *review.Diff, headFile func(string) ([]byte, bool)) []review.UnsafeItem {
	var out []review.UnsafeItem
	for _, f := range diff.Files {
		if f.IsDelete || f.IsBinary || !strings.HasSuffix(f.NewPath, ".rs") {
			continue
		}
		src, ok := headFile(f.NewPath)
		if !ok {
			continue
		}
		out = append(out, Scan(f.NewPath, src, f.IsAdded)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// next returns the index of the first non-comment token after k, or -1.
func next(toks []rustlex.Token, k int) int {
	for j := k + 1; j < len(toks); j++ {
		if toks[j].Kind != rustlex.Comment {
			return j
		}
	}
	return -1
}

// classifyUnsafe says what the `unsafe` at k introduces, and its name; ""
// for an unsafe fn pointer type, an unsafe attribute or anything else.
func classifyUnsafe(toks []rustlex.Token, k int) (kind, name string) {
	j := next(toks, k)
	if j < 0 {
		return "", ""
	}
	switch toks[j].Text {
	case "{":
		return review.UnsafeBlock, ""
	case "impl":
		return review.UnsafeImpl, implName(toks, j)
	case "trait", "auto":
		if toks[j].Text == "auto" {
			j = next(toks, j)
		}
		if n := next(toks, j); n >= 0 && toks[n].Kind == rustlex.Ident {
			return review.UnsafeTrait, toks[n].Text
		}
		return review.UnsafeTrait, ""
	case "extern":
		if isExternBlock(toks, j) {
			return review.UnsafeExtern, ""
		}
		// unsafe extern "C" fn name
		if a := next(toks, j); a >= 0 && toks[a].Kind == rustlex.Literal {
			j = a
		}
		j = next(toks, j)
		if j < 0 || toks[j].Text != "fn" {
			return "", ""
		}
		fallthrough
	case "fn":
		if n := next(toks, j); n >= 0 && toks[n].Kind == rustlex.Ident {
			return review.UnsafeFn, toks[n].Text
		}
	}
	return "", ""
}

// isExternBlock reports `extern {` or `extern "ABI" {` at k (not `extern
// crate` or an `extern "C" fn`).
func isExternBlock(toks []rustlex.Token, k int) bool {
	j := next(toks, k)
	if j >= 0 && toks[j].Kind == rustlex.Literal {
		j = next(toks, j)
	}
	return j >= 0 && toks[j].Text == "{"
}

// implName joins the tokens of an impl header: `Send for Foo`.
func implName(toks []rustlex.Token, j int) string {
	var parts []string
	for n := next(toks, j); n >= 0 && len(parts) < 12; n = next(toks, n) {
		if t := toks[n].Text; t == "{" || t == "where" || t == ";" {
			break
		}
		parts = append(parts, toks[n].Text)
	}
	s := strings.Join(parts, " ")
	s = strings.NewReplacer(" < ", "<", " <", "<", "< ", "<", " > ", ">", " >", ">", " :: ", "::", " ,", ",", "& ", "&", "' ", "'").Replace(s)
	return s
}

// safetyComment returns the justification of the item whose keyword is
// toks[k]: a `SAFETY:` comment (or, for fns and traits, a `# Safety` doc
// section) in the comments right above the line that starts its statement,
// or on that line before the keyword. "" when there is none.
func safetyComment(toks []rustlex.Token, k int, kind string) string {
	// The first token of the keyword's line: the statement's start when
	// the keyword follows `let x =` or `pub`.
	first := k
	for first > 0 && toks[first-1].EndLine == toks[k].Line {
		first--
	}
	var comments []string
	for j := first; j < k; j++ {
		if toks[j].Kind == rustlex.Comment {
			comments = append(comments, toks[j].Text)
		}
	}
	// Walk up: comments and attributes directly above.
	line := toks[first].Line
	for j := first - 1; j >= 0; j-- {
		t := toks[j]
		if t.EndLine < line-1 {
			break
		}
		if t.Kind == rustlex.Comment {
			comments = append([]string{t.Text}, comments...)
			line = t.Line
			continue
		}
		if start, ok := attributeStart(toks, j); ok && toks[start].Line >= line-1 {
			line = toks[start].Line
			j = start
			continue
		}
		break
	}
	text := commentText(comments)
	if i := strings.Index(strings.ToUpper(text), "SAFETY:"); i >= 0 {
		return clip(text[i+len("SAFETY:"):])
	}
	if kind == review.UnsafeFn || kind == review.UnsafeTrait {
		if i := strings.Index(text, "# Safety"); i >= 0 {
			return clip(text[i+len("# Safety"):])
		}
	}
	return ""
}

// attributeStart returns the index of the `#` of the attribute whose `]`
// is toks[j].
func attributeStart(toks []rustlex.Token, j int) (int, bool) {
	if toks[j].Text != "]" {
		return 0, false
	}
	depth := 0
	for i := j; i >= 0; i-- {
		switch toks[i].Text {
		case "]":
			depth++
		case "[":
			depth--
			if depth == 0 {
				if i > 0 && toks[i-1].Text == "#" {
					return i - 1, true
				}
				if i > 1 && toks[i-1].Text == "!" && toks[i-2].Text == "#" {
					return i - 2, true
				}
				return 0, false
			}
		}
	}
	return 0, false
}

// commentText strips comment markers and joins the lines with spaces.
func commentText(comments []string) string {
	var words []string
	for _, c := range comments {
		c = strings.TrimSuffix(strings.TrimPrefix(c, "/*"), "*/")
		for _, l := range strings.Split(c, "\n") {
			l = strings.TrimSpace(l)
			l = strings.TrimLeft(l, "/!*")
			if l = strings.TrimSpace(l); l != "" {
				words = append(words, l)
			}
		}
	}
	return strings.Join(words, "\n")
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxSafetyChars {
		s = string(r[:maxSafetyChars]) + "…"
	}
	return s
}
