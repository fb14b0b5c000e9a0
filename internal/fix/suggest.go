package fix

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Suggestion is one change of a fix diff as GitHub suggests changes: head
// lines StartLine..EndLine of Path replaced by Text (lines joined by "\n";
// empty deletes them).
type Suggestion struct {
	Path               string
	StartLine, EndLine int
	Text               string
}

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
			s, ok := fragmentSuggestion(f.NewName, frag)
			if !ok {
				return nil, fmt.Errorf("fix: a change to %s has no line to anchor a suggestion on", f.NewName)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func fragmentSuggestion(path string, frag *gitdiff.TextFragment) (Suggestion, bool) {
	lead, trail := int(frag.LeadingContext), int(frag.TrailingContext)
	if frag.LinesDeleted == 0 {
		switch {
		case lead > 0:
			lead--
		case trail > 0:
			trail--
		default:
			return Suggestion{}, false
		}
	}
	mid := frag.Lines[lead : len(frag.Lines)-trail]
	start := int(frag.OldPosition) + lead
	var oldN int
	var repl []string
	for _, l := range mid {
		if l.Op != gitdiff.OpAdd {
			oldN++
		}
		if l.Op != gitdiff.OpDelete {
			repl = append(repl, strings.TrimSuffix(l.Line, "\n"))
		}
	}
	if oldN == 0 {
		return Suggestion{}, false
	}
	return Suggestion{Path: path, StartLine: start, EndLine: start + oldN - 1, Text: strings.Join(repl, "\n")}, true
}

// Body is the markdown of a review comment carrying the suggestion, after
// intro.
func (s Suggestion) Body(intro string) string {
	fence := "```"
	for strings.Contains(s.Text, fence) {
		fence += "`"
	}
	text := s.Text
	if text != "" {
		text += "\n"
	}
	return fmt.Sprintf("%s\n\n%ssuggestion\n%s%s\n", strings.TrimSpace(intro), fence, text, fence)
}
