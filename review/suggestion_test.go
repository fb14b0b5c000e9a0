package review

import (
	"strings"
	"testing"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

func TestFragmentSuggestion(t *testing.T) {
	for _, tt := range []struct {
		name, diff string
		start, end int
		text       string
	}{
		{"replace", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", 2, 2, "B"},
		{"insert anchors on the line before", "@@ -1,2 +1,3 @@\n a\n+new\n b\n", 1, 1, "a\nnew"},
		{"delete", "@@ -1,3 +1,2 @@\n a\n-b\n c\n", 2, 2, ""},
		{"empty a line", "@@ -1,3 +1,3 @@\n a\n-   \n+\n c\n", 2, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, _, err := gitdiff.Parse(strings.NewReader("diff --git a/x b/x\n--- a/x\n+++ b/x\n" + tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			s, ok := FragmentSuggestion("x", files[0].TextFragments[0])
			if !ok || s.Path != "x" || s.StartLine != tt.start || s.EndLine != tt.end || s.Text != tt.text || s.Delete != (tt.name == "delete") {
				t.Errorf("got %+v %v", s, ok)
			}
		})
	}
}

func TestSuggestionBlock(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
	}{
		{"one line", "    1", "```suggestion\n    1\n```\n"},
		{"lines", "a\nb", "```suggestion\na\nb\n```\n"},
		{"one empty line is kept", "", "```suggestion\n\n```\n"},
		{"two empty lines", "\n", "```suggestion\n\n\n```\n"},
		{"fence outgrows backticks", "s = ```x````", "`````suggestion\ns = ```x````\n`````\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SuggestionBlock(tt.text); got != tt.want {
				t.Errorf("SuggestionBlock(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSuggestionBlockDeletes(t *testing.T) {
	if got := (Suggestion{Delete: true}).Block(); got != "```suggestion\n```\n" {
		t.Errorf("deletion = %q", got)
	}
	if got := (Suggestion{Text: ""}).Block(); got != "```suggestion\n\n```\n" {
		t.Errorf("one empty line = %q", got)
	}
}
