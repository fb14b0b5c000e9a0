package review

import (
	"slices"
	"testing"
)

func TestUsefulNotesDropsLintLevelNoise(t *testing.T) {
	in := []string{
		"note: `#[warn(clippy::len_zero)]` on by default",
		"note: `-D warnings` implied by `-D clippy::all`",
		"note: the lint level is defined here",
		"help: for further information visit https://rust-lang.github.io/rust-clippy/master/index.html#len_zero",
		"note: the borrowed value must outlive the call",
		"help: consider borrowing here",
	}
	want := []string{"note: the borrowed value must outlive the call", "help: consider borrowing here"}
	if got := usefulNotes(in); !slices.Equal(got, want) {
		t.Errorf("usefulNotes = %q, want %q", got, want)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 findings", 1: "1 finding", 2: "2 findings"} {
		if got := plural(n, "finding"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}
