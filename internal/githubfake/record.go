package githubfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Method string
	// Path is the full URL path, e.g. "/api/v3/repos/o/r/pulls/1" or "/o/r.git/info/refs".
	Path  string
	Query url.Values
	// Header holds the request headers without Authorization.
	Header http.Header
	// Body is the request body (nil for git requests, whose packs are not kept).
	Body []byte
	// Status is the status code answered (0 while the request is in flight).
	Status int
	// Fault is true when an injected fault answered the request.
	Fault bool
	Time  time.Time
}

func (s *Server) record(r *http.Request, body []byte) int {
	h := r.Header.Clone()
	h.Del("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Header: h, Body: body, Time: time.Now(),
	})
	return len(s.requests) - 1
}

func (s *Server) setStatus(idx, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[idx].Status = status
}

func (s *Server) markFault(r *http.Request) {
	// The request being served is the last recorded one with this method and path
	// whose status is still unset.
	for i := len(s.requests) - 1; i >= 0; i-- {
		if s.requests[i].Status == 0 && s.requests[i].Method == r.Method && s.requests[i].Path == r.URL.Path {
			s.requests[i].Fault = true
			return
		}
	}
}

// Requests returns a copy of every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsMatching returns the recorded requests with this method ("" = any)
// whose path matches the regular expression.
func (s *Server) RequestsMatching(method, pathRegexp string) []Request {
	re := regexp.MustCompile(pathRegexp)
	var out []Request
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && re.MatchString(r.Path) {
			out = append(out, r)
		}
	}
	return out
}

// Match selects requests for a fault.
type Match struct {
	// Method is the HTTP method; empty matches any.
	Method string
	// PathRegexp is matched against the full URL path (e.g. `/pulls/\d+/reviews$`); empty matches any.
	PathRegexp string
}

// Fault is what an injected fault does to a matched request.
type Fault struct {
	// Status answers the request with this code instead of serving it; 0 serves it normally
	// (after Delay). 403 with RetryAfter > 0 is GitHub's secondary rate limit.
	Status int
	// RetryAfter sets the Retry-After header (whole seconds).
	RetryAfter time.Duration
	// Message overrides the error message.
	Message string
	// Delay waits this long before answering.
	Delay time.Duration
	// Times is how many requests the fault applies to; 0 means every matching request.
	Times int
}

type faultRule struct {
	method string
	path   *regexp.Regexp
	fault  Fault
	left   int
}

// InjectFault makes matching requests fail or slow down. Rules are tried in
// the order they were added; the first one with uses left applies.
// It panics on an invalid PathRegexp, as regexp.MustCompile does.
func (s *Server) InjectFault(m Match, f Fault) {
	rule := &faultRule{method: m.Method, fault: f, left: f.Times}
	if m.PathRegexp != "" {
		rule.path = regexp.MustCompile(m.PathRegexp)
	}
	if f.Times == 0 {
		rule.left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, rule)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) matchFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rule := range s.faults {
		if rule.left == 0 {
			continue
		}
		if rule.method != "" && rule.method != r.Method {
			continue
		}
		if rule.path != nil && !rule.path.MatchString(r.URL.Path) {
			continue
		}
		if rule.left > 0 {
			rule.left--
		}
		if rule.fault.Status != 0 {
			s.markFault(r)
		}
		f := rule.fault
		return &f
	}
	return nil
}

func writeFault(w http.ResponseWriter, f *Fault) {
	msg := f.Message
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	doc := "https://docs.github.com/rest"
	if f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests {
		doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	}
	switch {
	case msg != "":
	case f.Status == http.StatusForbidden || f.Status == http.StatusTooManyRequests:
		msg = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
			"If you reach out to GitHub Support for help, please include the request ID FAKE."
	case f.Status >= 500:
		msg = "Server Error"
	default:
		msg = http.StatusText(f.Status)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.Status)
	_ = json.NewEncoder(w).Encode(errorBody{
		Message:          msg,
		DocumentationURL: doc,
	})
}
