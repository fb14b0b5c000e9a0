package semvercheck

import (
	"path"
	"strings"

	"github.com/symposium-dev/symposium/internal/rustlex"
)

// OutsideFnBodies reports whether one of lines (1-based) of Rust source
// src holds code outside a function body: a change there may change the
// public API, while a change inside function bodies, to blank lines or to
// comments cannot (the return type of `impl Trait` functions aside).
func OutsideFnBodies(src []byte, lines []int) bool {
	want := map[int]bool{}
	for _, l := range lines {
		want[l] = true
	}
	var stack []bool // per open brace: is it a function body?
	inBody := func() bool {
		for _, b := range stack {
			if b {
				return true
			}
		}
		return false
	}
	pendingFn := false
	for _, t := range rustlex.Tokenize(string(src)) {
		if t.Kind == rustlex.Comment {
			continue
		}
		if !inBody() {
			for l := t.Line; l <= t.EndLine; l++ {
				if want[l] {
					return true
				}
			}
		}
		switch {
		case t.Kind == rustlex.Ident && t.Text == "fn":
			pendingFn = true
		case t.Text == ";":
			pendingFn = false
		case t.Text == "{":
			stack = append(stack, pendingFn)
			pendingFn = false
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
