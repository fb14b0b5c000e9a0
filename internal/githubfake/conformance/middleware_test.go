package conformance

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recordingTB keeps what For reports instead of failing the test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestMiddlewareReports: a bad request and a bad answer each fail the test
// once with the description's reason; the request is still served.
func TestMiddlewareReports(t *testing.T) {
	checker(t)
	rec := &recordingTB{TB: t}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"not a number","status":"queued"}`)
	})
	h := For(rec)(api)
	for range 2 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/repos/o/r/check-runs", strings.NewReader(`{"name":"n","head_sha":"abc","conclusion":"great"}`))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			t.Fatalf("served %d", w.Code)
		}
	}
	got := strings.Join(rec.errors, "\n")
	if len(rec.errors) != 1 || !strings.Contains(got, "conclusion") {
		t.Errorf("reported:\n%s\nwant the request's conclusion once (a bad request is not checked further)", got)
	}
	rec.errors = nil
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/repos/o/r/check-runs", strings.NewReader(`{"name":"n","head_sha":"abc"}`))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, r)
	if got := strings.Join(rec.errors, "\n"); len(rec.errors) != 1 || !strings.Contains(got, "response") || !strings.Contains(got, "/id") {
		t.Errorf("reported:\n%s\nwant the answer's id", got)
	}
}
