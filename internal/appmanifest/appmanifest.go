// Package appmanifest is the GitHub App manifest of Symposium: the model of
// what GitHub's manifest flow takes, the defaults read from
// deploy/github-app.yml, and the filling in of the URLs of one deployment.
//
// See https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest.
package appmanifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/symposium-dev/symposium/deploy"
)

// Access is the level of one permission.
type Access string

// The access levels a manifest may ask for.
const (
	Read  Access = "read"
	Write Access = "write"
)

// covers reports whether a grant of level a allows what needs level need.
func (a Access) covers(need Access) bool {
	return a == Write || (a == Read && need == Read)
}

// HookAttributes is the webhook configuration of the app.
type HookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// Manifest is a GitHub App manifest, with GitHub's field names.
type Manifest struct {
	Name           string         `json:"name"`
	Description    string         `json:"description,omitempty"`
	URL            string         `json:"url"`
	HookAttributes HookAttributes `json:"hook_attributes"`
	// RedirectURL is where GitHub sends the browser, with ?code=…&state=…,
	// once the app is created.
	RedirectURL        string            `json:"redirect_url,omitempty"`
	CallbackURLs       []string          `json:"callback_urls,omitempty"`
	SetupURL           string            `json:"setup_url,omitempty"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]Access `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

// WebhookPath is the path the receiver serves deliveries on.
const WebhookPath = "/webhook"

// maxNameLength is the longest app name GitHub accepts.
const maxNameLength = 34

// automaticEvents are sent to every app; GitHub refuses them in default_events.
var automaticEvents = []string{"installation", "installation_repositories", "github_app_authorization", "meta"}

// eventPermissions lists, for each event the app may subscribe to, the
// permissions any one of which makes GitHub deliver it.
var eventPermissions = map[string][]string{
	"pull_request":  {"pull_requests"},
	"issue_comment": {"issues", "pull_requests"},
	"check_run":     {"checks"},
	"check_suite":   {"checks"},
}

// Default returns the manifest of deploy/github-app.yml, with its
// placeholder URLs.
func Default() (Manifest, error) {
	m, err := Parse(deploy.GitHubAppManifest)
	if err != nil {
		return Manifest{}, fmt.Errorf("deploy/github-app.yml: %w", err)
	}
	return m, nil
}

// Parse decodes a manifest from YAML or JSON, refusing unknown fields, and
// validates it.
func Parse(data []byte) (Manifest, error) {
	var m Manifest
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("decode app manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// Options are the settings of one deployment.
type Options struct {
	// URL is the public base URL of the webhook receiver, https only.
	URL string
	// Name replaces the default app name when set.
	Name string
	// RedirectURL, when set, is where GitHub sends the browser with the
	// code to exchange once the app is created.
	RedirectURL string
}

// Build returns the default manifest filled in for one deployment: the app
// URL is opts.URL and the webhook URL is opts.URL followed by WebhookPath.
func Build(opts Options) (Manifest, error) {
	m, err := Default()
	if err != nil {
		return Manifest{}, err
	}
	base, err := httpsURL("--url", opts.URL)
	if err != nil {
		return Manifest{}, err
	}
	base = strings.TrimRight(base, "/")
	m.URL = base
	m.HookAttributes.URL = base + WebhookPath
	if opts.Name != "" {
		m.Name = opts.Name
	}
	if opts.RedirectURL != "" {
		m.RedirectURL = opts.RedirectURL
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// Validate reports the first thing GitHub would refuse, or a permission or
// event the app does not need.
func (m Manifest) Validate() error {
	switch name := strings.TrimSpace(m.Name); {
	case name == "":
		return fmt.Errorf("app manifest: name is empty")
	case len(name) > maxNameLength:
		return fmt.Errorf("app manifest: name %q is longer than %d characters", name, maxNameLength)
	}
	if _, err := httpsURL("url", m.URL); err != nil {
		return fmt.Errorf("app manifest: %w", err)
	}
	if _, err := httpsURL("hook_attributes.url", m.HookAttributes.URL); err != nil {
		return fmt.Errorf("app manifest: %w", err)
	}
	if m.RedirectURL != "" {
		if _, err := absoluteURL("redirect_url", m.RedirectURL); err != nil {
			return fmt.Errorf("app manifest: %w", err)
		}
	}
	if len(m.DefaultPermissions) == 0 {
		return fmt.Errorf("app manifest: default_permissions is empty")
	}
	for scope, access := range m.DefaultPermissions {
		if access != Read && access != Write {
			return fmt.Errorf("app manifest: permission %s: access %q is neither read nor write", scope, access)
		}
	}
	if len(m.DefaultEvents) == 0 {
		return fmt.Errorf("app manifest: default_events is empty")
	}
	seen := map[string]bool{}
	for _, event := range m.DefaultEvents {
		if seen[event] {
			return fmt.Errorf("app manifest: event %s is listed twice", event)
		}
		seen[event] = true
		if slices.Contains(automaticEvents, event) {
			return fmt.Errorf("app manifest: event %s is sent to every app and cannot be subscribed to", event)
		}
		scopes, known := eventPermissions[event]
		if !known {
			return fmt.Errorf("app manifest: event %s is not one Symposium handles", event)
		}
		if !slices.ContainsFunc(scopes, func(s string) bool { return m.DefaultPermissions[s] != "" }) {
			return fmt.Errorf("app manifest: event %s needs one of the permissions %v", event, scopes)
		}
	}
	return nil
}

// JSON returns the manifest as GitHub's manifest flow takes it, indented,
// with a final newline.
func (m Manifest) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode app manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// orgLogin matches a GitHub organisation login.
var orgLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

// RegistrationURL is the page the manifest is posted to, as the form field
// `manifest`: the personal account's apps when org is empty, else the
// organisation's. state, when set, is sent back with the code.
func RegistrationURL(githubURL, org, state string) (string, error) {
	base, err := absoluteURL("GitHub URL", githubURL)
	if err != nil {
		return "", err
	}
	page := strings.TrimRight(base, "/") + "/settings/apps/new"
	if org != "" {
		if !orgLogin.MatchString(org) {
			return "", fmt.Errorf("organisation %q is not a GitHub login", org)
		}
		page = strings.TrimRight(base, "/") + "/organizations/" + org + "/settings/apps/new"
	}
	if state != "" {
		page += "?" + url.Values{"state": {state}}.Encode()
	}
	return page, nil
}

// httpsURL checks that raw is an absolute https URL without query or
// fragment, and returns it.
func httpsURL(field, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", field, raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%s %q: want an absolute https:// URL", field, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%s %q: want no user, query or fragment", field, raw)
	}
	return raw, nil
}

// absoluteURL checks that raw is an absolute http or https URL.
func absoluteURL(field, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", field, raw, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%s %q: want an absolute http(s):// URL", field, raw)
	}
	return raw, nil
}
