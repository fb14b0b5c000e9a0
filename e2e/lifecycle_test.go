package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestFindingLifecycleAcrossPushes: three reviewed pushes. The first opens
// a thread per finding; the second fixes one finding (its thread is
// resolved, the check run says so) and keeps the other (its thread stays,
// nothing is re-posted); the third fixes that one too, but a person replied
// in its thread, so it stays open, and adds a new finding, which gets a new
// thread.
func TestFindingLifecycleAcrossPushes(t *testing.T) {
	e := start(t)
	e.openSample()
	e.send("opened")
	e.wait()

	threads := e.gh.ReviewThreads(e.full, e.number)
	if len(threads) != 2 {
		t.Fatalf("threads after the first review: %d, want 2", len(threads))
	}
	lenZero, find := threads[0], threads[1]
	if lenZero.Line != 17 {
		lenZero, find = find, lenZero
	}
	if lenZero.Line != 17 || find.Line != 31 {
		t.Fatalf("threads on lines %d and %d, want 17 and 31", lenZero.Line, find.Line)
	}
	if _, err := e.gh.ReplyToReviewComment(e.full, e.number, find.Comments[0].GetID(), "octocat", "I prefer the loop here."); err != nil {
		t.Fatal(err)
	}

	// Push 2 fixes len_zero and keeps manual_find.
	fixed := strings.Replace(sampleHead(t, "src/lib.rs"), "items.len() == 0", "items.is_empty()", 1)
	second := e.push(map[string]string{"src/lib.rs": fixed}, "Inventory: is_empty")
	e.send("synchronize")
	e.wait()
	byID := threadsByID(e.gh.ReviewThreads(e.full, e.number))
	if len(byID) != 2 || !byID[lenZero.ID].Resolved || byID[find.ID].Resolved {
		t.Fatalf("after push 2: %+v, want len_zero resolved and manual_find open", byID)
	}
	summary := completedSummary(t, e, second)
	if !strings.Contains(summary, "### Fixed by this push") || !strings.Contains(summary, "clippy::len_zero") ||
		strings.Contains(summary, "left open") {
		t.Errorf("check run summary of push 2 does not say what it fixed:\n%s", summary)
	}

	// Push 3 fixes manual_find (replied to: stays open) and adds a finding.
	loop := "    for item in items.iter() {\n        if item.name == name {\n            return Some(item);\n        }\n    }\n    return None;\n"
	third := e.push(map[string]string{"src/lib.rs": strings.Replace(fixed, loop, "    items.iter().find(|item| item.name == name)\n", 1) + soldOut},
		"Inventory: find, sold out")
	e.send("synchronize")
	e.wait()
	final := e.gh.ReviewThreads(e.full, e.number)
	byID = threadsByID(final)
	if len(final) != 3 || !byID[lenZero.ID].Resolved || byID[find.ID].Resolved {
		t.Fatalf("after push 3: %+v, want 3 threads, len_zero resolved, manual_find open", final)
	}
	added := final[2]
	if added.Resolved || added.Outdated || !strings.Contains(added.Comments[0].GetBody(), "clippy::len_zero") ||
		added.Comments[0].GetCommitID() != third {
		t.Errorf("new thread: %+v", added)
	}
	summary = completedSummary(t, e, third)
	if !strings.Contains(summary, "left open because someone replied") || strings.Contains(summary, "### Fixed by this push") {
		t.Errorf("check run summary of push 3:\n%s", summary)
	}
	if n := len(e.gh.ReviewComments(e.full, e.number)); n != 4 {
		t.Errorf("review comments: %d, want 4 (2 + the reply + 1 new): a kept finding was re-posted", n)
	}
}

func threadsByID(ts []githubfake.Thread) map[string]githubfake.Thread {
	out := map[string]githubfake.Thread{}
	for _, t := range ts {
		out[t.ID] = t
	}
	return out
}

// completedSummary is the summary of the completed check run on sha.
func completedSummary(t *testing.T, e *env, sha string) string {
	t.Helper()
	runs := e.checkRuns(sha)
	if len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Fatalf("check runs on %s: %v", sha, runs)
	}
	return runs[0].GetOutput().GetSummary()
}

// TestThreadsUnreadableStillReviews: when GitHub's GraphQL API fails, the
// review is still posted and the check run completed; its summary says the
// threads were not looked at.
func TestThreadsUnreadableStillReviews(t *testing.T) {
	e := start(t)
	e.openSample()
	e.gh.InjectFault(githubfake.Match{Method: http.MethodPost, PathRegexp: `/api/graphql$`}, githubfake.Fault{Status: 502})
	e.send("opened")
	e.wait()
	if n := len(e.gh.Reviews(e.full, e.number)); n != 1 {
		t.Errorf("reviews: %d, want 1", n)
	}
	summary := completedSummary(t, e, e.built.HeadSHA)
	if !strings.Contains(summary, "review threads could not be read") {
		t.Errorf("summary does not say the threads were not read:\n%s", summary)
	}
	if runs := e.checkRuns(e.built.HeadSHA); runs[0].GetConclusion() != "neutral" {
		t.Errorf("conclusion %q, want neutral", runs[0].GetConclusion())
	}
}
