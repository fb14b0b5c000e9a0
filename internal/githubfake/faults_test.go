package githubfake

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	review := &github.PullRequestReviewRequest{Event: github.String("COMMENT"), Body: github.String("x")}

	f.srv.InjectFault(Match{Method: http.MethodPost, PathRegexp: `/pulls/\d+/reviews$`}, Fault{Status: http.StatusInternalServerError, Times: 1})
	_, resp, err := c.PullRequests.CreateReview(ctx, "octo-org", "hello", 1, review)
	if got := statusOf(t, resp, err); got != http.StatusInternalServerError {
		t.Fatalf("first POST: status %d", got)
	}
	if _, _, err := c.PullRequests.CreateReview(ctx, "octo-org", "hello", 1, review); err != nil {
		t.Fatalf("second POST: %v", err)
	}
	if n := len(f.srv.Reviews(testRepo, 1)); n != 1 {
		t.Fatalf("%d reviews stored", n)
	}

	f.srv.InjectFault(Match{PathRegexp: `/issues/\d+/comments$`}, Fault{Status: http.StatusForbidden, RetryAfter: 2 * time.Second, Times: 1})
	_, _, err = c.Issues.CreateComment(ctx, "octo-org", "hello", 1, &github.IssueComment{Body: github.String("x")})
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.GetRetryAfter() != 2*time.Second {
		t.Fatalf("secondary rate limit error = %#v", err)
	}

	f.srv.InjectFault(Match{Method: http.MethodGet, PathRegexp: `/repos/octo-org/hello$`}, Fault{Delay: 200 * time.Millisecond, Times: 1})
	start := time.Now()
	c = f.client(t, nil) // go-github refuses to call while its secondary limit lasts
	if _, _, err := c.Repositories.Get(ctx, "octo-org", "hello"); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Fatal("delay fault not applied")
	}
	faulted := 0
	for _, r := range f.srv.RequestsMatching("", `/api/v3/repos/`) {
		if r.Fault {
			faulted++
		}
	}
	if faulted != 2 {
		t.Fatalf("%d requests marked as faulted, want 2", faulted)
	}
	posts := f.srv.RequestsMatching(http.MethodPost, `/pulls/1/reviews$`)
	if len(posts) != 2 || posts[0].Status != http.StatusInternalServerError || posts[1].Status != http.StatusOK || len(posts[1].Body) == 0 {
		t.Fatalf("recorded review POSTs = %+v", posts)
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	_, resp, err := c.Repositories.Get(ctx, "octo-org", "hello")
	if err != nil || resp.Rate.Limit != 5000 || resp.Rate.Remaining >= 5000 || resp.Rate.Reset.IsZero() {
		t.Fatalf("rate = %+v, %v", resp.Rate, err)
	}
	f.srv.SetRateLimitRemaining(0, time.Now().Add(time.Minute))
	_, _, err = c.Repositories.Get(ctx, "octo-org", "hello")
	var rl *github.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error = %#v, want RateLimitError", err)
	}
}
