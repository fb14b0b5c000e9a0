// Package githubfake is a fake GitHub for tests and `symposium demo`.
//
// It serves the REST endpoints the bot uses with GitHub's JSON shapes (the
// responses are go-github v62 values), GitHub's validation where the bot can
// get it wrong (review comments outside the diff, too many annotations, bad
// enums), GitHub App authentication (RS256 app JWTs, installation tokens with
// repository and permission scopes) and real git over smart HTTP through
// `git http-backend`.
//
// Layout, like GitHub Enterprise Server:
//
//	<URL>/api/v3/...              the REST API (APIURL); go-github's
//	                              WithEnterpriseURLs(URL(), URL()) and
//	                              ghinstallation's BaseURL = APIURL() both work
//	<URL>/<owner>/<repo>.git      git smart HTTP (GitURL() + "/<owner>/<repo>.git")
//
// The fake has one app with one installation, which covers every repository
// added with AddRepo. Every request is recorded (Requests) and faults can be
// injected (InjectFault).
package githubfake

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
)

// apiPrefix is where the REST API is rooted, as on GitHub Enterprise Server.
const apiPrefix = "/api/v3"

// Options configures a Server. The zero value is usable.
type Options struct {
	// AppID is the GitHub App's id (default 1).
	AppID int64
	// AppSlug is the app's slug; its bot user is "<slug>[bot]" (default "symposium").
	AppSlug string
	// InstallationID is the id of the app's single installation (default 1).
	InstallationID int64
	// InstallationAccount is the login of the account the app is installed on (default "octo-org").
	InstallationAccount string
	// PrivateKeyPEM is the app's RSA private key; one is generated when empty.
	PrivateKeyPEM []byte
	// Permissions are the installation's permissions; default: contents, pull_requests,
	// checks and issues "write", metadata "read".
	Permissions map[string]string
	// TokenTTL is the lifetime of installation tokens (default 1h).
	TokenTTL time.Duration
	// RateLimit is the primary rate limit per hour reported in X-RateLimit-* headers (default 5000).
	RateLimit int
	// WebhookURL is where SendWebhook and redeliveries post events; settable later with SetWebhook.
	WebhookURL string
	// WebhookSecret signs webhook deliveries (X-Hub-Signature-256).
	WebhookSecret string
	// GitBinary is the git executable (default "git").
	GitBinary string
	// Logger receives the fake's own logs (default: discarded).
	Logger *slog.Logger
	// Conformance, when set, wraps the REST API (paths relative to
	// /api/v3, GraphQL as /graphql; not git, faults or rate limiting):
	// tests set it to conformance.For(t) to check every request and
	// answer against GitHub's OpenAPI description and GraphQL schema.
	Conformance func(http.Handler) http.Handler
}

// Server is a running fake GitHub. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	ts     *httptest.Server
	key    *rsa.PrivateKey
	keyPEM []byte
	log    *slog.Logger
	mux    *http.ServeMux
	api    http.Handler // mux, wrapped by Options.Conformance

	mu          sync.Mutex
	nextID      int64
	tokens      map[string]*token
	repos       map[string]*repo // by "owner/name"
	requests    []Request
	faults      []*faultRule
	rateUsed    int
	rateReset   time.Time
	deliveries  []*delivery
	redelivered []int64
	webhookURL  string
	secret      string
}

// New starts a fake GitHub. It returns an error only when the options are unusable
// (a bad private key) or the key cannot be generated.
func New(opts Options) (*Server, error) {
	if opts.AppID == 0 {
		opts.AppID = 1
	}
	if opts.AppSlug == "" {
		opts.AppSlug = "symposium"
	}
	if opts.InstallationID == 0 {
		opts.InstallationID = 1
	}
	if opts.InstallationAccount == "" {
		opts.InstallationAccount = "octo-org"
	}
	if opts.Permissions == nil {
		opts.Permissions = map[string]string{
			"contents": "write", "pull_requests": "write", "checks": "write",
			"issues": "write", "metadata": "read",
		}
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 5000
	}
	if opts.GitBinary == "" {
		opts.GitBinary = "git"
	}
	s := &Server{
		opts:       opts,
		log:        opts.Logger,
		tokens:     map[string]*token{},
		repos:      map[string]*repo{},
		nextID:     1000,
		rateReset:  time.Now().Add(time.Hour).Truncate(time.Second),
		webhookURL: opts.WebhookURL,
		secret:     opts.WebhookSecret,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := s.loadKey(opts.PrivateKeyPEM); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.api = s.mux
	if opts.Conformance != nil {
		s.api = opts.Conformance(s.mux)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s, nil
}

func (s *Server) loadKey(pemBytes []byte) error {
	if len(pemBytes) == 0 {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("githubfake: generate app key: %w", err)
		}
		s.key = key
		s.keyPEM = encodeKeyPEM(key)
		return nil
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	if err != nil {
		return fmt.Errorf("githubfake: parse app private key: %w", err)
	}
	s.key = key
	s.keyPEM = pemBytes
	return nil
}

// URL is the server's root URL (no trailing slash), e.g. http://127.0.0.1:1234.
func (s *Server) URL() string { return s.ts.URL }

// APIURL is the REST API root (no trailing slash): URL() + "/api/v3".
func (s *Server) APIURL() string { return s.ts.URL + apiPrefix }

// GitURL is the git smart-HTTP root: repositories are at GitURL()/<owner>/<repo>.git.
func (s *Server) GitURL() string { return s.ts.URL }

// CloneURL is the smart-HTTP URL of a repository ("owner/name").
func (s *Server) CloneURL(fullName string) string { return s.ts.URL + "/" + fullName + ".git" }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// AppID is the app's id.
func (s *Server) AppID() int64 { return s.opts.AppID }

// InstallationID is the id of the app's installation.
func (s *Server) InstallationID() int64 { return s.opts.InstallationID }

// PrivateKeyPEM is the app's private key in PEM (PKCS#1), as GitHub hands it out.
func (s *Server) PrivateKeyPEM() []byte { return append([]byte(nil), s.keyPEM...) }

// BotLogin is the login of the app's bot user, e.g. "symposium[bot]".
func (s *Server) BotLogin() string { return s.opts.AppSlug + "[bot]" }

// SetWebhook sets where webhook deliveries go and the secret that signs them.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.secret = url, secret
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// serveHTTP records the request, applies faults and rate-limit headers, then routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	gitReq := !strings.HasPrefix(r.URL.Path, apiPrefix+"/") && r.URL.Path != graphQLPath
	var body []byte
	if !gitReq && r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	idx := s.record(r, body)
	defer func() { s.setStatus(idx, rec.status) }()

	if f := s.matchFault(r); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				rec.status = 499
				return
			}
		}
		if f.Status != 0 {
			writeFault(rec, f)
			return
		}
	}
	if gitReq {
		s.serveGit(rec, r)
		return
	}
	if !s.rateLimit(rec) {
		return
	}
	rec.Header().Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%d", idx))
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, apiPrefix)
	if r.URL.Path == graphQLPath {
		// Relative to the API root GraphQL is /graphql, as on
		// api.github.com: the path Options.Conformance checks against
		// GitHub's GraphQL schema.
		r2.URL.Path = "/graphql"
	}
	r2.URL.RawPath = ""
	s.api.ServeHTTP(rec, r2)
}

// rateLimit counts the request against the primary limit and sets its headers.
// It answers 403 and returns false when the limit is exhausted.
func (s *Server) rateLimit(w http.ResponseWriter) bool {
	s.mu.Lock()
	now := time.Now()
	if now.After(s.rateReset) {
		s.rateUsed = 0
		s.rateReset = now.Add(time.Hour).Truncate(time.Second)
	}
	exhausted := s.rateUsed >= s.opts.RateLimit
	if !exhausted {
		s.rateUsed++
	}
	remaining, reset := s.opts.RateLimit-s.rateUsed, s.rateReset
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.opts.RateLimit-remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	if exhausted {
		writeError(w, http.StatusForbidden, "API rate limit exceeded for installation.")
		return false
	}
	return true
}

// SetRateLimitRemaining sets how many requests remain in the primary rate limit
// and when it resets; 0 makes every API request fail with GitHub's 403 until reset.
func (s *Server) SetRateLimitRemaining(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateUsed = s.opts.RateLimit - remaining
	s.rateReset = reset.Truncate(time.Second)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// errorBody is GitHub's error JSON.
type errorBody struct {
	Message          string `json:"message"`
	Errors           []any  `json:"errors,omitempty"`
	DocumentationURL string `json:"documentation_url,omitempty"`
	Status           string `json:"status,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, errs ...any) {
	writeJSON(w, status, errorBody{
		Message:          msg,
		Errors:           errs,
		DocumentationURL: "https://docs.github.com/rest",
		Status:           strconv.Itoa(status),
	})
}

// writeValidation answers GitHub's 422 with a list of string errors.
func writeValidation(w http.ResponseWriter, errs ...string) {
	list := make([]any, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	writeError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", list...)
}

// writeInvalidField answers GitHub's 422 for a bad field value (e.g. an enum).
func writeInvalidField(w http.ResponseWriter, resource, field, value string) {
	writeError(w, http.StatusUnprocessableEntity, "Validation Failed", github.Error{
		Resource: resource, Field: field, Code: "invalid",
		Message: fmt.Sprintf("%q is not a valid value for %s", value, field),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeBody decodes a JSON request body; on failure it answers 400 and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON: "+err.Error())
		return false
	}
	return true
}

// htmlURL builds a web URL on the fake host.
func (s *Server) htmlURL(path string, args ...any) string {
	return s.ts.URL + fmt.Sprintf(path, args...)
}

// apiURL builds an API URL on the fake host.
func (s *Server) apiURL(path string, args ...any) string {
	return s.APIURL() + fmt.Sprintf(path, args...)
}

// paginate answers a page of items with GitHub's Link header (page/per_page).
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	q := r.URL.Query()
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max((len(items)+perPage-1)/perPage, 1)
	link := func(p int, rel string) string {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("page", strconv.Itoa(p))
		q2.Set("per_page", strconv.Itoa(perPage))
		u := url.URL{Scheme: "http", Host: r.Host, Path: apiPrefix + r.URL.Path, RawQuery: q2.Encode()}
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	out := items[start:end]
	if out == nil {
		out = []T{}
	}
	return out
}
