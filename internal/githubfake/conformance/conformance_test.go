package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// checker loads the description, skipping outside CI when it is missing.
func checker(t *testing.T) *Checker {
	t.Helper()
	c, err := Load()
	if errors.Is(err, ErrMissing) && os.Getenv("CI") == "" {
		t.Skipf("skipped outside CI: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s read and indexed in %v", c.Source, c.LoadTime)
	return c
}

func TestCheckRequest(t *testing.T) {
	c := checker(t)
	tests := []struct {
		name, method, target, body string
		reason                     string // "" when GitHub accepts it
	}{
		{"create check run", "POST", "/repos/o/r/check-runs", `{"name":"symposium","head_sha":"abc","status":"in_progress"}`, ""},
		{"bad check run status", "POST", "/repos/o/r/check-runs", `{"name":"symposium","head_sha":"abc","status":"running"}`, "status"},
		{"check run without name", "POST", "/repos/o/r/check-runs", `{"head_sha":"abc"}`, "name"},
		{"review comment", "POST", "/repos/o/r/pulls/2/reviews", `{"commit_id":"abc","event":"COMMENT","body":"x","comments":[{"path":"a.rs","line":3,"side":"RIGHT","body":"y"}]}`, ""},
		{"bad review event", "POST", "/repos/o/r/pulls/2/reviews", `{"event":"comment"}`, "event"},
		{"list pulls", "GET", "/repos/o/r/pulls?state=open&per_page=100", "", ""},
		{"bad query enum", "GET", "/repos/o/r/pulls?state=merged", "", "state"},
		{"non-integer path parameter", "GET", "/repos/o/r/pulls/abc", "", "pull_number"},
		{"issues comments before {number}", "PATCH", "/repos/o/r/issues/comments/7", `{"body":"x"}`, ""},
		{"no such path", "GET", "/repos/o/r/nonsense", "", "no such path"},
		{"no such method", "DELETE", "/repos/o/r/pulls/2", "", "no DELETE"},
		{"app token", "POST", "/app/installations/1/access_tokens", `{"repositories":["r"],"permissions":{"contents":"read"}}`, ""},
		{"bad permission level", "POST", "/app/installations/1/access_tokens", `{"permissions":{"contents":"admin"}}`, "contents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			_, err := c.CheckRequest(context.Background(), r, []byte(tt.body))
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("GitHub accepts it, but: %v", err)
			case tt.reason != "" && err == nil:
				t.Errorf("passed, want a mismatch about %q", tt.reason)
			case tt.reason != "" && !strings.Contains(err.Error(), tt.reason):
				t.Errorf("mismatch %v; want it to name %q", err, tt.reason)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	c := checker(t)
	r := httptest.NewRequest("GET", "/repos/o/r/check-runs/5", nil)
	checked, err := c.CheckRequest(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := c.CheckResponse(context.Background(), checked, 200, h, []byte(`{"id":"five"}`)); err == nil || !strings.Contains(err.Error(), "response") {
		t.Errorf("a check run with a string id passed: %v", err)
	}
	if err := c.CheckResponse(context.Background(), checked, 418, h, []byte(`{}`)); err == nil {
		t.Error("an undocumented status passed")
	}
}

func TestGraphQL(t *testing.T) {
	checker(t)
	g, err := LoadGraphQL()
	if err != nil {
		t.Fatal(err)
	}
	const threads = `query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100) { nodes { id isResolved comments(first: 1) { nodes { databaseId } } } }
    }
  }
}`
	const resolve = `mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }`
	tests := []struct {
		name, body, reason string
	}{
		{"review threads", `{"query":` + quote(threads) + `,"variables":{"owner":"o","name":"r","number":2}}`, ""},
		{"resolve thread", `{"query":` + quote(resolve) + `,"variables":{"id":"PRRT_x"}}`, ""},
		{"no such field", `{"query":"query { viewer { nonsense } }"}`, "nonsense"},
		{"missing variable", `{"query":` + quote(resolve) + `,"variables":{}}`, "id"},
		{"wrong variable type", `{"query":` + quote(threads) + `,"variables":{"owner":"o","name":"r","number":"two"}}`, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.Check([]byte(tt.body))
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("GitHub accepts it, but: %v", err)
			case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
				t.Errorf("got %v, want a mismatch naming %q", err, tt.reason)
			}
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
