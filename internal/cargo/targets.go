package cargo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// couldNotCompile is cargo's line for a target whose build failed, e.g.
// "error: could not compile `kg` (bench "nightly") due to 1 previous error";
// older cargos leave the target out.
var couldNotCompile = regexp.MustCompile("(?m)^error: could not compile `([^`\n]+)`(?: \\(([^)\n]+)\\))?")

// failedTargets turns cargo's "could not compile" lines into one
// diagnostic without a location, so that the summary names every target
// whose findings are missing; nil when every target built. With
// --keep-going cargo still builds and checks the others.
func failedTargets(stderr []byte) []review.Diagnostic {
	var names []string
	seen := map[string]bool{}
	for _, m := range couldNotCompile.FindAllStringSubmatch(string(stderr), -1) {
		target := m[1]
		if m[2] != "" {
			target += " (" + m[2] + ")"
		}
		if seen[target] {
			continue
		}
		seen[target] = true
		names = append(names, review.CodeSpan(strings.TrimSpace(target)))
	}
	if len(names) == 0 {
		return nil
	}
	// cargo builds targets in parallel: the order it reports them in is not
	// the review's.
	slices.Sort(names)
	msg := "target " + names[0] + " could not be built: its findings are missing from this review"
	if len(names) > 1 {
		msg = fmt.Sprintf("%d targets could not be built, their findings are missing from this review: %s", len(names), strings.Join(names, ", "))
	}
	return []review.Diagnostic{{Source: review.SourceRustc, Rule: "cargo", Severity: review.SeverityWarning, Message: msg}}
}
