// Package githubapp authenticates as a GitHub App and its installations,
// builds go-github clients whose transport paces, retries, logs and counts
// every call, and offers the posting primitives the worker uses (check runs,
// reviews, replies, reactions).
package githubapp

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
	gh88 "github.com/google/go-github/v88/github"
)

// DefaultBaseURL is GitHub's public REST API.
const DefaultBaseURL = "https://api.github.com"

// Config says which app to authenticate as and where GitHub is.
type Config struct {
	AppID int64
	// PrivateKey is the app's PEM-encoded RSA private key.
	PrivateKey []byte
	// BaseURL is the REST API root, as GITHUB_API_URL gives it
	// ("https://api.github.com", "https://ghes.example.com/api/v3", or a
	// test server). It is used as given. Empty means DefaultBaseURL.
	BaseURL string
	// Transport tunes pacing and retries.
	Transport TransportOptions
	// HTTP is the underlying transport; nil means http.DefaultTransport.
	HTTP http.RoundTripper
	// Logger receives one line per API call; nil means slog.Default().
	Logger *slog.Logger
}

// ClientCreator makes GitHub clients for the app and its installations.
// Installation clients are cached: one token-refreshing transport per
// installation (ghinstallation renews the token before its 1-hour expiry).
// It is safe for concurrent use.
type ClientCreator struct {
	cfg     Config
	key     *rsa.PrivateKey
	baseURL *url.URL

	app *github.Client

	mu       sync.Mutex
	installs map[int64]*github.Client
	botLogin string
}

// NewClientCreator parses the app key and prepares the app client.
func NewClientCreator(cfg Config) (*ClientCreator, error) {
	if cfg.AppID <= 0 {
		return nil, errors.New("github app: app id must be positive")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(cfg.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github app %d: parse private key: %w", cfg.AppID, err)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/") + "/")
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("github app: bad API base URL %q", cfg.BaseURL)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultTransport
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &ClientCreator{cfg: cfg, key: key, baseURL: base, installs: map[int64]*github.Client{}}
	atr := c.appsTransport(0)
	c.app = c.newClient(newResilientTransport(atr, cfg.Transport))
	return c, nil
}

// apiRoot is the base URL without its trailing slash, as ghinstallation wants it.
func (c *ClientCreator) apiRoot() string {
	return strings.TrimRight(c.baseURL.String(), "/")
}

// appsTransport signs app JWTs over an observed wire. Each installation
// gets its own, because ghinstallation writes to it when refreshing.
func (c *ClientCreator) appsTransport(installation int64) *ghinstallation.AppsTransport {
	wire := &observingTransport{next: c.cfg.HTTP, logger: c.cfg.Logger, installation: installation}
	atr := ghinstallation.NewAppsTransportFromPrivateKey(wire, c.cfg.AppID, c.key)
	atr.BaseURL = c.apiRoot()
	return atr
}

func (c *ClientCreator) newClient(rt http.RoundTripper) *github.Client {
	client := github.NewClient(&http.Client{Transport: rt})
	if c.apiRoot() != DefaultBaseURL {
		// Used as given: WithEnterpriseURLs would append /api/v3/ to any
		// host that does not start with "api.", test servers included.
		u := *c.baseURL
		client.BaseURL = &u
		up := *c.baseURL
		client.UploadURL = &up
	}
	return client
}

// AppClient returns a client authenticated as the app (JWT), for app-level
// endpoints such as GET /app and installation lookups.
func (c *ClientCreator) AppClient() *github.Client {
	return c.app
}

// InstallationClient returns the cached client for an installation.
func (c *ClientCreator) InstallationClient(installationID int64) (*github.Client, error) {
	if installationID <= 0 {
		return nil, fmt.Errorf("github app: installation id %d is not valid", installationID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if client, ok := c.installs[installationID]; ok {
		return client, nil
	}
	itr := ghinstallation.NewFromAppsTransport(c.appsTransport(installationID), installationID)
	// Without options ghinstallation posts the body "null", which GitHub's
	// description does not allow; "{}" asks for the same token.
	itr.InstallationTokenOptions = &gh88.InstallationTokenOptions{}
	client := c.newClient(newResilientTransport(itr, c.cfg.Transport))
	c.installs[installationID] = client
	return client, nil
}

// Token is an installation access token. It formats as "[redacted]" so it
// cannot leak through a log line or %v; use Value to read it.
type Token struct {
	value     string
	ExpiresAt time.Time
}

// Value returns the secret itself.
func (t Token) Value() string { return t.value }

// String implements fmt.Stringer without revealing the token.
func (t Token) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer without revealing the token.
func (t Token) GoString() string { return "githubapp.Token{[redacted]}" }

// LogValue implements slog.LogValuer without revealing the token.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token", "[redacted]"), slog.Time("expires_at", t.ExpiresAt))
}

// RepositoryToken mints a token for one repository of an installation with
// only contents: read (or contents: write when write is set, for pushes).
// It is meant for git over HTTPS and lives until it expires (one hour).
func (c *ClientCreator) RepositoryToken(ctx context.Context, installationID int64, repoName string, write bool) (Token, error) {
	if installationID <= 0 {
		return Token{}, fmt.Errorf("repository token: installation id %d is not valid", installationID)
	}
	if repoName == "" || strings.Contains(repoName, "/") {
		return Token{}, fmt.Errorf("repository token: want a bare repository name, got %q", repoName)
	}
	access := "read"
	if write {
		access = "write"
	}
	itr := ghinstallation.NewFromAppsTransport(c.appsTransport(installationID), installationID)
	itr.InstallationTokenOptions = &gh88.InstallationTokenOptions{
		Repositories: []string{repoName},
		Permissions:  &gh88.InstallationPermissions{Contents: gh88.Ptr(access)},
	}
	value, err := itr.Token(ctx)
	if err != nil {
		return Token{}, fmt.Errorf("repository token for %s (installation %d, contents: %s): %w", repoName, installationID, access, err)
	}
	expires, _, err := itr.Expiry()
	if err != nil {
		return Token{}, fmt.Errorf("repository token for %s: %w", repoName, err)
	}
	return Token{value: value, ExpiresAt: expires}, nil
}

// BotLogin returns the login the app posts as ("<slug>[bot]"), asking
// GitHub once.
func (c *ClientCreator) BotLogin(ctx context.Context) (string, error) {
	c.mu.Lock()
	login := c.botLogin
	c.mu.Unlock()
	if login != "" {
		return login, nil
	}
	app, _, err := c.app.Apps.Get(ctx, "")
	if err != nil {
		return "", fmt.Errorf("get the app's own record: %w", err)
	}
	if app.GetSlug() == "" {
		return "", errors.New("get the app's own record: GitHub returned no slug")
	}
	login = app.GetSlug() + "[bot]"
	c.mu.Lock()
	c.botLogin = login
	c.mu.Unlock()
	return login, nil
}
