package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/tasks"
)

const soldOut = `
/// Tells whether every item is out of stock.
pub fn sold_out(items: &[Item]) -> bool {
    let total: u32 = items.iter().map(|item| item.count).sum();
    total == 0 && items.len() != 0
}
`

// TestOpenedSynchronizeRedeliver: a PR opened gets a review and a check
// run, with comments on the right lines and exact suggestions; the same
// delivery redelivered posts nothing; a new commit posts only new findings.
func TestOpenedSynchronizeRedeliver(t *testing.T) {
	e := start(t)
	e.openSample()
	e.send("opened")
	e.wait()

	head := e.built.HeadSHA
	runs := e.checkRuns(head)
	if len(runs) != 1 {
		t.Fatalf("check runs on head: %d, want 1", len(runs))
	}
	run := runs[0]
	if run.GetName() != "Symposium" || run.GetStatus() != "completed" || run.GetConclusion() != "neutral" ||
		run.GetExternalID() != tasks.ReviewTaskID(e.repoID, e.number, head) {
		t.Errorf("check run: name %q status %q conclusion %q external_id %q", run.GetName(), run.GetStatus(), run.GetConclusion(), run.GetExternalID())
	}
	anns := e.gh.Annotations(e.full, run.GetID())
	var unchanged bool
	for _, a := range anns {
		if a.GetPath() == "src/lib.rs" && a.GetStartLine() == 11 && strings.Contains(a.GetTitle(), "ptr_arg") {
			unchanged = true
		}
	}
	if len(anns) != 4 || !unchanged {
		t.Errorf("annotations: %d (want 4, incl. ptr_arg on unchanged line 11): %v", len(anns), anns)
	}
	actions := e.gh.CheckRunActions(e.full, run.GetID())
	if len(actions) != 1 || actions[0].Identifier != "fix" {
		t.Errorf("actions: %v, want the fix button", actions)
	}

	reviews := e.gh.Reviews(e.full, e.number)
	if len(reviews) != 1 {
		t.Fatalf("reviews: %d, want 1", len(reviews))
	}
	first := reviews[0]
	if first.GetState() != "COMMENTED" || first.GetCommitID() != head || !strings.Contains(first.GetBody(), "## Symposium review") {
		t.Errorf("review: state %q commit %q body %q", first.GetState(), first.GetCommitID(), first.GetBody())
	}
	comments := e.commentsOf(first.GetID())
	if len(comments) != 2 {
		t.Fatalf("comments: %d, want 2", len(comments))
	}
	lenZero, find := comments[0], comments[1]
	if lenZero.GetLine() != 17 {
		lenZero, find = find, lenZero
	}
	if lenZero.GetPath() != "src/lib.rs" || lenZero.GetLine() != 17 || lenZero.GetSide() != "RIGHT" || lenZero.StartLine != nil {
		t.Errorf("len_zero comment at %s:%d side %s start %v", lenZero.GetPath(), lenZero.GetLine(), lenZero.GetSide(), lenZero.StartLine)
	}
	if want := "```suggestion\n    if items.is_empty() {\n```"; !strings.Contains(lenZero.GetBody(), want) {
		t.Errorf("len_zero suggestion not exact:\n%s", lenZero.GetBody())
	}
	if find.GetStartLine() != 26 || find.GetLine() != 31 {
		t.Errorf("manual_find comment spans %d-%d, want 26-31", find.GetStartLine(), find.GetLine())
	}
	if want := "```suggestion\n    items.iter().find(|&item| item.name == name).map(|v| v as _)\n```"; !strings.Contains(find.GetBody(), want) {
		t.Errorf("manual_find suggestion not exact:\n%s", find.GetBody())
	}

	// The same delivery, redelivered byte for byte: nothing new.
	deliveries := e.gh.Deliveries()
	d := deliveries[len(deliveries)-1]
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.stack.WebhookURL, bytes.NewReader(*d.Request.RawPayload))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range d.Request.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var answer struct{ Status string }
	_ = json.Unmarshal(body, &answer)
	if resp.StatusCode != http.StatusOK || answer.Status != "duplicate" {
		t.Errorf("redelivery answered %d %s, want 200 duplicate", resp.StatusCode, body)
	}
	// A new delivery for the same head collapses into the same task.
	e.send("reopened")
	e.wait()
	if n := len(e.gh.Reviews(e.full, e.number)); n != 1 {
		t.Errorf("reviews after redelivery: %d, want 1", n)
	}
	if n := len(e.gh.CheckRuns(e.full)); n != 1 {
		t.Errorf("check runs after redelivery: %d, want 1", n)
	}

	// A new commit: only the new finding is posted.
	newHead := e.push(map[string]string{"src/lib.rs": sampleHead(t, "src/lib.rs") + soldOut}, "Inventory: sold out")
	e.send("synchronize")
	e.wait()
	reviews = e.gh.Reviews(e.full, e.number)
	if len(reviews) != 2 {
		t.Fatalf("reviews after synchronize: %d, want 2", len(reviews))
	}
	second := reviews[1]
	if second.GetCommitID() != newHead || !strings.Contains(second.GetBody(), "already reported") {
		t.Errorf("second review: commit %q, body:\n%s", second.GetCommitID(), second.GetBody())
	}
	comments = e.commentsOf(second.GetID())
	if len(comments) != 1 || comments[0].GetLine() != 37 ||
		!strings.Contains(comments[0].GetBody(), "```suggestion\n    total == 0 && !items.is_empty()\n```") {
		for _, c := range comments {
			t.Logf("%s:%d\n%s", c.GetPath(), c.GetLine(), c.GetBody())
		}
		t.Fatalf("second review comments: %d, want only the new len_zero on line 37", len(comments))
	}
	if runs := e.checkRuns(newHead); len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Errorf("check runs on the new head: %v", runs)
	}
}

// TestServerErrorOnReviewPostedOnce: a 500 on the first review POST is
// retried and the review is posted exactly once.
func TestServerErrorOnReviewPostedOnce(t *testing.T) {
	e := start(t)
	e.openSample()
	e.gh.InjectFault(githubfake.Match{Method: http.MethodPost, PathRegexp: `/pulls/\d+/reviews$`}, githubfake.Fault{Status: 500, Times: 1})
	e.send("opened")
	e.wait()
	posts := e.gh.RequestsMatching(http.MethodPost, `/pulls/\d+/reviews$`)
	if len(posts) != 2 || posts[0].Status != 500 || posts[1].Status != 200 {
		t.Errorf("review POSTs: %v, want a 500 then a 200", statuses(posts))
	}
	if n := len(e.gh.Reviews(e.full, e.number)); n != 1 {
		t.Errorf("reviews: %d, want exactly 1", n)
	}
	if runs := e.checkRuns(e.built.HeadSHA); len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Errorf("check run not completed: %v", runs)
	}
}

// TestSecondaryRateLimit: a 403 secondary rate limit with Retry-After is
// waited out and the review succeeds.
func TestSecondaryRateLimit(t *testing.T) {
	e := start(t)
	e.openSample()
	e.gh.InjectFault(githubfake.Match{Method: http.MethodPost, PathRegexp: `/check-runs$`},
		githubfake.Fault{Status: 403, RetryAfter: time.Second, Times: 1})
	e.send("opened")
	e.wait()
	posts := e.gh.RequestsMatching(http.MethodPost, `/check-runs$`)
	if len(posts) != 2 || posts[0].Status != 403 || posts[1].Status != 201 {
		t.Fatalf("check run POSTs: %v, want a 403 then a 201", statuses(posts))
	}
	if gap := posts[1].Time.Sub(posts[0].Time); gap < time.Second {
		t.Errorf("retried %s after the secondary rate limit, Retry-After said 1s", gap)
	}
	if n := len(e.gh.Reviews(e.full, e.number)); n != 1 {
		t.Errorf("reviews: %d, want 1", n)
	}
	if runs := e.checkRuns(e.built.HeadSHA); len(runs) != 1 || runs[0].GetConclusion() != "neutral" {
		t.Errorf("check run: %v", runs)
	}
}

// TestHeadMovedDuringReview: when the head moves while the review runs,
// nothing is posted and the check run is completed, not left in progress.
func TestHeadMovedDuringReview(t *testing.T) {
	e := start(t)
	e.openSample()
	// Hold the task just before it looks at earlier comments, after the analysis.
	e.gh.InjectFault(githubfake.Match{Method: http.MethodGet, PathRegexp: `/pulls/\d+/comments$`},
		githubfake.Fault{Delay: 2 * time.Second, Times: 1})
	e.send("opened")
	e.waitFor("the check run to start", func() bool { return len(e.checkRuns(e.built.HeadSHA)) == 1 })
	e.push(map[string]string{"src/lib.rs": sampleHead(t, "src/lib.rs") + soldOut}, "Inventory: sold out")
	e.wait()
	if n := len(e.gh.Reviews(e.full, e.number)); n != 0 {
		t.Errorf("reviews: %d, want none", n)
	}
	runs := e.checkRuns(e.built.HeadSHA)
	if len(runs) != 1 || runs[0].GetStatus() != "completed" || runs[0].GetConclusion() != "skipped" {
		t.Errorf("check run on the old head: %s/%s, want completed/skipped", runs[0].GetStatus(), runs[0].GetConclusion())
	}
}

// TestNewerHeadCancelsRunningReview: a synchronize for a newer head cancels
// the review of the older head while it runs; only the newer head is posted.
func TestNewerHeadCancelsRunningReview(t *testing.T) {
	e := start(t)
	e.openSample()
	e.gh.InjectFault(githubfake.Match{Method: http.MethodGet, PathRegexp: `/pulls/\d+/comments$`},
		githubfake.Fault{Delay: 90 * time.Second, Times: 1})
	e.send("opened")
	e.waitFor("the old review to reach GitHub", func() bool {
		return len(e.gh.RequestsMatching(http.MethodGet, `/pulls/\d+/comments$`)) == 1
	})
	newHead := e.push(map[string]string{"src/lib.rs": sampleHead(t, "src/lib.rs") + soldOut}, "Inventory: sold out")
	e.send("synchronize")
	e.wait()

	old := e.checkRuns(e.built.HeadSHA)
	if len(old) != 1 || old[0].GetConclusion() != "skipped" {
		t.Errorf("old head's check run: %v, want skipped", old)
	}
	if !logs.Contains("asked the superseded review task to stop") || !logs.Contains("review superseded by a newer head") {
		t.Errorf("the old task was not cancelled while running")
	}
	reviews := e.gh.Reviews(e.full, e.number)
	if len(reviews) != 1 || reviews[0].GetCommitID() != newHead {
		t.Fatalf("reviews: %d, want one on the new head", len(reviews))
	}
	if runs := e.checkRuns(newHead); len(runs) != 1 || runs[0].GetConclusion() != "neutral" {
		t.Errorf("new head's check run: %v", runs)
	}
}

func statuses(rs []githubfake.Request) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}
