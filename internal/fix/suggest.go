package fix

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/symposium-dev/symposium/review"
)

// Suggestion is one change of a fix diff as GitHub suggests changes: head
// lines StartLine..EndLine of Path replaced by the lines of Text (joined by
// "\n"), or removed when Delete is set.
type Suggestion review.Suggestion

// Suggestions turns a fix diff (Result.Diff) into suggestions, one per
// hunk, with the hunk's outer context lines left out. A pure insertion
// keeps one neighbouring line to anchor on.
func Suggestions(diff []byte) ([]Suggestion, error) {
	files, _, err := gitdiff.Parse(bytes.NewReader(diff))
	if err != nil {
		return nil, fmt.Errorf("fix: parse the fix diff: %w", err)
	}
	var out []Suggestion
	for _, f := range files {
		if f.IsNew || f.IsDelete || f.IsBinary {
			return nil, fmt.Errorf("fix: %s is created or deleted: not expressible as a suggestion", f.NewName)
		}
		for _, frag := range f.TextFragments {
			s, ok := review.FragmentSuggestion(f.NewName, frag)
			if !ok {
				return nil, fmt.Errorf("fix: a change to %s has no line to anchor a suggestion on", f.NewName)
			}
			out = append(out, Suggestion(s))
		}
	}
	return out, nil
}

// Body is the markdown of a review comment carrying the suggestion, after
// intro.
func (s Suggestion) Body(intro string) string {
	return strings.TrimSpace(intro) + "\n\n" + review.Suggestion(s).Block()
}
