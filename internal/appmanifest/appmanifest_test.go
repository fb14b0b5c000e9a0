package appmanifest_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/appmanifest"
)

func TestDefaultIsTheDeployFile(t *testing.T) {
	m, err := appmanifest.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]appmanifest.Access{
		"pull_requests": appmanifest.Write,
		"checks":        appmanifest.Write,
		"contents":      appmanifest.Write,
		"issues":        appmanifest.Write,
		"metadata":      appmanifest.Read,
	}
	if !maps.Equal(m.DefaultPermissions, want) {
		t.Errorf("default_permissions = %v, want %v", m.DefaultPermissions, want)
	}
	events := slices.Sorted(slices.Values(m.DefaultEvents))
	if want := []string{"check_run", "check_suite", "issue_comment", "pull_request"}; !slices.Equal(events, want) {
		t.Errorf("default_events = %v, want %v", events, want)
	}
	if m.Public {
		t.Error("the default manifest makes a public app; want private")
	}
	if !m.HookAttributes.Active {
		t.Error("the webhook is inactive")
	}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name     string
		opts     appmanifest.Options
		wantURL  string
		wantHook string
		wantName string
		wantErr  string
	}{
		{name: "plain", opts: appmanifest.Options{URL: "https://bot.example.com"},
			wantURL: "https://bot.example.com", wantHook: "https://bot.example.com/webhook", wantName: "Symposium"},
		{name: "trailing slash and path", opts: appmanifest.Options{URL: "https://example.com/symposium/", Name: "symposium-acme"},
			wantURL: "https://example.com/symposium", wantHook: "https://example.com/symposium/webhook", wantName: "symposium-acme"},
		{name: "redirect", opts: appmanifest.Options{URL: "https://x.example", RedirectURL: "http://localhost:8080/done"},
			wantURL: "https://x.example", wantHook: "https://x.example/webhook", wantName: "Symposium"},
		{name: "http refused", opts: appmanifest.Options{URL: "http://bot.example.com"}, wantErr: "https"},
		{name: "relative refused", opts: appmanifest.Options{URL: "bot.example.com"}, wantErr: "https"},
		{name: "empty refused", opts: appmanifest.Options{}, wantErr: "--url"},
		{name: "query refused", opts: appmanifest.Options{URL: "https://bot.example.com/?a=b"}, wantErr: "query"},
		{name: "long name refused", opts: appmanifest.Options{URL: "https://x.example", Name: strings.Repeat("n", 35)}, wantErr: "longer than 34"},
		{name: "bad redirect refused", opts: appmanifest.Options{URL: "https://x.example", RedirectURL: "/done"}, wantErr: "redirect_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := appmanifest.Build(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Build(%+v) error = %v, want one containing %q", tt.opts, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.URL != tt.wantURL || m.HookAttributes.URL != tt.wantHook || m.Name != tt.wantName {
				t.Errorf("Build = url %q hook %q name %q, want %q %q %q",
					m.URL, m.HookAttributes.URL, m.Name, tt.wantURL, tt.wantHook, tt.wantName)
			}
			if m.RedirectURL != tt.opts.RedirectURL {
				t.Errorf("redirect_url = %q, want %q", m.RedirectURL, tt.opts.RedirectURL)
			}
		})
	}
}

func TestJSONHasGitHubFieldNames(t *testing.T) {
	m, err := appmanifest.Build(appmanifest.Options{URL: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, data)
	}
	for _, key := range []string{"name", "url", "hook_attributes", "public", "default_permissions", "default_events"} {
		if _, ok := got[key]; !ok {
			t.Errorf("JSON lacks %q:\n%s", key, data)
		}
	}
	if _, ok := got["redirect_url"]; ok {
		t.Errorf("JSON has an empty redirect_url:\n%s", data)
	}
	hook, _ := got["hook_attributes"].(map[string]any)
	if hook["url"] != "https://example.com/webhook" {
		t.Errorf("hook_attributes.url = %v", hook["url"])
	}
	back, err := appmanifest.Parse(data)
	if err != nil {
		t.Fatalf("the JSON does not parse back: %v", err)
	}
	if back.HookAttributes != m.HookAttributes || !maps.Equal(back.DefaultPermissions, m.DefaultPermissions) {
		t.Errorf("round trip changed the manifest: %+v != %+v", back, m)
	}
}

func TestParseRefuses(t *testing.T) {
	valid := `name: x
url: https://a.example
hook_attributes: {url: https://a.example/webhook, active: true}
default_permissions: {checks: write}
default_events: [check_run]
`
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"unknown field", valid + "extra: 1\n", "unknown field"},
		{"bad access", strings.Replace(valid, "checks: write", "checks: admin", 1), "neither read nor write"},
		{"automatic event", strings.Replace(valid, "[check_run]", "[check_run, installation]", 1), "sent to every app"},
		{"event without permission", strings.Replace(valid, "[check_run]", "[check_run, pull_request]", 1), "needs one of the permissions"},
		{"unhandled event", strings.Replace(valid, "[check_run]", "[check_run, push]", 1), "not one Symposium handles"},
		{"duplicate event", strings.Replace(valid, "[check_run]", "[check_run, check_run]", 1), "twice"},
		{"no events", strings.Replace(valid, "[check_run]", "[]", 1), "default_events is empty"},
		{"no name", strings.Replace(valid, "name: x", "name: ''", 1), "name is empty"},
		{"http hook", strings.Replace(valid, "url: https://a.example/webhook", "url: http://a.example/webhook", 1), "hook_attributes.url"},
	}
	if _, err := appmanifest.Parse([]byte(valid)); err != nil {
		t.Fatalf("the valid base does not parse: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := appmanifest.Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegistrationURL(t *testing.T) {
	tests := []struct {
		github, org, state, want, wantErr string
	}{
		{"https://github.com", "", "", "https://github.com/settings/apps/new", ""},
		{"https://github.com/", "acme-corp", "s1", "https://github.com/organizations/acme-corp/settings/apps/new?state=s1", ""},
		{"https://ghe.example.com", "acme", "", "https://ghe.example.com/organizations/acme/settings/apps/new", ""},
		{"https://github.com", "acme/../x", "", "", "not a GitHub login"},
		{"https://github.com", "-acme", "", "", "not a GitHub login"},
		{"github.com", "", "", "", "absolute"},
	}
	for _, tt := range tests {
		got, err := appmanifest.RegistrationURL(tt.github, tt.org, tt.state)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("RegistrationURL(%q, %q) error = %v, want %q", tt.github, tt.org, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("RegistrationURL(%q, %q, %q) = %q, %v; want %q", tt.github, tt.org, tt.state, got, err, tt.want)
		}
	}
}

func TestFormCarriesTheManifest(t *testing.T) {
	m, err := appmanifest.Build(appmanifest.Options{URL: "https://example.com", Name: `a"<b>`})
	if err != nil {
		t.Fatal(err)
	}
	page, err := appmanifest.Form(m, "https://github.com/organizations/acme/settings/apps/new?state=s")
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`action="https://github.com/organizations/acme/settings/apps/new?state=s"`,
		`method="post"`,
		`name="manifest"`,
		`&#34;hook_attributes&#34;`,
		`a&#34;&lt;b&gt;`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("form lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, `<b>`) {
		t.Errorf("form does not escape the name:\n%s", s)
	}
}
