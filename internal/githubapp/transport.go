package githubapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
)

// TransportOptions tunes how requests to GitHub are paced and retried.
// The zero value of a field means its default.
type TransportOptions struct {
	// MaxRateLimitWait is the longest the transport sleeps for a rate limit
	// to reset. A longer wait is returned as a *RateLimitError so the caller
	// can reschedule instead of holding a worker. Default 60 s.
	MaxRateLimitWait time.Duration
	// WriteInterval is the minimum spacing between the starts of two
	// content-creating requests (POST, PATCH, PUT, DELETE) of one
	// installation, which are also sent one at a time. Default 1 s;
	// a negative value disables spacing (tests).
	WriteInterval time.Duration
	// MaxAttempts bounds the attempts of one request on server errors,
	// connection errors and secondary rate limits. Default 4.
	MaxAttempts int
	// RetryBase is the first backoff after a server or connection error;
	// it doubles on each attempt, with jitter. Default 1 s.
	RetryBase time.Duration
	// SecondaryBase is the first backoff after a secondary rate limit that
	// carries no Retry-After header; it doubles on each attempt. GitHub asks
	// for at least one minute, the default.
	SecondaryBase time.Duration
}

func (o TransportOptions) withDefaults() TransportOptions {
	if o.MaxRateLimitWait == 0 {
		o.MaxRateLimitWait = 60 * time.Second
	}
	if o.WriteInterval == 0 {
		o.WriteInterval = time.Second
	}
	if o.WriteInterval < 0 {
		o.WriteInterval = 0
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.RetryBase == 0 {
		o.RetryBase = time.Second
	}
	if o.SecondaryBase == 0 {
		o.SecondaryBase = time.Minute
	}
	return o
}

// RateLimitError reports a GitHub rate limit that resets later than the
// transport is willing to wait. A worker turns it into its retry delay.
type RateLimitError struct {
	// Reset is when GitHub allows requests again.
	Reset time.Time
	// Secondary is true for a secondary (abuse) rate limit.
	Secondary bool
	// Method and Path name the request that hit the limit.
	Method, Path string
}

// Error implements error.
func (e *RateLimitError) Error() string {
	kind := "primary"
	if e.Secondary {
		kind = "secondary"
	}
	return fmt.Sprintf("github %s rate limit on %s %s: retry after %s",
		kind, e.Method, e.Path, e.Reset.UTC().Format(time.RFC3339))
}

// RetryAfter is how long from now the caller should wait before retrying.
func (e *RateLimitError) RetryAfter() time.Duration {
	if d := time.Until(e.Reset); d > 0 {
		return d
	}
	return time.Second
}

// resilientTransport paces, retries and waits out rate limits for one
// installation (or the app itself). It sits above ghinstallation so that
// every attempt gets a valid token.
type resilientTransport struct {
	next http.RoundTripper
	opts TransportOptions

	writeGate chan struct{}
	mu        sync.Mutex
	lastWrite time.Time
	blocked   map[string]time.Time // rate-limit resource → reset time

	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func newResilientTransport(next http.RoundTripper, opts TransportOptions) *resilientTransport {
	return &resilientTransport{
		next:      next,
		opts:      opts.withDefaults(),
		writeGate: make(chan struct{}, 1),
		blocked:   map[string]time.Time{},
		now:       time.Now,
		sleep:     sleepContext,
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isWrite tells whether a request creates or changes content, which GitHub
// asks clients to space by a second: POST, PATCH, PUT and DELETE — but a
// GraphQL POST whose document is a query only reads (GitHub's secondary
// limits count it as one point, like a GET), so it is not paced. A GraphQL
// body that cannot be read as a query counts as a write.
func isWrite(method, path string, body []byte) bool {
	switch method {
	case http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPost:
		return !(resourceOf(path) == "graphql" && isGraphQLQuery(body))
	}
	return false
}

// isGraphQLQuery tells whether a GraphQL request body holds a query
// operation (`query …` or the shorthand `{ … }`) and no mutation.
func isGraphQLQuery(body []byte) bool {
	var req struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(body, &req) != nil {
		return false
	}
	doc := req.Query
	for {
		doc = strings.TrimLeft(doc, " \t\r\n,\ufeff")
		if !strings.HasPrefix(doc, "#") {
			break
		}
		_, doc, _ = strings.Cut(doc, "\n")
	}
	if !strings.HasPrefix(doc, "{") && !(strings.HasPrefix(doc, "query") && !isNameChar(doc, len("query"))) {
		return false
	}
	// One operation per request here; a document that also names a
	// mutation or subscription is a write.
	return !strings.Contains(doc, "mutation") && !strings.Contains(doc, "subscription")
}

// isNameChar tells whether s[i] continues a GraphQL name.
func isNameChar(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// resourceOf guesses the rate-limit resource a request counts against.
func resourceOf(path string) string {
	path = strings.TrimPrefix(path, "/api/v3")
	switch {
	case strings.HasPrefix(path, "/search/"):
		return "search"
	case path == "/graphql" || path == "/api/graphql":
		return "graphql"
	}
	return "core"
}

// RoundTrip implements http.RoundTripper.
func (t *resilientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	resource := resourceOf(req.URL.Path)
	write := isWrite(req.Method, req.URL.Path, body)
	failures, secondary := 0, 0
	for attempt := 1; ; attempt++ {
		if err := t.waitPrimary(ctx, req, resource); err != nil {
			return nil, err
		}
		try := req.Clone(withAttempt(ctx, attempt))
		if body != nil {
			try.Body = io.NopCloser(bytes.NewReader(body))
			try.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			try.ContentLength = int64(len(body))
		}
		resp, err := t.send(ctx, try, write)
		if ctxErr := ctx.Err(); ctxErr != nil {
			closeBody(resp)
			return nil, ctxErr
		}
		if err != nil {
			if !retryableError(err) {
				return nil, err
			}
			failures++
			if failures >= t.opts.MaxAttempts {
				return nil, fmt.Errorf("%s %s: giving up after %d attempts: %w", req.Method, req.URL.Path, attempt, err)
			}
			retries.WithLabelValues("error").Inc()
			if err := t.sleep(ctx, jitter(t.opts.RetryBase, failures)); err != nil {
				return nil, err
			}
			continue
		}
		t.record(resp, resource)

		switch {
		case resp.StatusCode >= 500:
			failures++
			if failures >= t.opts.MaxAttempts {
				return resp, nil
			}
			closeBody(resp)
			retries.WithLabelValues("server_error").Inc()
			if err := t.sleep(ctx, jitter(t.opts.RetryBase, failures)); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
			wait, limited, isSecondary, err := t.rateLimitWait(resp, secondary)
			if err != nil {
				return nil, err
			}
			if !limited {
				return resp, nil
			}
			closeBody(resp)
			if isSecondary {
				secondary++
			}
			reset := t.now().Add(wait)
			if wait > t.opts.MaxRateLimitWait || secondary >= t.opts.MaxAttempts {
				return nil, &RateLimitError{Reset: reset, Secondary: isSecondary, Method: req.Method, Path: req.URL.Path}
			}
			if isSecondary {
				retries.WithLabelValues("secondary_rate_limit").Inc()
			} else {
				retries.WithLabelValues("primary_rate_limit").Inc()
			}
			if err := t.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		return resp, nil
	}
}

// send runs one attempt; writes (see isWrite) go one at a time per
// installation, spaced by WriteInterval.
func (t *resilientTransport) send(ctx context.Context, req *http.Request, write bool) (*http.Response, error) {
	if !write {
		return t.next.RoundTrip(req)
	}
	select {
	case t.writeGate <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-t.writeGate }()
	t.mu.Lock()
	wait := t.lastWrite.Add(t.opts.WriteInterval).Sub(t.now())
	t.mu.Unlock()
	if wait > 0 {
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	t.mu.Lock()
	t.lastWrite = t.now()
	t.mu.Unlock()
	return t.next.RoundTrip(req)
}

// waitPrimary waits for a primary rate limit seen on an earlier response,
// or fails with a *RateLimitError when its reset is too far away.
func (t *resilientTransport) waitPrimary(ctx context.Context, req *http.Request, resource string) error {
	t.mu.Lock()
	reset, ok := t.blocked[resource]
	t.mu.Unlock()
	if !ok {
		return nil
	}
	wait := reset.Sub(t.now())
	if wait <= 0 {
		t.mu.Lock()
		delete(t.blocked, resource)
		t.mu.Unlock()
		return nil
	}
	if wait > t.opts.MaxRateLimitWait {
		return &RateLimitError{Reset: reset, Method: req.Method, Path: req.URL.Path}
	}
	return t.sleep(ctx, wait)
}

// record remembers an exhausted primary limit from any response.
func (t *resilientTransport) record(resp *http.Response, resource string) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	reset, ok := parseReset(resp.Header.Get("X-RateLimit-Reset"))
	if !ok {
		return
	}
	if r := resp.Header.Get("X-RateLimit-Resource"); r != "" {
		resource = r
	}
	t.mu.Lock()
	// One second of slack: GitHub's reset is a whole second.
	t.blocked[resource] = reset.Add(time.Second)
	t.mu.Unlock()
}

// rateLimitWait tells whether a 403/429 is a rate limit and how long to
// wait. The response body is buffered and restored for the caller.
func (t *resilientTransport) rateLimitWait(resp *http.Response, secondaryStrikes int) (wait time.Duration, limited, secondary bool, err error) {
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, ok := parseReset(resp.Header.Get("X-RateLimit-Reset")); ok {
			return max(reset.Add(time.Second).Sub(t.now()), 0), true, false, nil
		}
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if secs, convErr := strconv.Atoi(strings.TrimSpace(ra)); convErr == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true, true, nil
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return 0, false, false, fmt.Errorf("read %d response: %w", resp.StatusCode, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	lower := strings.ToLower(string(body))
	if strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse detection") {
		return t.opts.SecondaryBase << secondaryStrikes, true, true, nil
	}
	return 0, false, false, nil
}

func parseReset(v string) (time.Time, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// retryableError tells whether a failed attempt may be retried: connection
// problems yes, a token request GitHub answered with a 4xx no.
func retryableError(err error) bool {
	var rle *RateLimitError
	if errors.As(err, &rle) {
		return false
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		return he.Response.StatusCode >= 500
	}
	return true
}

// jitter is exponential backoff with "equal jitter": half fixed, half random.
func jitter(base time.Duration, failures int) time.Duration {
	d := base << (failures - 1)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("buffer %s %s request body: %w", req.Method, req.URL.Path, err)
	}
	return b, nil
}

func closeBody(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
