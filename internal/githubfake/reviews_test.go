package githubfake

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestCreateReviewValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	comment := func(path string, line int, side string, start int) *github.DraftReviewComment {
		dc := &github.DraftReviewComment{Path: github.String(path), Line: github.Int(line), Body: github.String("note")}
		if side != "" {
			dc.Side = github.String(side)
		}
		if start != 0 {
			dc.StartLine = github.Int(start)
		}
		return dc
	}
	tests := []struct {
		name     string
		event    string
		body     string
		comments []*github.DraftReviewComment
		wantErr  string // "" = accepted
	}{
		{"added line", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 2, "RIGHT", 0)}, ""},
		{"context line", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 4, "", 0)}, ""},
		{"multi-line in one hunk", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 5, "RIGHT", 1)}, ""},
		{"deleted line on LEFT", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 18, "LEFT", 0)}, ""},
		{"new file", "APPROVE", "", []*github.DraftReviewComment{comment("src/new.rs", 1, "RIGHT", 0)}, ""},
		{"body only", "REQUEST_CHANGES", "please", nil, ""},
		{"line outside the diff", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 10, "RIGHT", 0)}, errLineNotInDiff},
		{"one bad comment rejects all", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 2, "RIGHT", 0), comment("src/lib.rs", 11, "RIGHT", 0)}, errLineNotInDiff},
		{"span of two hunks", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 16, "RIGHT", 4)}, errLineNotInDiff},
		{"LEFT line of a new file", "COMMENT", "", []*github.DraftReviewComment{comment("src/new.rs", 1, "LEFT", 0)}, errLineNotInDiff},
		{"beyond the file", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 21, "RIGHT", 0)}, errLineNotInDiff},
		{"file not in the diff", "COMMENT", "", []*github.DraftReviewComment{comment("README.md", 1, "RIGHT", 0)}, "Path could not be resolved"},
		{"bad side", "COMMENT", "", []*github.DraftReviewComment{comment("src/lib.rs", 2, "MIDDLE", 0)}, `"MIDDLE" is not a valid value for side`},
		{"bad event", "LGTM", "x", nil, "Validation Failed"},
		{"empty comment review", "COMMENT", "", nil, "Review Event COMMENT requires a body or comments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.srv.Reviews(testRepo, 1))
			req := &github.PullRequestReviewRequest{Event: github.String(tt.event), Comments: tt.comments}
			if tt.body != "" {
				req.Body = github.String(tt.body)
			}
			rv, resp, err := c.PullRequests.CreateReview(ctx, "octo-org", "hello", 1, req)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if rv.GetCommitID() != f.built.HeadSHA || rv.GetUser().GetLogin() != "symposium[bot]" {
					t.Fatalf("review = %+v", rv)
				}
				return
			}
			if got := statusOf(t, resp, err); got != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", got)
			}
			var er *github.ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("error %T", err)
			}
			found := er.Message == tt.wantErr
			for _, e := range er.Errors {
				found = found || e.Message == tt.wantErr
			}
			if !found {
				t.Fatalf("error %v lacks %q", err, tt.wantErr)
			}
			if len(f.srv.Reviews(testRepo, 1)) != before {
				t.Fatal("a rejected review was stored")
			}
		})
	}
}

func TestReviewCommentsListingAndPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	var comments []*github.DraftReviewComment
	for line := 1; line <= 5; line++ {
		comments = append(comments, &github.DraftReviewComment{Path: github.String("src/lib.rs"), Line: github.Int(line), Body: github.String("c")})
	}
	rv, _, err := c.PullRequests.CreateReview(ctx, "octo-org", "hello", 1, &github.PullRequestReviewRequest{
		CommitID: github.String(f.built.HeadSHA), Event: github.String("COMMENT"), Body: github.String("summary"), Comments: comments,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rv.GetState() != "COMMENTED" {
		t.Fatalf("state %q", rv.GetState())
	}

	var all []*github.PullRequestComment
	opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 2}}
	pages := 0
	for {
		page, resp, err := c.PullRequests.ListComments(ctx, "octo-org", "hello", 1, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if pages != 3 || len(all) != 5 {
		t.Fatalf("%d pages, %d comments", pages, len(all))
	}
	if all[1].GetLine() != 2 || all[1].GetSide() != "RIGHT" || all[1].GetPullRequestReviewID() != rv.GetID() ||
		all[1].GetDiffHunk() != "@@ -1,5 +1,5 @@\n line 1\n-line 2\n+line two" {
		t.Fatalf("comment = %+v", all[1])
	}
	byReview, _, err := c.PullRequests.ListReviewComments(ctx, "octo-org", "hello", 1, rv.GetID(), nil)
	if err != nil || len(byReview) != 5 {
		t.Fatalf("review comments = %d, %v", len(byReview), err)
	}
	reviews, _, err := c.PullRequests.ListReviews(ctx, "octo-org", "hello", 1, nil)
	if err != nil || len(reviews) != 1 || reviews[0].GetBody() != "summary" {
		t.Fatalf("reviews = %v, %v", reviews, err)
	}
	if got := f.srv.ReviewComments(testRepo, 1); len(got) != 5 {
		t.Fatalf("ReviewComments = %d", len(got))
	}
}
