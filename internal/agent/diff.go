package agent

import (
	"github.com/symposium-dev/symposium/review"
)

// parseDiff parses the pull request's unified diff with the review
// engine's diff model, the one the built-in review already checked it with.
func parseDiff(unified string) (*review.Diff, error) {
	return review.ParseDiff([]byte(unified))
}

// changed reports whether the pull request changed path (and did not delete it).
func changed(d *review.Diff, path string) bool {
	_, ok := d.File(path)
	return ok
}

// inOneHunk reports whether a single hunk of path holds head lines start..end.
func inOneHunk(d *review.Diff, path string, start, end int) bool {
	i := d.HunkAt(path, start)
	return i >= 0 && i == d.HunkAt(path, end)
}

// onDiff reports whether head line of path is in a hunk of the diff.
func onDiff(d *review.Diff, path string, line int) bool {
	return d.HunkAt(path, line) >= 0
}

// hasHeadLines reports whether any hunk of the diff shows head lines.
func hasHeadLines(d *review.Diff) bool {
	for _, f := range d.Files {
		if f.IsDelete {
			continue
		}
		for _, h := range f.Hunks {
			if h.NewLines > 0 {
				return true
			}
		}
	}
	return false
}
