package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtures holds real GitHub webhook payloads (copied from octokit/webhooks).
const fixtures = "testdata/github-webhooks"

const testSecret = "test-secret"

// fixtureEvent maps a fixture file name to its X-GitHub-Event.
func fixtureEvent(name string) string {
	base := filepath.Base(name)
	return base[:strings.IndexByte(base, '.')]
}

func loadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editFixture decodes a fixture, lets edit change it and encodes it again.
func editFixture(t testing.TB, name string, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(loadFixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// prComment turns the issue_comment fixture into a comment on a pull
// request with the given body.
func prComment(t testing.TB, body string) []byte {
	return editFixture(t, "issue_comment.created.with-installation.payload.json", func(m map[string]any) {
		m["comment"].(map[string]any)["body"] = body
		m["issue"].(map[string]any)["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"}
	})
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// delivery builds a signed POST /webhook request.
func delivery(event, id string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", id)
	r.Header.Set("X-Hub-Signature-256", sign(testSecret, body))
	return r
}

// do serves r and decodes the JSON answer.
func do(t testing.TB, h http.Handler, r *http.Request) (int, Response) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var resp Response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("answer %d is not JSON: %q", w.Code, w.Body.String())
	}
	return w.Code, resp
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func newGet(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }
