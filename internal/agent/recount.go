package agent

import (
	"fmt"
	"regexp"
	"strings"
)

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$`)

// recountHunks rewrites the line counts of every hunk header of a unified
// diff from the lines that follow it, as `git apply --recount` does: models
// often get the counts wrong while the lines themselves are right. A hunk
// ends at the next hunk or file header.
func recountHunks(diff string) string {
	lines := strings.SplitAfter(diff, "\n")
	for i := 0; i < len(lines); i++ {
		m := hunkHeader.FindStringSubmatch(strings.TrimRight(lines[i], "\r\n"))
		if m == nil {
			continue
		}
		oldN, newN := 0, 0
		j := i + 1
	body:
		for ; j < len(lines); j++ {
			l := lines[j]
			switch {
			case strings.HasPrefix(l, "@@ "), strings.HasPrefix(l, "diff --git "),
				strings.HasPrefix(l, "--- ") && j+1 < len(lines) && strings.HasPrefix(lines[j+1], "+++ "):
				break body
			case strings.HasPrefix(l, "+"):
				newN++
			case strings.HasPrefix(l, "-"):
				oldN++
			case strings.HasPrefix(l, " "), l == "\n":
				oldN++
				newN++
			case strings.HasPrefix(l, `\`):
			default:
				break body
			}
		}
		nl := lines[i][len(strings.TrimRight(lines[i], "\r\n")):]
		lines[i] = fmt.Sprintf("@@ -%s,%d +%s,%d @@%s%s", m[1], oldN, m[2], newN, m[3], nl)
		i = j - 1
	}
	return strings.Join(lines, "")
}
