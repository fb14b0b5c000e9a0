package cargo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// applyHunks rewrites a with the hunks' replacement lines from b.
func applyHunks(t *testing.T, a, b []string, hunks []hunk) []string {
	t.Helper()
	var out []string
	prevA, prevB := 0, 0
	for _, h := range hunks {
		if h.a0 < prevA || h.a1 < h.a0 || h.b0 < prevB || h.b1 < h.b0 || h.a1 > len(a) || h.b1 > len(b) {
			t.Fatalf("hunk %+v out of order or bounds (after a=%d b=%d)", h, prevA, prevB)
		}
		if h.a0-prevA != h.b0-prevB {
			t.Fatalf("hunk %+v: unequal unchanged runs before it (a=%d b=%d)", h, prevA, prevB)
		}
		out = append(out, a[prevA:h.a0]...)
		out = append(out, b[h.b0:h.b1]...)
		prevA, prevB = h.a1, h.b1
	}
	return append(out, a[prevA:]...)
}

func TestDiffLinesApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "}", "", "fn f() {"}
	randomLines := func(n int) []string {
		l := make([]string, n)
		for i := range l {
			l[i] = words[rng.IntN(len(words))]
		}
		return l
	}
	tests := []struct {
		name string
		a, b []string
	}{
		{"both empty", nil, nil},
		{"from empty", nil, []string{"x", "y"}},
		{"to empty", []string{"x", "y"}, nil},
		{"equal", []string{"x", "y"}, []string{"x", "y"}},
		{"all different", []string{"a", "b"}, []string{"c", "d", "e"}},
	}
	for i := range 200 {
		tests = append(tests, struct {
			name string
			a, b []string
		}{fmt.Sprintf("random %d", i), randomLines(rng.IntN(40)), randomLines(rng.IntN(40))})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hunks := diffLines(tt.a, tt.b)
			if got := applyHunks(t, tt.a, tt.b, hunks); !slices.Equal(got, tt.b) && !(len(got) == 0 && len(tt.b) == 0) {
				t.Fatalf("applying %+v to %q gives %q, want %q", hunks, tt.a, got, tt.b)
			}
			changed := 0
			for _, h := range hunks {
				changed += (h.a1 - h.a0) + (h.b1 - h.b0)
			}
			if want := len(tt.a) + len(tt.b) - 2*lcsLength(tt.a, tt.b); changed != want {
				t.Errorf("%d lines changed, want the minimum %d: %+v", changed, want, hunks)
			}
			// The fallback for more distinct lines than runes is valid too.
			fallback := regions(tt.a, tt.b, prefixSuffixPairs(tt.a, tt.b))
			if got := applyHunks(t, tt.a, tt.b, fallback); !slices.Equal(got, tt.b) && !(len(got) == 0 && len(tt.b) == 0) {
				t.Fatalf("fallback: applying %+v to %q gives %q, want %q", fallback, tt.a, got, tt.b)
			}
		})
	}
}

// lcsLength is the textbook dynamic programme, the reference for minimality.
func lcsLength(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unformatted returns a Rust file of about n lines that rustfmt rewrites
// almost everywhere, and its formatted text.
func unformatted(n int) (old, formatted string) {
	var o, f strings.Builder
	for i := 0; i < n/5; i++ {
		fmt.Fprintf(&o, "fn f%d(x:i32)->i32{\n  let y=x+%d;\n  y*2\n}\n\n", i, i)
		fmt.Fprintf(&f, "fn f%d(x: i32) -> i32 {\n    let y = x + %d;\n    y * 2\n}\n\n", i, i)
	}
	return o.String(), f.String()
}

func TestFormatDiagnosticsRewrittenFile(t *testing.T) {
	old, formatted := unformatted(5000)
	diags := formatDiagnostics("src/lib.rs", old, formatted)
	if len(diags) == 0 {
		t.Fatal("no diagnostics for a file rewritten everywhere")
	}
	if got := apply(t, old, diags); got != formatted {
		t.Error("applying the fixes does not give rustfmt's output")
	}
}

func BenchmarkFormatDiagnosticsRewrittenFile(b *testing.B) {
	old, formatted := unformatted(5000)
	b.SetBytes(int64(len(old)))
	for b.Loop() {
		formatDiagnostics("src/lib.rs", old, formatted)
	}
}
