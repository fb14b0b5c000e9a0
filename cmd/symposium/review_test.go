package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// reviewGit runs git in dir with a fixed identity and no user configuration.
func reviewGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// reviewFixture creates a crate whose base has a clippy finding on a line
// the pull request does not touch, and whose head (branch pr) adds one.
func reviewFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reviewGit(t, dir, "init", "-q", "-b", "main")
	write("Cargo.toml", "[package]\nname = \"review_cmd\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	base := "pub fn old(v: &[u8]) -> bool {\n    v.len() == 0\n}\n"
	write("src/lib.rs", base)
	reviewGit(t, dir, "add", "-A")
	reviewGit(t, dir, "commit", "-q", "-m", "base")
	reviewGit(t, dir, "checkout", "-q", "-b", "pr")
	write("src/lib.rs", base+"\npub fn new(v: &[u16]) -> bool {\n    v.len() == 0\n}\n")
	reviewGit(t, dir, "commit", "-q", "-am", "head")
	return dir
}

func sandboxMode() string {
	if _, err := exec.LookPath("bwrap"); err != nil {
		return sandbox.ModeNone
	}
	return sandbox.ModeBwrap
}

// runCommand runs the symposium command line and returns its exit code,
// stdout and stderr.
func runCommand(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestReviewCommand(t *testing.T) {
	repo := reviewFixture(t)
	cache := t.TempDir() // shared: cargo's target dir stays warm between cases
	common := []string{"review", "--repo", repo, "--base", "main", "--head", "pr", "--sandbox", sandboxMode(), "--cache-dir", cache, "--fetch=false"}

	t.Run("json", func(t *testing.T) {
		code, out, errOut := runCommand(append(common, "--format", "json")...)
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, errOut)
		}
		// The contract's keys, exactly.
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &raw); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if got := sortedKeys(raw); !slices.Equal(got, []string{"base_sha", "comments", "head_sha", "stats", "summary"}) {
			t.Errorf("top-level keys %v", got)
		}
		var res struct {
			BaseSHA  string                       `json:"base_sha"`
			HeadSHA  string                       `json:"head_sha"`
			Summary  string                       `json:"summary"`
			Comments []map[string]json.RawMessage `json:"comments"`
			Stats    map[string]int               `json:"stats"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.BaseSHA != reviewGit(t, repo, "rev-parse", "main") || res.HeadSHA != reviewGit(t, repo, "rev-parse", "pr") {
			t.Errorf("shas %s..%s", res.BaseSHA, res.HeadSHA)
		}
		if res.Summary == "" {
			t.Error("empty summary")
		}
		for _, k := range []string{"diagnostics_total", "diagnostics_on_diff", "comments", "duration_ms"} {
			if _, ok := res.Stats[k]; !ok {
				t.Errorf("stats lack %s: %v", k, res.Stats)
			}
		}
		if len(res.Comments) != 1 || res.Stats["comments"] != 1 || res.Stats["diagnostics_total"] < 2 {
			t.Fatalf("want the one finding on the added line (of at least two): %s", out)
		}
		c := res.Comments[0]
		if got := sortedKeys(c); !slices.Equal(got, []string{"body", "fingerprint", "line", "path", "rule", "severity", "side", "source", "start_line", "suggestion"}) {
			t.Errorf("comment keys %v", got)
		}
		want := map[string]string{
			"path": `"src/lib.rs"`, "line": "6", "start_line": "6", "side": `"RIGHT"`, "source": `"clippy"`,
			"rule": `"clippy::len_zero"`, "severity": `"warning"`, "suggestion": `"    v.is_empty()"`,
		}
		for k, v := range want {
			if string(c[k]) != v {
				t.Errorf("comment %s = %s, want %s", k, c[k], v)
			}
		}
	})

	t.Run("markdown", func(t *testing.T) {
		code, out, errOut := runCommand(common...) // markdown is the default
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, errOut)
		}
		if !strings.Contains(out, "### `src/lib.rs:6`") || !strings.Contains(out, "len_zero") || strings.Contains(out, "### `src/lib.rs:2`") {
			t.Errorf("markdown review:\n%s", out)
		}
		if strings.HasPrefix(strings.TrimSpace(out), "{") {
			t.Error("markdown output is JSON")
		}
	})

	t.Run("filter all", func(t *testing.T) {
		code, out, errOut := runCommand(append(common, "--format", "json", "--filter", "all")...)
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, errOut)
		}
		var res struct {
			Comments []struct {
				Line int `json:"line"`
			} `json:"comments"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, c := range res.Comments {
			lines = append(lines, c.Line)
		}
		if !slices.Contains(lines, 2) || !slices.Contains(lines, 6) {
			t.Errorf("--filter all: comments on lines %v, want 2 and 6", lines)
		}
	})
}

func TestReviewCommandErrors(t *testing.T) {
	repo := reviewFixture(t)
	cache := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no base", []string{"--repo", repo}, 2, "--base is required"},
		{"bad base", []string{"--repo", repo, "--base", "no-such-branch", "--sandbox", sandbox.ModeNone}, 1, "no-such-branch"},
		{"base like an option", []string{"--repo", repo, "--base=--output=x", "--sandbox", sandbox.ModeNone}, 1, "bad revision"},
		{"bad head", []string{"--repo", repo, "--base", "main", "--head", "nope", "--sandbox", sandbox.ModeNone}, 1, "head"},
		{"not a repository", []string{"--repo", t.TempDir(), "--base", "main", "--sandbox", sandbox.ModeNone}, 1, "base"},
		{"bad format", []string{"--repo", repo, "--base", "main", "--format", "xml"}, 2, "--format must be markdown or json"},
		{"bad filter", []string{"--repo", repo, "--base", "main", "--filter", "some"}, 2, "--filter"},
		{"bad sandbox", []string{"--repo", repo, "--base", "main", "--sandbox", "docker"}, 2, "--sandbox must be bwrap or none"},
		{"agent", []string{"--repo", repo, "--base", "main", "--agent", "claude"}, 2, "--agent"},
		{"extra argument", []string{"--repo", repo, "--base", "main", "extra"}, 2, "unexpected arguments"},
		{"unknown flag", []string{"--repo", repo, "--base", "main", "--nope"}, 2, "flag provided but not defined"},
		{"help", []string{"--help"}, 0, "Usage: symposium review"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"review", "--cache-dir", cache, "--fetch=false"}, tt.args...)
			code, out, errOut := runCommand(args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errOut)
			}
			if tt.code != 0 && out != "" {
				t.Errorf("a failed review printed to stdout:\n%s", out)
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestReviewSandboxErrorFirst checks that the sandbox, made while the
// analysis starts, still reports its error before any other.
func TestReviewSandboxErrorFirst(t *testing.T) {
	repo := reviewFixture(t)
	bin := t.TempDir()
	for _, tool := range []string{"git", "prlimit", "sleep", "setpriv"} {
		if p, err := exec.LookPath(tool); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", bin) // no bwrap
	for name, base := range map[string]string{"good base": "main", "bad base": "no-such-branch"} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCommand("review", "--cache-dir", t.TempDir(), "--fetch=false", "--repo", repo, "--base", base, "--sandbox", sandbox.ModeBwrap)
			if code != 1 || !strings.Contains(errOut, "needs bubblewrap") || strings.Contains(errOut, "no-such-branch") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 with only the sandbox's error", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout: %s", out)
			}
		})
	}
	// A bwrap that cannot create its namespaces: the probe runs beside
	// the first commands, and its error is still the one reported.
	if err := os.WriteFile(filepath.Join(bin, "bwrap"), []byte("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"sh", "cargo", "rustc", "rustfmt", "rustup"} {
		if p, err := exec.LookPath(tool); err == nil {
			_ = os.Symlink(p, filepath.Join(bin, tool))
		}
	}
	code, out, errOut := runCommand("review", "--cache-dir", t.TempDir(), "--fetch=false", "--repo", repo, "--base", "main", "--sandbox", sandbox.ModeBwrap)
	if code != 1 || !strings.Contains(errOut, "bwrap does not work on this host") || out != "" {
		t.Errorf("broken bwrap: exit %d, stdout %q, stderr:\n%s\nwant exit 1 with the probe's error", code, out, errOut)
	}
}
