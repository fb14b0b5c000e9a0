package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
)

// For returns the middleware that the fake GitHub runs around its REST API
// (githubfake.Options.Conformance): every request and answer is checked,
// and each distinct mismatch fails t with the description's reason; a POST
// to /graphql is checked against GitHub's GraphQL schema instead. When the
// description or the schema is missing it fails t under CI (CI set) and,
// outside CI, logs that conformance is not checked and returns nil (no
// middleware).
func For(t testing.TB) func(http.Handler) http.Handler {
	t.Helper()
	c, err := Load()
	var g *GraphQL
	if err == nil {
		g, err = LoadGraphQL()
	}
	if err != nil {
		if os.Getenv("CI") != "" || !errors.Is(err, ErrMissing) {
			t.Fatalf("GitHub API conformance: %v", err)
		}
		t.Logf("GitHub API conformance NOT checked: %v", err)
		return nil
	}
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if msg := err.Error(); !seen[msg] {
			seen[msg] = true
			t.Errorf("%s", msg)
		}
	}
	return func(next http.Handler) http.Handler {
		rest := c.Middleware(next, report)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// GitHub.com serves GraphQL at /graphql beside the REST root,
			// GitHub Enterprise Server (and the fake, whose REST root is
			// /api/v3/) at /api/graphql.
			if r.URL.Path != "/graphql" && r.URL.Path != "/api/graphql" {
				rest.ServeHTTP(w, r)
				return
			}
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if err := g.Check(body); err != nil {
				report(fmt.Errorf("GitHub API conformance: %s %s: %w", r.Method, r.URL.Path, err))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Middleware checks every request to next (URL path relative to the API
// root) and next's answer, calling report for each mismatch. The request
// is served whatever the outcome, so that the test goes on to its end.
func (c *Checker) Middleware(next http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		checked, err := c.CheckRequest(r.Context(), r, body)
		if err != nil {
			report(err)
		}
		rec := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if checked == nil {
			return
		}
		if err := c.CheckResponse(r.Context(), checked, rec.status, w.Header(), rec.body.Bytes()); err != nil {
			report(err)
		}
	})
}

// teeWriter keeps a copy of the status and body written.
type teeWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (t *teeWriter) WriteHeader(code int) {
	if !t.wrote {
		t.status, t.wrote = code, true
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.wrote = true
	t.body.Write(b)
	return t.ResponseWriter.Write(b)
}
