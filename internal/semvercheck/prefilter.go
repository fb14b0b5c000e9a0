package semvercheck

import (
	"path"
	"strings"

	"github.com/symposium-dev/symposium/internal/rustlex"
)

// MayBreak reports whether a change to lines (1-based) of Rust source src
// can break the public API. A removed line (src is the base, added false)
// can when it holds code outside function bodies: an item, a signature, a
// field or a variant went away or changed. An added line (src is the head)
// can only inside the body of an enum, struct, union or trait (a variant,
// a field, a trait item) or when it adds #[non_exhaustive]: new items and
// inherent methods break nobody. Changes inside function bodies, to blank
// lines or to comments never can (the return type of `impl Trait`
// functions aside).
func MayBreak(src []byte, lines []int, added bool) bool {
	want := map[int]bool{}
	for _, l := range lines {
		want[l] = true
	}
	const (
		braceOther = iota
		braceFn
		braceType
	)
	var stack []int
	inside := func(kind int) bool {
		for _, b := range stack {
			if b == kind {
				return true
			}
		}
		return false
	}
	pending := braceOther
	for _, t := range rustlex.Tokenize(string(src)) {
		if t.Kind == rustlex.Comment {
			continue
		}
		if !inside(braceFn) {
			hit := false
			for l := t.Line; l <= t.EndLine; l++ {
				hit = hit || want[l]
			}
			if hit && (!added || inside(braceType) || t.Text == "non_exhaustive") {
				return true
			}
		}
		switch {
		case t.Kind == rustlex.Ident && t.Text == "fn":
			pending = braceFn
		case t.Kind == rustlex.Ident && (t.Text == "enum" || t.Text == "struct" || t.Text == "union" || t.Text == "trait"):
			if pending != braceFn {
				pending = braceType
			}
		case t.Text == ";":
			pending = braceOther
		case t.Text == "{":
			stack = append(stack, pending)
			pending = braceOther
		case t.Text == "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return false
}

// LibSource reports whether a Rust file can belong to a library's public
// API: not a test, example, bench, build script or binary.
func LibSource(p string) bool {
	if !strings.HasSuffix(p, ".rs") || path.Base(p) == "build.rs" || path.Base(p) == "main.rs" {
		return false
	}
	for _, seg := range strings.Split(path.Dir(p), "/") {
		switch seg {
		case "tests", "examples", "benches", "bin":
			return false
		}
	}
	return true
}
