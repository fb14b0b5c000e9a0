package review

import (
	"slices"
	"strings"
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

// A review that could not analyse the head never says it is clean.
func TestSummaryOfAnIncompleteReview(t *testing.T) {
	diff, err := ParseDiff([]byte("diff --git a/Cargo.toml b/Cargo.toml\n--- a/Cargo.toml\n+++ b/Cargo.toml\n@@ -1 +1 @@\n-a\n+b\n"))
	if err != nil {
		t.Fatal(err)
	}
	why := "`Cargo.toml` is a symbolic link: not followed, so nothing was analysed."
	for _, tt := range []struct {
		incomplete string
		want, not  string
	}{
		{"", "have nothing to say", "incomplete"},
		{why, "No findings in what could be checked, but the review is incomplete", "have nothing to say"},
	} {
		in := Input{BaseSHA: "a", HeadSHA: "b", Diff: diff, Incomplete: tt.incomplete}
		if tt.incomplete != "" {
			in.Notes = []string{tt.incomplete}
		}
		res := Build(in)
		if res.Incomplete != tt.incomplete || !strings.Contains(res.Summary, tt.want) || strings.Contains(res.Summary, tt.not) {
			t.Errorf("incomplete %q: Result.Incomplete %q, summary:\n%s", tt.incomplete, res.Incomplete, res.Summary)
		}
	}
}
