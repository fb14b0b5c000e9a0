package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestAppManifestCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"json", []string{"app", "manifest", "--url", "https://bot.example.com"}, 0,
			`"url": "https://bot.example.com/webhook"`, "https://github.com/settings/apps/new?state="},
		{"org and name", []string{"app", "manifest", "--url", "https://b.example", "--org", "acme", "--name", "symposium-acme"}, 0,
			`"name": "symposium-acme"`, "https://github.com/organizations/acme/settings/apps/new?state="},
		{"form", []string{"app", "manifest", "--url", "https://b.example", "--form", "--redirect-url", "http://localhost:9/"}, 0,
			`name="manifest"`, "/app-manifests/CODE/conversions"},
		{"help", []string{"app", "manifest", "--help"}, 0, "Usage: symposium app manifest", ""},
		{"app help", []string{"app", "--help"}, 0, "manifest", ""},
		{"no url", []string{"app", "manifest"}, 2, "", "--url is required"},
		{"http url", []string{"app", "manifest", "--url", "http://b.example"}, 1, "", "https://"},
		{"bad org", []string{"app", "manifest", "--url", "https://b.example", "--org", "a/b"}, 1, "", "not a GitHub login"},
		{"unknown subcommand", []string{"app", "create"}, 2, "", `unknown subcommand "create"`},
		{"no subcommand", []string{"app"}, 2, "", "Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr.String())
			}
			if tt.name == "json" {
				var m map[string]any
				if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
					t.Errorf("stdout is not JSON: %v", err)
				}
			}
		})
	}
}
