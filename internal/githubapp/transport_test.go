package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of fakeWire: a response or a connection error.
type reply struct {
	status  int
	headers map[string]string
	body    string
	err     error
}

// fakeWire answers requests from a script and records what it was sent.
type fakeWire struct {
	mu      sync.Mutex
	script  []reply
	methods []string
	bodies  []string
}

func (f *fakeWire) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var body string
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		body = string(b)
	}
	f.methods = append(f.methods, req.Method)
	f.bodies = append(f.bodies, body)
	r := reply{status: 200}
	if len(f.script) > 0 {
		r, f.script = f.script[0], f.script[1:]
	}
	if r.err != nil {
		return nil, r.err
	}
	resp := &http.Response{
		StatusCode: r.status,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader(r.body)),
		Request:    req,
	}
	for k, v := range r.headers {
		resp.Header.Set(k, v)
	}
	return resp, nil
}

// fakeClock is a clock that only moves when the transport sleeps.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func newTestTransport(wire *fakeWire, opts TransportOptions) (*resilientTransport, *fakeClock) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	t := newResilientTransport(wire, opts)
	t.now = clock.Now
	t.sleep = clock.Sleep
	return t, clock
}

func TestResilientTransport(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	resetIn := func(d time.Duration) string { return strconv.FormatInt(start.Add(d).Unix(), 10) }
	errConn := errors.New("connection reset by peer")
	opts := TransportOptions{WriteInterval: -1, RetryBase: 100 * time.Millisecond, SecondaryBase: 5 * time.Second}

	tests := []struct {
		name       string
		method     string
		script     []reply
		wantStatus int    // 0 when an error is expected
		wantErr    string // substring
		wantRLE    bool   // error is a *RateLimitError
		wantCalls  int
		checkSleep func(t *testing.T, sleeps []time.Duration)
	}{
		{
			name:   "primary limit resetting soon is waited out",
			method: "GET",
			script: []reply{
				{status: 403, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetIn(20 * time.Second)}, body: `{"message":"API rate limit exceeded"}`},
				{status: 200},
			},
			wantStatus: 200, wantCalls: 2,
			checkSleep: func(t *testing.T, s []time.Duration) {
				if len(s) != 1 || s[0] != 21*time.Second {
					t.Errorf("sleeps = %v, want [21s]", s)
				}
			},
		},
		{
			name:   "primary limit resetting late is an error to reschedule",
			method: "GET",
			script: []reply{
				{status: 403, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": resetIn(30 * time.Minute)}},
			},
			wantRLE: true, wantCalls: 1,
		},
		{
			name:   "secondary limit with Retry-After",
			method: "POST",
			script: []reply{
				{status: 403, headers: map[string]string{"Retry-After": "7"}, body: `{"message":"You have exceeded a secondary rate limit"}`},
				{status: 201},
			},
			wantStatus: 201, wantCalls: 2,
			checkSleep: func(t *testing.T, s []time.Duration) {
				if len(s) != 1 || s[0] != 7*time.Second {
					t.Errorf("sleeps = %v, want [7s]", s)
				}
			},
		},
		{
			name:   "secondary limit without Retry-After backs off exponentially",
			method: "POST",
			script: []reply{
				{status: 403, body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes"}`},
				{status: 429, body: `{"message":"You have exceeded a secondary rate limit."}`},
				{status: 201},
			},
			wantStatus: 201, wantCalls: 3,
			checkSleep: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] != 5*time.Second || s[1] != 10*time.Second {
					t.Errorf("sleeps = %v, want [5s 10s]", s)
				}
			},
		},
		{
			name:   "secondary limit longer than the bound is an error",
			method: "POST",
			script: []reply{
				{status: 429, headers: map[string]string{"Retry-After": "600"}},
			},
			wantRLE: true, wantCalls: 1,
		},
		{
			name:       "5xx is retried with the body replayed",
			method:     "POST",
			script:     []reply{{status: 502}, {status: 500}, {status: 201}},
			wantStatus: 201, wantCalls: 3,
			checkSleep: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] < 50*time.Millisecond || s[0] > 100*time.Millisecond || s[1] < 100*time.Millisecond || s[1] > 200*time.Millisecond {
					t.Errorf("sleeps = %v, want jittered 50–100ms then 100–200ms", s)
				}
			},
		},
		{
			name:       "5xx gives up after MaxAttempts and returns the response",
			method:     "GET",
			script:     []reply{{status: 503}, {status: 503}, {status: 503}, {status: 503}, {status: 200}},
			wantStatus: 503, wantCalls: 4,
		},
		{
			name:       "connection error is retried",
			method:     "GET",
			script:     []reply{{err: errConn}, {status: 200}},
			wantStatus: 200, wantCalls: 2,
		},
		{
			name:    "connection errors give up after MaxAttempts",
			method:  "GET",
			script:  []reply{{err: errConn}, {err: errConn}, {err: errConn}, {err: errConn}},
			wantErr: "giving up after 4 attempts", wantCalls: 4,
		},
		{name: "404 is not retried", method: "GET", script: []reply{{status: 404}, {status: 200}}, wantStatus: 404, wantCalls: 1},
		{name: "422 is not retried", method: "POST", script: []reply{{status: 422}, {status: 201}}, wantStatus: 422, wantCalls: 1},
		{
			name:   "403 without a rate limit is not retried",
			method: "GET",
			script: []reply{
				{status: 403, headers: map[string]string{"X-RateLimit-Remaining": "4000"}, body: `{"message":"Resource not accessible by integration"}`},
				{status: 200},
			},
			wantStatus: 403, wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := &fakeWire{script: tc.script}
			tr, clock := newTestTransport(wire, opts)
			req, _ := http.NewRequest(tc.method, "https://api.github.com/repos/o/r/pulls/1/reviews", strings.NewReader(`{"event":"COMMENT"}`))
			resp, err := tr.RoundTrip(req)
			switch {
			case tc.wantRLE:
				var rle *RateLimitError
				if !errors.As(err, &rle) {
					t.Fatalf("err = %v, want *RateLimitError", err)
				}
				if !rle.Reset.After(start) {
					t.Errorf("reset %v is not in the future", rle.Reset)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
				}
				b, _ := io.ReadAll(resp.Body)
				if want := tc.script[len(wire.methods)-1].body; string(b) != want {
					t.Errorf("body = %q, want %q", b, want)
				}
			}
			if len(wire.methods) != tc.wantCalls {
				t.Errorf("calls = %d, want %d", len(wire.methods), tc.wantCalls)
			}
			for i, body := range wire.bodies {
				if body != `{"event":"COMMENT"}` {
					t.Errorf("attempt %d sent body %q", i+1, body)
				}
			}
			if tc.checkSleep != nil {
				tc.checkSleep(t, clock.sleeps)
			}
		})
	}
}

func TestResilientTransportRemembersExhaustedLimit(t *testing.T) {
	reset := time.Unix(1_700_000_000, 0).Add(10 * time.Second)
	wire := &fakeWire{script: []reply{
		{status: 200, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(reset.Unix(), 10)}},
		{status: 200},
	}}
	tr, clock := newTestTransport(wire, TransportOptions{WriteInterval: -1})
	for range 2 {
		req, _ := http.NewRequest("GET", "https://api.github.com/repos/o/r", nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	if len(clock.sleeps) != 1 || clock.sleeps[0] != 11*time.Second {
		t.Errorf("sleeps = %v, want one wait of 11s before the second request", clock.sleeps)
	}
}

func TestResilientTransportSpacesWrites(t *testing.T) {
	wire := &fakeWire{}
	tr, clock := newTestTransport(wire, TransportOptions{WriteInterval: 3 * time.Second})
	for _, m := range []string{"POST", "GET", "PATCH", "GET", "DELETE"} {
		req, _ := http.NewRequest(m, "https://api.github.com/repos/o/r/check-runs", nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	// The first write goes at once; each later write waits out the interval.
	want := []time.Duration{3 * time.Second, 3 * time.Second}
	if len(clock.sleeps) != len(want) || clock.sleeps[0] != want[0] || clock.sleeps[1] != want[1] {
		t.Errorf("sleeps = %v, want %v", clock.sleeps, want)
	}
}

func TestResilientTransportSerialisesWrites(t *testing.T) {
	inFlight, maxInFlight := 0, 0
	var mu sync.Mutex
	wire := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return &http.Response{StatusCode: 201, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	})
	tr := newResilientTransport(wire, TransportOptions{WriteInterval: time.Millisecond})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "https://api.github.com/repos/o/r/issues/1/comments", strings.NewReader("{}"))
			if _, err := tr.RoundTrip(req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxInFlight != 1 {
		t.Errorf("%d writes in flight at once, want 1", maxInFlight)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRouteTemplate(t *testing.T) {
	tests := map[string]string{
		"/repos/o/r/pulls/12/reviews":                                            "/repos/{owner}/{repo}/pulls/{n}/reviews",
		"/api/v3/repos/o/r/check-runs/99":                                        "/repos/{owner}/{repo}/check-runs/{n}",
		"/repos/o/r/contents/.github/symposium.toml":                             "/repos/{owner}/{repo}/contents/{path}",
		"/repos/o/r/collaborators/alice/permission":                              "/repos/{owner}/{repo}/collaborators/{name}/permission",
		"/repos/o/r/commits/0123456789abcdef0123456789abcdef01234567/check-runs": "/repos/{owner}/{repo}/commits/{name}/check-runs",
		"/app/installations/7/access_tokens":                                     "/app/installations/{n}/access_tokens",
		"/app":                                                                   "/app",
		"/":                                                                      "/",
	}
	for in, want := range tests {
		if got := routeTemplate(in); got != want {
			t.Errorf("routeTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsWrite(t *testing.T) {
	q := func(doc string) []byte {
		b, _ := json.Marshal(map[string]any{"query": doc, "variables": map[string]any{}})
		return b
	}
	tests := []struct {
		name, method, path string
		body               []byte
		want               bool
	}{
		{"GET", "GET", "/repos/o/r/pulls/1", nil, false},
		{"REST POST", "POST", "/repos/o/r/check-runs", []byte(`{"name":"x"}`), true},
		{"PATCH", "PATCH", "/repos/o/r/check-runs/1", nil, true},
		{"PUT", "PUT", "/repos/o/r/contents/x", nil, true},
		{"DELETE", "DELETE", "/repos/o/r/git/refs/x", nil, true},
		{"GraphQL named query", "POST", "/graphql", q("query ReviewThreads($n: Int!) { repository { id } }"), false},
		{"GraphQL query on GHES", "POST", "/api/graphql", q("\n  # threads\n  query { viewer { login } }"), false},
		{"GraphQL shorthand query", "POST", "/graphql", q("{ viewer { login } }"), false},
		{"GraphQL mutation", "POST", "/graphql", q("mutation Resolve($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id } } }"), true},
		{"GraphQL query then mutation", "POST", "/graphql", q("query A { viewer { login } } mutation B { x }"), true},
		{"GraphQL name starting with query", "POST", "/graphql", q("queryish { x }"), true},
		{"GraphQL subscription", "POST", "/graphql", q("subscription { x }"), true},
		{"GraphQL body not JSON", "POST", "/graphql", []byte("query { x }"), true},
		{"query-like body on REST", "POST", "/repos/o/r/issues", q("query { x }"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isWrite(tc.method, tc.path, tc.body); got != tc.want {
				t.Errorf("isWrite = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestResilientTransportDoesNotPaceGraphQLQueries(t *testing.T) {
	wire := &fakeWire{}
	tr, clock := newTestTransport(wire, TransportOptions{WriteInterval: 3 * time.Second})
	send := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "https://api.github.com"+path, strings.NewReader(body))
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	send("POST", "/repos/o/r/check-runs", `{}`)
	send("POST", "/graphql", `{"query":"query Threads { viewer { login } }"}`)
	if len(clock.sleeps) != 0 {
		t.Fatalf("a GraphQL query waited %v after a write", clock.sleeps)
	}
	send("POST", "/repos/o/r/pulls/1/reviews", `{}`)
	send("POST", "/graphql", `{"query":"mutation M { resolveReviewThread(input: {threadId: \"x\"}) { thread { id } } }"}`)
	want := []time.Duration{3 * time.Second, 3 * time.Second}
	if len(clock.sleeps) != len(want) || clock.sleeps[0] != want[0] || clock.sleeps[1] != want[1] {
		t.Errorf("sleeps = %v, want %v: the review and the mutation are paced writes", clock.sleeps, want)
	}
}
