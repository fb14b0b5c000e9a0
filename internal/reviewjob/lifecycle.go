package reviewjob

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/review"
)

// threadPlan is what a review does with Symposium's open threads whose
// findings this head no longer has.
type threadPlan struct {
	// Resolve are the threads to resolve: every finding of theirs is gone
	// and only the bot wrote in them.
	Resolve []githubapp.ReviewThread
	// Replied are the threads whose findings are gone but where someone
	// else replied: they stay open for the people to close.
	Replied []githubapp.ReviewThread
	// Held are the threads left open because the head does not compile or
	// was not fully analysed, so a missing finding may be unchecked rather
	// than fixed; HeldWhy says which (holdReason).
	Held    []githubapp.ReviewThread
	HeldWhy string
	// Failed are the threads to resolve that GitHub did not resolve.
	Failed []githubapp.ReviewThread
	// ReadErr is why the threads could not be read, if they could not.
	ReadErr error
}

// holdReason says why a review resolves no thread: its head does not
// compile, or the review is incomplete (cargo could not run on the head or
// build it), so a finding it lacks may be unchecked rather than fixed. ""
// when threads may be resolved.
func holdReason(res review.Result) string {
	switch {
	case res.CompileError:
		return holdCompile
	case res.Incomplete != "":
		return holdIncomplete
	}
	return ""
}

// The reasons to hold threads.
const (
	holdCompile    = "it does not compile"
	holdIncomplete = "it was not fully analysed"
)

// planThreads picks, among the open threads the bot opened (its first
// comment carries Symposium's markers), those whose fingerprints are all
// absent from present. A review with a hold reason (holdReason) resolves
// nothing.
func planThreads(threads []githubapp.ReviewThread, bot string, present map[string]bool, hold string) threadPlan {
	p := threadPlan{HeldWhy: hold}
	for _, t := range threads {
		if t.IsResolved || len(t.Comments) == 0 || !githubapp.SameLogin(t.Comments[0].Author, bot) {
			continue
		}
		fps := review.ParseMarkers(t.Comments[0].Body)
		if len(fps) == 0 || anyPresent(fps, present) {
			continue
		}
		switch {
		case hold != "":
			p.Held = append(p.Held, t)
		case repliedByOthers(t, bot):
			p.Replied = append(p.Replied, t)
		default:
			p.Resolve = append(p.Resolve, t)
		}
	}
	return p
}

func anyPresent(fps []string, present map[string]bool) bool {
	for _, fp := range fps {
		if present[fp] {
			return true
		}
	}
	return false
}

// repliedByOthers tells whether anyone but the bot wrote in the thread.
func repliedByOthers(t githubapp.ReviewThread, bot string) bool {
	for _, c := range t.Comments[1:] {
		if !githubapp.SameLogin(c.Author, bot) {
			return true
		}
	}
	return false
}

// presentFingerprints are the fingerprints of every finding and comment of
// a review.
func presentFingerprints(res review.Result) map[string]bool {
	out := map[string]bool{}
	for _, f := range res.Findings {
		if f.Fingerprint != "" {
			out[f.Fingerprint] = true
		}
	}
	for _, c := range res.Comments {
		if c.Fingerprint != "" {
			out[c.Fingerprint] = true
		}
	}
	return out
}

// withLifecycleNote adds to the summary what this push fixed (the threads
// resolved) and which gone findings keep their threads open.
func withLifecycleNote(summary string, p threadPlan) string {
	if len(p.Resolve)+len(p.Replied)+len(p.Held)+len(p.Failed) == 0 && p.ReadErr == nil {
		return summary
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(summary, "\n"))
	b.WriteString("\n")
	if len(p.Resolve) > 0 {
		fmt.Fprintf(&b, "\n### Fixed by this push\n\nThese findings are gone; their threads were resolved:\n\n")
		writeThreads(&b, p.Resolve)
	}
	if len(p.Replied) > 0 {
		fmt.Fprintf(&b, "\nGone too, but left open because someone replied in the thread:\n\n")
		writeThreads(&b, p.Replied)
	}
	if len(p.Failed) > 0 {
		fmt.Fprintf(&b, "\nGone too, but GitHub did not let Symposium resolve their threads (the next push tries again):\n\n")
		writeThreads(&b, p.Failed)
	}
	if p.ReadErr != nil {
		b.WriteString("\nThe review threads could not be read, so the threads of fixed findings were not resolved; the next push tries again.\n")
	}
	if len(p.Held) > 0 {
		why, until := p.HeldWhy, "a head that compiles"
		switch why {
		case "":
			why = holdCompile
		case holdIncomplete:
			until = "a complete review"
		}
		fmt.Fprintf(&b, "\n%d earlier findings are not reported on this head, but %s, so their threads stay open until %s confirms the fix.\n", len(p.Held), why, until)
	}
	return b.String()
}

// writeThreads lists threads by location and the first line of the bot's
// comment (Symposium's own, already neutralised, text).
func writeThreads(b *strings.Builder, ts []githubapp.ReviewThread) {
	for i, t := range ts {
		if i == 50 {
			fmt.Fprintf(b, "- … and %d more\n", len(ts)-i)
			return
		}
		loc := t.Path
		switch {
		case t.Line > 0:
			loc += ":" + strconv.Itoa(t.Line)
		case t.OriginalLine > 0:
			loc += ":" + strconv.Itoa(t.OriginalLine) + " (outdated)"
		}
		head, _, _ := strings.Cut(t.Comments[0].Body, "\n")
		if strings.Contains(head, "<!--") {
			head = ""
		}
		fmt.Fprintf(b, "- %s %s\n", review.CodeSpan(loc), strings.TrimSpace(head))
	}
}
