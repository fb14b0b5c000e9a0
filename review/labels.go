package review

import (
	"fmt"
	"strings"
)

// labelContext is how many lines above a comment GitHub shows with it: a
// secondary span there is on the shown lines.
const labelContext = 3

// writeLabels writes what rustc says at the code of a compile error,
// compactly: the primary span's label, then the labels of the secondary
// spans on the lines shown with the comment (the primary span's lines and
// the few above it, same file), each once. Other findings get none: their
// message and rule say enough. The labels are compiler output, escaped.
func writeLabels(b *strings.Builder, d Diagnostic, primary Span) {
	if d.Severity != SeverityError {
		return
	}
	var lines []string
	seen := map[string]bool{oneLine(d.Message): true}
	add := func(prefix, label string) {
		label = oneLine(label)
		if label == "" || seen[label] {
			return
		}
		seen[label] = true
		lines = append(lines, prefix+EscapeText(label))
	}
	add("", primary.Label)
	for _, s := range d.Spans {
		if s.Primary || s.Path != primary.Path || s.LineEnd < primary.LineStart-labelContext || s.LineStart > primary.LineEnd {
			continue
		}
		prefix := ""
		if s.LineStart != primary.LineStart {
			prefix = fmt.Sprintf("line %d: ", s.LineStart)
		}
		add(prefix, s.Label)
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("\n")
	for _, l := range lines {
		fmt.Fprintf(b, "- %s\n", l)
	}
}
