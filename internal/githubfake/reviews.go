package githubfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/google/go-github/v62/github"
)

// errLineNotInDiff is GitHub's error for a review comment outside the diff.
const errLineNotInDiff = "Pull request review thread line must be part of the diff"

type review struct {
	pr int
	v  *github.PullRequestReview
}

type reviewComment struct {
	pr int
	v  *github.PullRequestComment
	// resolved is the state of the thread this comment opens (see graphql.go).
	resolved bool
}

type reviewRequest struct {
	CommitID string                 `json:"commit_id"`
	Body     string                 `json:"body"`
	Event    string                 `json:"event"`
	Comments []reviewCommentRequest `json:"comments"`
}

type reviewCommentRequest struct {
	Path      string `json:"path"`
	Position  *int   `json:"position"`
	Line      *int   `json:"line"`
	Side      string `json:"side"`
	StartLine *int   `json:"start_line"`
	StartSide string `json:"start_side"`
	Body      string `json:"body"`
}

var reviewStates = map[string]string{
	"": "PENDING", "COMMENT": "COMMENTED", "APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
}

func (s *Server) handleCreateReview(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "write", "pull_requests")
	if !ok {
		return
	}
	var req reviewRequest
	if !decodeBody(w, r, &req) {
		return
	}
	state, ok := reviewStates[req.Event]
	if !ok {
		writeInvalidField(w, "PullRequestReview", "event", req.Event)
		return
	}
	if (req.Event == "REQUEST_CHANGES" || req.Event == "COMMENT") && req.Body == "" && len(req.Comments) == 0 {
		writeValidation(w, fmt.Sprintf("Review Event %s requires a body or comments", req.Event))
		return
	}
	ctx := r.Context()
	commit := p.HeadSHA
	if req.CommitID != "" {
		sha, err := s.revParse(ctx, rp.bareDir, req.CommitID)
		if err != nil || sha != req.CommitID {
			writeValidation(w, "No commit found for SHA: "+req.CommitID)
			return
		}
		commit = sha
	}
	_, files, err := s.diff(ctx, rp, p.BaseSHA, commit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	byPath := map[string]*gitdiff.File{}
	for _, f := range files {
		byPath[f.NewName] = f
		if f.IsDelete {
			byPath[f.OldName] = f
		}
	}
	hunks := make([]string, len(req.Comments))
	for i := range req.Comments {
		c := &req.Comments[i]
		hunk, msg := validateReviewComment(c, byPath)
		if msg != "" {
			writeValidation(w, msg)
			return
		}
		hunks[i] = hunk
	}

	now := &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	bot := s.user(s.BotLogin())
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	rv := &github.PullRequestReview{
		ID:                github.Int64(id),
		NodeID:            github.String(fmt.Sprintf("PRR_%d", id)),
		User:              bot,
		Body:              github.String(req.Body),
		State:             github.String(state),
		CommitID:          github.String(commit),
		AuthorAssociation: github.String("NONE"),
		HTMLURL:           github.String(s.htmlURL("/%s/pull/%d#pullrequestreview-%d", rp.fullName, p.Number, id)),
		PullRequestURL:    github.String(s.apiURL("/repos/%s/pulls/%d", rp.fullName, p.Number)),
	}
	if state != "PENDING" {
		rv.SubmittedAt = now
	}
	rp.reviews = append(rp.reviews, &review{pr: p.Number, v: rv})
	for i, c := range req.Comments {
		cid := s.newID()
		rc := &github.PullRequestComment{
			ID:                  github.Int64(cid),
			NodeID:              github.String(fmt.Sprintf("PRRC_%d", cid)),
			PullRequestReviewID: github.Int64(id),
			Path:                github.String(c.Path),
			Position:            c.Position,
			OriginalPosition:    c.Position,
			Line:                c.Line,
			OriginalLine:        c.Line,
			StartLine:           c.StartLine,
			OriginalStartLine:   c.StartLine,
			Body:                github.String(c.Body),
			DiffHunk:            github.String(hunks[i]),
			CommitID:            github.String(commit),
			OriginalCommitID:    github.String(commit),
			User:                bot,
			AuthorAssociation:   github.String("NONE"),
			CreatedAt:           now,
			UpdatedAt:           now,
			URL:                 github.String(s.apiURL("/repos/%s/pulls/comments/%d", rp.fullName, cid)),
			HTMLURL:             github.String(s.htmlURL("/%s/pull/%d#discussion_r%d", rp.fullName, p.Number, cid)),
			PullRequestURL:      github.String(s.apiURL("/repos/%s/pulls/%d", rp.fullName, p.Number)),
		}
		if c.Line != nil {
			rc.Side = github.String(c.Side)
		}
		if c.StartLine != nil {
			rc.StartSide = github.String(c.StartSide)
		}
		rp.reviewComments = append(rp.reviewComments, &reviewComment{pr: p.Number, v: rc})
	}
	writeJSON(w, http.StatusOK, rv)
}

// validateReviewComment checks a comment against the diff as GitHub does, fills
// the default sides, and returns the comment's diff_hunk or GitHub's error message.
func validateReviewComment(c *reviewCommentRequest, byPath map[string]*gitdiff.File) (string, string) {
	if c.Body == "" {
		return "", "Body can't be blank"
	}
	f, ok := byPath[c.Path]
	if !ok {
		return "", "Path could not be resolved"
	}
	if c.Line == nil {
		if c.Position == nil {
			return "", errLineNotInDiff
		}
		hunk, ok := hunkAtPosition(f, *c.Position)
		if !ok {
			return "", errLineNotInDiff
		}
		return hunk, ""
	}
	if c.Side == "" {
		c.Side = "RIGHT"
	}
	if c.Side != "RIGHT" && c.Side != "LEFT" {
		return "", fmt.Sprintf("%q is not a valid value for side", c.Side)
	}
	end, hunk := findLine(f, c.Side, *c.Line)
	if end == nil {
		return "", errLineNotInDiff
	}
	if c.StartLine != nil {
		if c.StartSide == "" {
			c.StartSide = c.Side
		}
		if c.StartSide != "RIGHT" && c.StartSide != "LEFT" {
			return "", fmt.Sprintf("%q is not a valid value for start_side", c.StartSide)
		}
		if c.StartSide == c.Side && *c.StartLine >= *c.Line {
			return "", "start_line must precede the end line."
		}
		start, _ := findLine(f, c.StartSide, *c.StartLine)
		if start != end {
			return "", errLineNotInDiff
		}
	}
	return hunk, ""
}

// findLine returns the fragment that shows line on side, and the diff_hunk up to it.
func findLine(f *gitdiff.File, side string, line int) (*gitdiff.TextFragment, string) {
	for _, frag := range f.TextFragments {
		oldN, newN := int(frag.OldPosition), int(frag.NewPosition)
		var b strings.Builder
		b.WriteString(strings.TrimSuffix(frag.Header(), "\n"))
		for _, l := range frag.Lines {
			b.WriteString("\n" + l.Op.String() + strings.TrimSuffix(l.Line, "\n"))
			onOld := l.Op != gitdiff.OpAdd
			onNew := l.Op != gitdiff.OpDelete
			if (side == "LEFT" && onOld && oldN == line) || (side == "RIGHT" && onNew && newN == line) {
				return frag, b.String()
			}
			if onOld {
				oldN++
			}
			if onNew {
				newN++
			}
		}
	}
	return nil, ""
}

// hunkAtPosition resolves a legacy diff position (1 = the line after the first hunk header).
func hunkAtPosition(f *gitdiff.File, position int) (string, bool) {
	pos := 0
	for i, frag := range f.TextFragments {
		if i > 0 {
			pos++ // later hunk headers count as a position
		}
		var b strings.Builder
		b.WriteString(strings.TrimSuffix(frag.Header(), "\n"))
		for _, l := range frag.Lines {
			pos++
			b.WriteString("\n" + l.Op.String() + strings.TrimSuffix(l.Line, "\n"))
			if pos == position {
				return b.String(), true
			}
		}
	}
	return "", false
}

func (s *Server) handleListReviews(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, s.Reviews(rp.fullName, p.Number)))
}

func (s *Server) handleGetReview(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests")
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, rv := range s.Reviews(rp.fullName, p.Number) {
		if rv.GetID() == id {
			writeJSON(w, http.StatusOK, rv)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) handleListReviewComments(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests")
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, s.ReviewComments(rp.fullName, p.Number)))
}

func (s *Server) handleListReviewCommentsOfReview(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests")
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	found := false
	for _, rv := range s.Reviews(rp.fullName, p.Number) {
		found = found || rv.GetID() == id
	}
	if !found {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var out []*github.PullRequestComment
	for _, c := range s.ReviewComments(rp.fullName, p.Number) {
		if c.GetPullRequestReviewID() == id {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

// Reviews returns the reviews posted on a pull request, oldest first.
func (s *Server) Reviews(fullName string, number int) []*github.PullRequestReview {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*github.PullRequestReview
	if rp := s.repos[fullName]; rp != nil {
		for _, rv := range rp.reviews {
			if rv.pr == number {
				out = append(out, rv.v)
			}
		}
	}
	return out
}

// ReviewComments returns the review comments on a pull request, oldest first.
func (s *Server) ReviewComments(fullName string, number int) []*github.PullRequestComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*github.PullRequestComment
	if rp := s.repos[fullName]; rp != nil {
		for _, c := range rp.reviewComments {
			if c.pr == number {
				out = append(out, c.v)
			}
		}
	}
	return out
}
