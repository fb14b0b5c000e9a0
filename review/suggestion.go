package review

import (
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// Suggestion is a change as GitHub suggests it in a review comment: head
// lines StartLine..EndLine of Path replaced by the lines of Text (joined by
// "\n", so "" is one empty line), or removed when Delete is set (Text is
// then "").
type Suggestion struct {
	Path               string
	StartLine, EndLine int
	Text               string
	Delete             bool
}

// Block renders the suggestion as a ```suggestion block GitHub applies
// exactly: the replacement lines, or an empty block for a deletion.
func (s Suggestion) Block() string {
	if s.Delete {
		return DeletionBlock()
	}
	return SuggestionBlock(s.Text)
}

// FragmentSuggestion turns one fragment of a patch to head file path into
// a suggestion, its outer context lines left out: the remaining old lines
// are the head lines to replace, the new lines their replacement. A pure
// insertion keeps one neighbouring line to anchor on. It returns false when
// the fragment has no line to anchor on.
func FragmentSuggestion(path string, frag *gitdiff.TextFragment) (Suggestion, bool) {
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
	return Suggestion{Path: path, StartLine: start, EndLine: start + oldN - 1, Text: strings.Join(repl, "\n"), Delete: len(repl) == 0}, true
}

// SuggestionBlock renders text (replacement lines joined by "\n", without
// a final newline) as a ```suggestion block ending with a newline, its
// fence longer than any backtick run in text. Text is at least one line:
// "" is one empty line, which the block keeps (an empty block would delete
// the lines; that is DeletionBlock).
func SuggestionBlock(text string) string {
	f := fence(text)
	return f + "suggestion\n" + text + "\n" + f + "\n"
}

// DeletionBlock is the empty ```suggestion block, which GitHub applies as
// deleting the lines the comment covers.
func DeletionBlock() string {
	return "```suggestion\n```\n"
}
