package agent

import (
	"fmt"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// prDiff is the pull request's diff as the agent package needs it: the head
// line ranges of each hunk, per file. (review.Diff holds the same; this
// small model keeps the package free of the review engine's internals.)
type prDiff struct {
	files []*gitdiff.File
	// hunks maps a head path to the head line ranges of its hunks.
	hunks map[string][]lineRange
}

// lineRange is an inclusive range of head lines.
type lineRange struct{ start, end int }

func (r lineRange) contains(line int) bool { return line >= r.start && line <= r.end }

// parseDiff parses a unified diff.
func parseDiff(unified string) (*prDiff, error) {
	files, _, err := gitdiff.Parse(strings.NewReader(unified))
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	d := &prDiff{files: files, hunks: map[string][]lineRange{}}
	for _, f := range files {
		if f.IsDelete {
			continue
		}
		for _, frag := range f.TextFragments {
			if frag.NewLines == 0 {
				continue
			}
			d.hunks[f.NewName] = append(d.hunks[f.NewName], lineRange{int(frag.NewPosition), int(frag.NewPosition + frag.NewLines - 1)})
		}
	}
	return d, nil
}

// changed reports whether the pull request changed path (and did not delete it).
func (d *prDiff) changed(path string) bool {
	for _, f := range d.files {
		if f.NewName == path && !f.IsDelete {
			return true
		}
	}
	return false
}

// hunkOf returns the hunk holding head lines start..end, or false when no
// single hunk holds them all.
func (d *prDiff) hunkOf(path string, start, end int) (lineRange, bool) {
	for _, h := range d.hunks[path] {
		if h.contains(start) && h.contains(end) {
			return h, true
		}
	}
	return lineRange{}, false
}

// onDiff reports whether head line of path is in a hunk of the diff.
func (d *prDiff) onDiff(path string, line int) bool {
	_, ok := d.hunkOf(path, line, line)
	return ok
}
