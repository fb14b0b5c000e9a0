package githubapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/review"
)

// ReviewComment is one inline comment of a review to post.
type ReviewComment struct {
	Path string
	// Line is the last line the comment covers; StartLine is its first
	// line when it spans several (0 otherwise).
	Line      int
	StartLine int
	// Side is RIGHT (head) or LEFT (base); StartSide defaults to Side.
	Side      string
	StartSide string
	Body      string
}

// ReviewDraft is a pull request review to post with event COMMENT.
type ReviewDraft struct {
	// CommitID is the head SHA the review is about.
	CommitID string
	Body     string
	Comments []ReviewComment
}

// ReviewOutcome says what was posted.
type ReviewOutcome struct {
	Review *github.PullRequestReview
	// Inline are the comments posted on lines; Moved are those GitHub
	// refused as outside the diff, which were put into the review body.
	Inline []ReviewComment
	Moved  []ReviewComment
}

// CreateReview posts a COMMENT review. When GitHub refuses it because a
// comment is not on the diff (422), it asks GitHub for the pull request's
// hunks, moves the comments outside them into the body and posts again;
// if GitHub still refuses, every comment goes into the body.
func (r Repo) CreateReview(ctx context.Context, pr int, d ReviewDraft) (ReviewOutcome, error) {
	if d.CommitID == "" {
		return ReviewOutcome{}, fmt.Errorf("review %s#%d: commit id is required", r.FullName(), pr)
	}
	if strings.TrimSpace(d.Body) == "" && len(d.Comments) == 0 {
		return ReviewOutcome{}, fmt.Errorf("review %s#%d: nothing to post", r.FullName(), pr)
	}
	for i, c := range d.Comments {
		if err := c.validate(); err != nil {
			return ReviewOutcome{}, fmt.Errorf("review %s#%d: comment %d: %w", r.FullName(), pr, i, err)
		}
	}
	rev, err := r.postReview(ctx, pr, d.CommitID, d.Body, d.Comments)
	if err == nil {
		return ReviewOutcome{Review: rev, Inline: d.Comments}, nil
	}
	if !isOffDiffError(err) || len(d.Comments) == 0 {
		return ReviewOutcome{}, fmt.Errorf("review %s#%d: %w", r.FullName(), pr, err)
	}

	hunks, hunkErr := r.diffHunks(ctx, pr)
	if hunkErr == nil {
		inline, moved := splitByHunks(d.Comments, hunks)
		if len(moved) > 0 && len(inline) > 0 {
			rev, err = r.postReview(ctx, pr, d.CommitID, bodyWithMoved(d.Body, moved), inline)
			if err == nil {
				return ReviewOutcome{Review: rev, Inline: inline, Moved: moved}, nil
			}
			if !isOffDiffError(err) {
				return ReviewOutcome{}, fmt.Errorf("review %s#%d without %d off-diff comments: %w", r.FullName(), pr, len(moved), err)
			}
		}
	}
	rev, err = r.postReview(ctx, pr, d.CommitID, bodyWithMoved(d.Body, d.Comments), nil)
	if err != nil {
		return ReviewOutcome{}, fmt.Errorf("review %s#%d with every comment in the body: %w", r.FullName(), pr, err)
	}
	return ReviewOutcome{Review: rev, Moved: d.Comments}, nil
}

func (c ReviewComment) validate() error {
	if c.Path == "" || c.Line <= 0 || c.Body == "" {
		return errors.New("path, line and body are required")
	}
	if c.Side != review.SideRight && c.Side != review.SideLeft {
		return fmt.Errorf("side %q is not RIGHT or LEFT", c.Side)
	}
	if c.StartLine < 0 || (c.StartLine > 0 && c.StartLine >= c.Line && c.startSide() == c.Side) {
		return fmt.Errorf("start line %d must be before line %d", c.StartLine, c.Line)
	}
	return nil
}

func (c ReviewComment) startSide() string {
	if c.StartSide == "" {
		return c.Side
	}
	return c.StartSide
}

func (r Repo) postReview(ctx context.Context, pr int, commit, body string, comments []ReviewComment) (*github.PullRequestReview, error) {
	req := &github.PullRequestReviewRequest{
		CommitID: ptr(commit),
		Event:    ptr("COMMENT"),
	}
	if body != "" {
		req.Body = ptr(body)
	}
	for _, c := range comments {
		dc := &github.DraftReviewComment{
			Path: ptr(c.Path),
			Body: ptr(c.Body),
			Line: ptr(c.Line),
			Side: ptr(c.Side),
		}
		if c.StartLine > 0 {
			dc.StartLine = ptr(c.StartLine)
			dc.StartSide = ptr(c.startSide())
		}
		req.Comments = append(req.Comments, dc)
	}
	rev, _, err := r.Client.PullRequests.CreateReview(ctx, r.Owner, r.Name, pr, req)
	return rev, err
}

// isOffDiffError tells a 422 about comment positions from other 422s.
func isOffDiffError(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	texts := []string{er.Message}
	for _, e := range er.Errors {
		texts = append(texts, e.Message, e.Field)
	}
	text := strings.ToLower(strings.Join(texts, " "))
	for _, needle := range []string{"part of the diff", "same hunk", "could not be resolved", "diff hunk"} {
		if strings.Contains(text, needle) {
			return true
		}
	}
	return false
}

// diffHunks asks GitHub for the hunks of every file of the pull request.
func (r Repo) diffHunks(ctx context.Context, pr int) (map[string]*review.FileDiff, error) {
	out := map[string]*review.FileDiff{}
	opts := &github.ListOptions{PerPage: 100}
	for {
		files, resp, err := r.Client.PullRequests.ListFiles(ctx, r.Owner, r.Name, pr, opts)
		if err != nil {
			return nil, fmt.Errorf("list files of %s#%d: %w", r.FullName(), pr, err)
		}
		for _, f := range files {
			fd, err := review.ParseFilePatch(f.GetFilename(), f.GetPatch())
			if err != nil {
				// A patch GitHub truncated or we cannot read: no comment
				// is placed in this file.
				fd = &review.FileDiff{OldPath: f.GetFilename(), NewPath: f.GetFilename()}
			}
			out[f.GetFilename()] = fd
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// splitByHunks keeps the comments whose lines sit in one hunk of GitHub's diff.
func splitByHunks(comments []ReviewComment, hunks map[string]*review.FileDiff) (inline, moved []ReviewComment) {
	for _, c := range comments {
		fd, ok := hunks[c.Path]
		h := -1
		if ok {
			h = fd.HunkAtSide(c.Side, c.Line)
		}
		if h >= 0 && c.StartLine > 0 && fd.HunkAtSide(c.startSide(), c.StartLine) != h {
			h = -1
		}
		if h < 0 {
			moved = append(moved, c)
			continue
		}
		inline = append(inline, c)
	}
	return inline, moved
}

// bodyWithMoved appends comments that cannot be inline to a review body.
// Each moved body's marker is taken off its last line and the
// fingerprints of all of them (and of body's own marker) end the result
// in one marker, the only place review.ParseMarkers reads.
func bodyWithMoved(body string, moved []ReviewComment) string {
	body, fps := review.SplitMarker(body)
	var b strings.Builder
	b.WriteString(strings.TrimRight(body, "\n"))
	if b.Len() > 0 {
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "### Findings GitHub would not place on the diff (%d)\n", len(moved))
	for _, c := range moved {
		lines := "line " + strconv.Itoa(c.Line)
		if c.StartLine > 0 {
			lines = fmt.Sprintf("lines %d–%d", c.StartLine, c.Line)
		}
		text, cfps := review.SplitMarker(c.Body)
		fps = append(fps, cfps...)
		fmt.Fprintf(&b, "\n**%s**, %s:\n\n%s\n", review.CodeSpan(c.Path), lines, strings.TrimRight(text, "\n"))
	}
	return review.WithMarker(b.String(), fps)
}

// PostedFingerprints returns the fingerprints found in the markers of the
// review comments and review bodies that author (the app's bot login) left
// on the pull request. An empty author accepts every author.
func (r Repo) PostedFingerprints(ctx context.Context, pr int, author string) (map[string]bool, error) {
	found := map[string]bool{}
	add := func(login, body string) {
		if author != "" && !strings.EqualFold(login, author) {
			return
		}
		for _, fp := range review.ParseMarkers(body) {
			found[fp] = true
		}
	}
	copts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := r.Client.PullRequests.ListComments(ctx, r.Owner, r.Name, pr, copts)
		if err != nil {
			return nil, fmt.Errorf("list review comments of %s#%d: %w", r.FullName(), pr, err)
		}
		for _, c := range comments {
			add(c.GetUser().GetLogin(), c.GetBody())
		}
		if resp.NextPage == 0 {
			break
		}
		copts.Page = resp.NextPage
	}
	ropts := &github.ListOptions{PerPage: 100}
	for {
		reviews, resp, err := r.Client.PullRequests.ListReviews(ctx, r.Owner, r.Name, pr, ropts)
		if err != nil {
			return nil, fmt.Errorf("list reviews of %s#%d: %w", r.FullName(), pr, err)
		}
		for _, rv := range reviews {
			add(rv.GetUser().GetLogin(), rv.GetBody())
		}
		if resp.NextPage == 0 {
			break
		}
		ropts.Page = resp.NextPage
	}
	return found, nil
}
