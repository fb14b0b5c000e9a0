package githubfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

// TestGraphQLErrors: the endpoint wants a token, answers only the
// operations it knows, and hides repositories the token cannot read.
func TestGraphQLErrors(t *testing.T) {
	f := newFixture(t, Options{})
	all := f.srv.IssueToken(nil, nil)
	other := f.srv.IssueToken([]string{"octo-org/elsewhere"}, nil)
	readOnly := f.srv.IssueToken(nil, map[string]string{"pull_requests": "read"})
	threads := `query ReviewThreads($owner: String!, $name: String!, $number: Int!) { repository { id } }`
	resolve := `mutation ResolveReviewThread($threadId: ID!) { resolveReviewThread { thread { id } } }`
	vars := map[string]any{"owner": "octo-org", "name": "hello", "number": 1}
	for _, tc := range []struct {
		name, token, query string
		vars               map[string]any
		status             int
		want               string
	}{
		{"no token", "", threads, vars, http.StatusUnauthorized, "Bad credentials"},
		{"unknown operation", all, `query Viewer { viewer { login } }`, nil, http.StatusOK, "does not serve query Viewer"},
		{"anonymous operation", all, `{ viewer { login } }`, nil, http.StatusOK, "only named"},
		{"other repository", other, threads, vars, http.StatusOK, `"NOT_FOUND"`},
		{"no such pull request", all, threads, map[string]any{"owner": "octo-org", "name": "hello", "number": 99}, http.StatusOK, "PullRequest with the number of 99"},
		{"bad cursor", all, threads, map[string]any{"owner": "octo-org", "name": "hello", "number": 1, "cursor": "x"}, http.StatusOK, "valid cursor"},
		{"empty", all, threads, vars, http.StatusOK, `"nodes":[]`},
		{"unknown thread", all, resolve, map[string]any{"threadId": "PRRT_1"}, http.StatusOK, `"NOT_FOUND"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postGraphQL(t, f.srv, tc.token, tc.query, tc.vars)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d body %s; want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}

	// A read-only token cannot resolve.
	rc, err := f.srv.ReplyToReviewComment(testRepo, 1, 1, "alice", "x")
	if err == nil || rc != nil {
		t.Errorf("reply to a missing comment: %v, %v", rc, err)
	}
	f.srv.mu.Lock()
	rp := f.srv.repos[testRepo]
	rp.reviewComments = append(rp.reviewComments, &reviewComment{pr: 1, v: &github.PullRequestComment{ID: github.Int64(42), Path: github.String("src/lib.rs"), Line: github.Int(2)}})
	f.srv.mu.Unlock()
	if status, body := postGraphQL(t, f.srv, readOnly, resolve, map[string]any{"threadId": "PRRT_42"}); status != http.StatusOK || !strings.Contains(body, "FORBIDDEN") {
		t.Errorf("read-only resolve: %d %s", status, body)
	}
	if got := f.srv.ReviewThreads(testRepo, 1); len(got) != 1 || got[0].Resolved {
		t.Errorf("threads after a refused resolve: %+v", got)
	}
}

func postGraphQL(t *testing.T, s *Server, token, query string, vars map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, s.URL()+graphQLPath, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}
