// Package conformance checks requests to GitHub's REST API, and the answers
// to them, against GitHub's published OpenAPI description: the npm package
// @octokit/openapi at the version pinned in .ci/install-openapi, which
// installs it. The fake GitHub runs it as middleware
// (githubfake.Options.Conformance = conformance.For(t)), so that a request
// GitHub would reject fails the test with the schema's reason.
//
// The description is found at $SYMPOSIUM_GITHUB_OPENAPI, else where
// .ci/install-openapi puts it (see DefaultPath). When it is missing, For
// fails the test under CI (CI set) and only logs outside CI.
package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// EnvPath names the environment variable holding the path of
// api.github.com.json.
const EnvPath = "SYMPOSIUM_GITHUB_OPENAPI"

// EnvCache names the cache directory .ci/install-openapi installs into.
const EnvCache = "SYMPOSIUM_OPENAPI_CACHE"

// DefaultPath is where .ci/install-openapi puts the description:
// ${SYMPOSIUM_OPENAPI_CACHE:-$HOME/.cache/symposium/openapi}/node_modules/@octokit/openapi/generated/api.github.com.json.
func DefaultPath() string {
	cache := os.Getenv(EnvCache)
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "symposium", "openapi")
	}
	return filepath.Join(cache, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json")
}

// Path is $SYMPOSIUM_GITHUB_OPENAPI, else DefaultPath.
func Path() string {
	if p := os.Getenv(EnvPath); p != "" {
		return p
	}
	return DefaultPath()
}

// ErrMissing reports that the description is not installed.
var ErrMissing = errors.New("GitHub's OpenAPI description is not installed (run bash .ci/install-openapi, or set " + EnvPath + ")")

// Checker validates requests and responses against the description.
type Checker struct {
	spec *spec
	// Source is the file the description was read from.
	Source string
	// LoadTime is how long reading and indexing it took.
	LoadTime time.Duration
}

var (
	loadOnce   sync.Once
	loaded     *Checker
	loadFailed error
)

// Load reads the description at Path once per process; later calls return
// the same Checker.
func Load() (*Checker, error) {
	loadOnce.Do(func() { loaded, loadFailed = LoadFile(Path()) })
	return loaded, loadFailed
}

// LoadFile reads the description at path. A missing file is ErrMissing.
func LoadFile(path string) (*Checker, error) {
	start := time.Now()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no %s", ErrMissing, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read GitHub's OpenAPI description: %w", err)
	}
	s, err := parseSpec(data)
	if err != nil {
		return nil, err
	}
	return &Checker{spec: s, Source: path, LoadTime: time.Since(start)}, nil
}

// Mismatch is a request GitHub does not accept or an answer GitHub would
// not give, with the description's reason.
type Mismatch struct {
	Method, Path string
	// Template is the description's path template, "" when none matches.
	Template string
	// Response is set when the answer, not the request, is at fault.
	Response bool
	// Reasons are the description's reasons, one a line.
	Reasons []string
	// Err is the validator's error.
	Err error
}

func (m *Mismatch) Error() string {
	what := "request"
	if m.Response {
		what = "response"
	}
	where := m.Template
	if where == "" {
		where = "no such path"
	}
	return fmt.Sprintf("GitHub API conformance: %s %s (%s): %s: %s", m.Method, m.Path, where, what, strings.Join(m.Reasons, "; "))
}

func (m *Mismatch) Unwrap() error { return m.Err }

// Checked is a request that passed CheckRequest, for CheckResponse.
type Checked struct {
	input    *openapi3filter.RequestValidationInput
	template string
}

var filterOptions = &openapi3filter.Options{
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	MultiError:         true,
}

// CheckRequest validates a request whose URL path is relative to the API
// root (no /api/v3): that GitHub has the path and method, and the path and
// query parameters and the JSON body its schema allows.
func (c *Checker) CheckRequest(ctx context.Context, r *http.Request, body []byte) (*Checked, error) {
	mismatch := func(tmpl string, err error) error {
		return &Mismatch{Method: r.Method, Path: r.URL.Path, Template: tmpl, Reasons: reasons(err, false), Err: err}
	}
	tmpl, ok := c.spec.match(r.Method, r.URL.Path)
	switch {
	case tmpl == "":
		return nil, mismatch("", errors.New("GitHub has no such path"))
	case !ok:
		return nil, mismatch(tmpl, fmt.Errorf("GitHub has no %s on this path", r.Method))
	}
	router, err := c.spec.router(r.Method, tmpl)
	if err != nil {
		return nil, mismatch(tmpl, err)
	}
	req := r.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := router.FindRoute(req)
	if err != nil {
		return nil, mismatch(tmpl, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: filterOptions}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return nil, mismatch(tmpl, err)
	}
	in.Request.Body = io.NopCloser(bytes.NewReader(body))
	return &Checked{input: in, template: tmpl}, nil
}

// CheckResponse validates the answer to a checked request: a status the
// operation documents and a JSON body its schema allows, leniently: a
// property the schema requires may be missing (see reasons).
func (c *Checker) CheckResponse(ctx context.Context, req *Checked, status int, header http.Header, body []byte) error {
	err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: req.input,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err == nil {
		return nil
	}
	why := reasons(err, true)
	if len(why) == 0 {
		return nil
	}
	r := req.input.Request
	return &Mismatch{Method: r.Method, Path: r.URL.Path, Template: req.template, Response: true, Reasons: why, Err: err}
}
