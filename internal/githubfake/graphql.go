package githubfake

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/google/go-github/v62/github"
)

// graphQLPath is where GitHub Enterprise Server serves GraphQL, beside
// the REST API's /api/v3.
const graphQLPath = "/api/graphql"

// Thread is a review thread as the fake derives it from the review
// comments: a comment that replies to none opens a thread, and the replies
// to it (in_reply_to_id) follow in order.
type Thread struct {
	// ID is the thread's GraphQL node id, "PRRT_<id of its first comment>".
	ID       string
	Path     string
	Line     int
	Resolved bool
	// Outdated is true when the head no longer shows the commented line as
	// the comment saw it (the line left the diff or its text changed).
	Outdated bool
	Comments []*github.PullRequestComment
}

// ReviewThreads returns the review threads of a pull request, oldest first.
func (s *Server) ReviewThreads(fullName string, number int) []Thread {
	rp := s.repo(fullName)
	if rp == nil {
		return nil
	}
	threads, head, base := s.threadsOf(rp, number)
	d := diffs{s: s, rp: rp, base: base, files: map[string][]*gitdiff.File{}}
	for i := range threads {
		threads[i].Outdated = d.outdated(head, threads[i].Comments[0])
	}
	return threads
}

// diffs computes the diffs from a pull request's base once per head.
type diffs struct {
	s     *Server
	rp    *repo
	base  string
	files map[string][]*gitdiff.File
}

// threadsOf groups a pull request's review comments into threads and
// returns them with the pull request's head and base.
func (s *Server) threadsOf(rp *repo, number int) (threads []Thread, head, base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := rp.pulls[number]; p != nil {
		head, base = p.HeadSHA, p.BaseSHA
	}
	index := map[int64]int{}
	for _, c := range rp.reviewComments {
		if c.pr != number {
			continue
		}
		if c.v.InReplyTo != nil {
			if i, ok := index[c.v.GetInReplyTo()]; ok {
				threads[i].Comments = append(threads[i].Comments, c.v)
			}
			continue
		}
		index[c.v.GetID()] = len(threads)
		threads = append(threads, Thread{
			ID: threadID(c.v.GetID()), Path: c.v.GetPath(), Line: c.v.GetLine(), Resolved: c.resolved,
			Comments: []*github.PullRequestComment{c.v},
		})
	}
	return threads, head, base
}

func threadID(rootID int64) string { return "PRRT_" + strconv.FormatInt(rootID, 10) }

// outdated tells whether the head no longer shows the root comment's line
// with the text it had in the commit the comment was made on. Comments on
// the base side (LEFT) are never outdated here.
func (d diffs) outdated(head string, root *github.PullRequestComment) bool {
	commit := root.GetOriginalCommitID()
	if commit == "" || commit == head || root.GetSide() == "LEFT" {
		return false
	}
	was, ok := d.rightLine(commit, root.GetPath(), root.GetOriginalLine())
	if !ok {
		return true
	}
	now, ok := d.rightLine(head, root.GetPath(), root.GetOriginalLine())
	return !ok || now != was
}

// rightLine returns the text of a line of the head side of the diff
// base..head, and false when the diff does not show it.
func (d diffs) rightLine(head, path string, line int) (string, bool) {
	files, ok := d.files[head]
	if !ok {
		var err error
		if _, files, err = d.s.diff(context.Background(), d.rp, d.base, head); err != nil {
			return "", false
		}
		d.files[head] = files
	}
	for _, f := range files {
		if f.NewName != path || f.IsDelete {
			continue
		}
		for _, frag := range f.TextFragments {
			n := int(frag.NewPosition)
			for _, l := range frag.Lines {
				if l.Op == gitdiff.OpDelete {
					continue
				}
				if n == line {
					return l.Line, true
				}
				n++
			}
		}
	}
	return "", false
}

// ReplyToReviewComment adds a reply by login (a person, or a bot when it
// ends in "[bot]") to the thread of review comment inReplyTo, as GitHub's
// POST .../pulls/{n}/comments/{id}/replies does.
func (s *Server) ReplyToReviewComment(fullName string, number int, inReplyTo int64, login, body string) (*github.PullRequestComment, error) {
	u := s.user(login)
	now := &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[fullName]
	if rp == nil {
		return nil, fmt.Errorf("githubfake: no repository %s", fullName)
	}
	var root *github.PullRequestComment
	rootID := inReplyTo
	for _, c := range rp.reviewComments {
		if c.pr == number && c.v.GetID() == inReplyTo && c.v.InReplyTo != nil {
			rootID = c.v.GetInReplyTo() // GitHub threads replies under the first comment
		}
	}
	for _, c := range rp.reviewComments {
		if c.pr == number && c.v.GetID() == rootID {
			root = c.v
		}
	}
	if root == nil {
		return nil, fmt.Errorf("githubfake: no review comment %d on %s#%d", inReplyTo, fullName, number)
	}
	id := s.newID()
	rc := &github.PullRequestComment{
		ID:                github.Int64(id),
		NodeID:            github.String(fmt.Sprintf("PRRC_%d", id)),
		InReplyTo:         github.Int64(root.GetID()),
		Path:              root.Path,
		Line:              root.Line,
		OriginalLine:      root.OriginalLine,
		Side:              root.Side,
		DiffHunk:          root.DiffHunk,
		CommitID:          root.CommitID,
		OriginalCommitID:  root.OriginalCommitID,
		Body:              github.String(body),
		User:              u,
		AuthorAssociation: github.String("CONTRIBUTOR"),
		CreatedAt:         now,
		UpdatedAt:         now,
		URL:               github.String(s.apiURL("/repos/%s/pulls/comments/%d", fullName, id)),
		HTMLURL:           github.String(s.htmlURL("/%s/pull/%d#discussion_r%d", fullName, number, id)),
		PullRequestURL:    github.String(s.apiURL("/repos/%s/pulls/%d", fullName, number)),
	}
	rp.reviewComments = append(rp.reviewComments, &reviewComment{pr: number, v: rc})
	return rc, nil
}

type graphQLRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

var graphQLOperation = regexp.MustCompile(`^\s*(query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)`)

// handleGraphQL serves the GraphQL operations the bot sends, recognised by
// their operation name: ReviewThreads (pullRequest.reviewThreads with
// their comments) and ResolveReviewThread. Anything else is answered with
// a GraphQL error, as GitHub answers a query it cannot parse.
func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.lookupToken(bearer(r))
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	var req graphQLRequest
	if !decodeBody(w, r, &req) {
		return
	}
	m := graphQLOperation.FindStringSubmatch(req.Query)
	if m == nil {
		writeGraphQLError(w, "", "the fake GitHub serves only named queries and mutations")
		return
	}
	switch m[1] + " " + m[2] {
	case "query ReviewThreads":
		s.graphQLReviewThreads(w, tok, req.Variables)
	case "mutation ResolveReviewThread":
		s.graphQLResolveThread(w, tok, req.Variables)
	default:
		writeGraphQLError(w, "", fmt.Sprintf("the fake GitHub does not serve %s %s", m[1], m[2]))
	}
}

func (s *Server) graphQLReviewThreads(w http.ResponseWriter, tok *token, vars map[string]any) {
	owner, _ := vars["owner"].(string)
	name, _ := vars["name"].(string)
	number, _ := vars["number"].(float64)
	fullName := owner + "/" + name
	rp := s.repo(fullName)
	if rp == nil || !tok.allows(fullName, "read", "pull_requests") {
		writeGraphQLError(w, "NOT_FOUND", fmt.Sprintf("Could not resolve to a Repository with the name '%s'.", fullName))
		return
	}
	s.mu.Lock()
	_, exists := rp.pulls[int(number)]
	s.mu.Unlock()
	if !exists {
		writeGraphQLError(w, "NOT_FOUND", fmt.Sprintf("Could not resolve to a PullRequest with the number of %d.", int(number)))
		return
	}
	const pageSize = 100
	start := 0
	if c, ok := vars["cursor"].(string); ok && c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "cursor:"))
		if err != nil || n < 0 {
			writeGraphQLError(w, "", "`"+c+"` does not appear to be a valid cursor.")
			return
		}
		start = n
	}
	threads := s.ReviewThreads(fullName, int(number))
	start = min(start, len(threads))
	end := min(start+pageSize, len(threads))
	nodes := []map[string]any{}
	for _, t := range threads[start:end] {
		var line any
		if !t.Outdated {
			line = t.Line
		}
		comments := []map[string]any{}
		for _, c := range t.Comments {
			comments = append(comments, map[string]any{
				"id": c.GetNodeID(), "databaseId": c.GetID(), "body": c.GetBody(),
				"author": map[string]any{"login": strings.TrimSuffix(c.GetUser().GetLogin(), "[bot]")},
			})
		}
		nodes = append(nodes, map[string]any{
			"id": t.ID, "isResolved": t.Resolved, "isOutdated": t.Outdated, "path": t.Path, "line": line,
			"originalLine": t.Comments[0].OriginalLine,
			"comments":     map[string]any{"nodes": comments},
		})
	}
	var endCursor any
	if end > 0 {
		endCursor = "cursor:" + strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"repository": map[string]any{"pullRequest": map[string]any{"reviewThreads": map[string]any{
			"pageInfo": map[string]any{"hasNextPage": end < len(threads), "endCursor": endCursor},
			"nodes":    nodes,
		}}},
	}})
}

func (s *Server) graphQLResolveThread(w http.ResponseWriter, tok *token, vars map[string]any) {
	id, _ := vars["threadId"].(string)
	rootID, err := strconv.ParseInt(strings.TrimPrefix(id, "PRRT_"), 10, 64)
	notFound := fmt.Sprintf("Could not resolve to a node with the global id of '%s'", id)
	if !strings.HasPrefix(id, "PRRT_") || err != nil {
		writeGraphQLError(w, "NOT_FOUND", notFound)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rp := range s.repos {
		for _, c := range rp.reviewComments {
			if c.v.GetID() != rootID || c.v.InReplyTo != nil {
				continue
			}
			if !tok.allows(rp.fullName, "write", "pull_requests") {
				writeGraphQLError(w, "FORBIDDEN", "Resource not accessible by integration")
				return
			}
			c.resolved = true
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
				"resolveReviewThread": map[string]any{"thread": map[string]any{"id": id, "isResolved": true}},
			}})
			return
		}
	}
	writeGraphQLError(w, "NOT_FOUND", notFound)
}

// writeGraphQLError answers as GitHub's GraphQL API does: status 200, no
// data, one error.
func writeGraphQLError(w http.ResponseWriter, typ, msg string) {
	e := map[string]any{"message": msg}
	if typ != "" {
		e["type"] = typ
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": nil, "errors": []any{e}})
}
