package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestFixCommand(t *testing.T) {
	t.Setenv("GIT_AUTHOR_NAME", "Dev")
	t.Setenv("GIT_AUTHOR_EMAIL", "dev@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Dev")
	t.Setenv("GIT_COMMITTER_EMAIL", "dev@example.com")
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(t, dir, "init", "--quiet", "-b", "main")
	write("Cargo.toml", "[package]\nname = \"clidemo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	write("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n")
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "--quiet", "-m", "base")
	gitCmd(t, dir, "checkout", "--quiet", "-b", "feature")
	write("src/lib.rs", "pub fn one() -> u32 {\n    return 1;\n}\n")
	gitCmd(t, dir, "commit", "--quiet", "-am", "head")
	head := gitCmd(t, dir, "rev-parse", "HEAD")
	cache := t.TempDir()

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"fix", "--repo", dir, "--base", "main", "--cache-dir", cache, "--fetch=false"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "clippy::needless_return in src/lib.rs") {
		t.Errorf("stdout does not name the fix:\n%s", stdout.String())
	}
	if diff := gitCmd(t, dir, "diff", "--name-only"); diff != "src/lib.rs" {
		t.Errorf("work tree changes = %q, want src/lib.rs", diff)
	}
	gitCmd(t, dir, "checkout", "--", "src/lib.rs")

	stdout.Reset()
	code = run(context.Background(), []string{"fix", "--repo", dir, "--base", "main", "--cache-dir", cache, "--fetch=false", "--commit"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("--commit: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if parent := gitCmd(t, dir, "rev-parse", "HEAD^"); parent != head {
		t.Errorf("HEAD^ = %s, want the old head %s", parent, head)
	}
	if author := gitCmd(t, dir, "log", "-1", "--format=%an"); author != "Dev" {
		t.Errorf("author = %q, want the user's identity", author)
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"fix", "--repo", dir, "--base", "main", "--cache-dir", cache, "--fetch=false"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Nothing to fix") {
		t.Errorf("second run: exit %d, stdout:\n%s", code, stdout.String())
	}
}

func TestFixCommandErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"fix"}, &stdout, &stderr); code != 2 {
		t.Errorf("no --base: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"fix", "--base", "main", "--repo", t.TempDir(), "--cache-dir", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Errorf("not a repository: exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
}
