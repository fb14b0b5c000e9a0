package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/go-github/v62/github"
)

type issueComment struct {
	number int
	v      *github.IssueComment
}

var reactionContents = []string{"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}

// clone deep-copies a value through JSON, so callers never share the model's values.
func clone[T any](v T) T {
	b, _ := json.Marshal(v)
	var out T
	_ = json.Unmarshal(b, &out)
	return out
}

// AddIssueComment seeds a comment by user on pull request number (as a human
// would write it) and returns it; use it with SendWebhook for issue_comment events.
func (s *Server) AddIssueComment(fullName string, number int, user, body string) (*github.IssueComment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok || rp.pulls[number] == nil {
		return nil, fmt.Errorf("githubfake: no pull request %s#%d", fullName, number)
	}
	c := s.newIssueComment(rp, number, user, body)
	return clone(c), nil
}

// newIssueComment stores a comment (caller holds s.mu).
func (s *Server) newIssueComment(rp *repo, number int, user, body string) *github.IssueComment {
	id := s.newID()
	now := &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	assoc := "NONE"
	switch rp.roles[user] {
	case "admin", "maintain", "write", "triage":
		assoc = "COLLABORATOR"
	}
	if rp.owner == user {
		assoc = "OWNER"
	}
	c := &github.IssueComment{
		ID:                github.Int64(id),
		NodeID:            github.String(fmt.Sprintf("IC_%d", id)),
		Body:              github.String(body),
		User:              s.user(user),
		AuthorAssociation: github.String(assoc),
		CreatedAt:         now,
		UpdatedAt:         now,
		URL:               github.String(s.apiURL("/repos/%s/issues/comments/%d", rp.fullName, id)),
		HTMLURL:           github.String(s.htmlURL("/%s/pull/%d#issuecomment-%d", rp.fullName, number, id)),
		IssueURL:          github.String(s.apiURL("/repos/%s/issues/%d", rp.fullName, number)),
	}
	rp.issueComments = append(rp.issueComments, &issueComment{number: number, v: c})
	return c
}

func (s *Server) handleCreateIssueComment(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "write", "issues", "pull_requests")
	if rp == nil {
		return
	}
	var req struct {
		Body *string `json:"body"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Body == nil || *req.Body == "" {
		writeInvalidField(w, "IssueComment", "body", "")
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp.pulls[n] == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusCreated, s.newIssueComment(rp, n, s.BotLogin(), *req.Body))
}

func (s *Server) handleListIssueComments(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "issues", "pull_requests")
	if rp == nil {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	if s.repoPull(rp, n) == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, s.IssueComments(rp.fullName, n)))
}

func (s *Server) repoPull(rp *repo, n int) *pull {
	s.mu.Lock()
	defer s.mu.Unlock()
	return rp.pulls[n]
}

// lookupIssueComment finds the path's {id} (caller holds s.mu).
func lookupIssueComment(rp *repo, r *http.Request) *github.IssueComment {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, c := range rp.issueComments {
		if c.v.GetID() == id {
			return c.v
		}
	}
	return nil
}

func (s *Server) handleGetIssueComment(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "issues", "pull_requests")
	if rp == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := lookupIssueComment(rp, r); c != nil {
		writeJSON(w, http.StatusOK, c)
		return
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) handleUpdateIssueComment(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "write", "issues", "pull_requests")
	if rp == nil {
		return
	}
	var req struct {
		Body *string `json:"body"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Body == nil || *req.Body == "" {
		writeInvalidField(w, "IssueComment", "body", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := lookupIssueComment(rp, r)
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	c.Body = req.Body
	c.UpdatedAt = &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) handleCreateReaction(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "write", "issues", "pull_requests")
	if rp == nil {
		return
	}
	var req struct {
		Content string `json:"content"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if !slices.Contains(reactionContents, req.Content) {
		writeInvalidField(w, "Reaction", "content", req.Content)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := lookupIssueComment(rp, r)
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	bot := s.BotLogin()
	for _, re := range rp.reactions[c.GetID()] {
		if re.GetContent() == req.Content && re.GetUser().GetLogin() == bot {
			writeJSON(w, http.StatusOK, re)
			return
		}
	}
	id := s.newID()
	re := &github.Reaction{
		ID: github.Int64(id), NodeID: github.String(fmt.Sprintf("REA_%d", id)),
		User: s.user(bot), Content: github.String(req.Content),
	}
	rp.reactions[c.GetID()] = append(rp.reactions[c.GetID()], re)
	writeJSON(w, http.StatusCreated, re)
}

func (s *Server) handleListReactions(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "issues", "pull_requests")
	if rp == nil {
		return
	}
	content := r.URL.Query().Get("content")
	if content != "" && !slices.Contains(reactionContents, content) {
		writeInvalidField(w, "Reaction", "content", content)
		return
	}
	s.mu.Lock()
	c := lookupIssueComment(rp, r)
	var list []*github.Reaction
	if c != nil {
		for _, re := range rp.reactions[c.GetID()] {
			if content == "" || re.GetContent() == content {
				list = append(list, re)
			}
		}
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, paginate(w, r, list))
}

// IssueComments returns the comments on pull request number, oldest first.
func (s *Server) IssueComments(fullName string, number int) []*github.IssueComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*github.IssueComment
	if rp := s.repos[fullName]; rp != nil {
		for _, c := range rp.issueComments {
			if c.number == number {
				out = append(out, clone(c.v))
			}
		}
	}
	return out
}

// Reactions returns the reactions on an issue comment, oldest first.
func (s *Server) Reactions(fullName string, commentID int64) []*github.Reaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.repos[fullName]; rp != nil {
		return append([]*github.Reaction(nil), rp.reactions[commentID]...)
	}
	return nil
}
