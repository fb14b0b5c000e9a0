package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hostileRepo is a crate whose pull request (branch pr, checked out) adds
// src/x.rs as a link to a host file holding a secret, and a build script
// that edits a source during every build.
func hostileRepo(t *testing.T) (repo, secretFile string) {
	t.Helper()
	secretFile = filepath.Join(t.TempDir(), "secret.rs")
	if err := os.WriteFile(secretFile, []byte("pub fn  secret_7f3a( ){}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	repo = t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reviewGit(t, repo, "init", "-q", "-b", "main")
	write("Cargo.toml", "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	write("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n")
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "base")
	reviewGit(t, repo, "checkout", "-q", "-b", "pr")
	write("src/lib.rs", "pub fn one() -> u32 {\n    return 1;\n}\n")
	write("build.rs", `fn main() {
    let s = std::fs::read_to_string("src/lib.rs").unwrap();
    if !s.contains("injected") { let _ = std::fs::write("src/lib.rs", s + "pub fn injected() {}\n"); }
}
`)
	if err := os.Symlink(secretFile, filepath.Join(repo, "src/x.rs")); err != nil {
		t.Fatal(err)
	}
	// A device: reading it would never end.
	if err := os.Symlink("/dev/zero", filepath.Join(repo, "src/zero.rs")); err != nil {
		t.Fatal(err)
	}
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "head")
	return repo, secretFile
}

// TestCommandsRefuseALinkedManifest: a head whose Cargo.toml is a link to a
// host file is not analysed (review says why) and not fixed.
func TestCommandsRefuseALinkedManifest(t *testing.T) {
	repo := t.TempDir()
	manifest := filepath.Join(t.TempDir(), "Cargo.toml")
	if err := os.WriteFile(manifest, []byte("[package]\nname = \"elsewhere\"\nversion = \"0.1.0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	reviewGit(t, repo, "init", "-q", "-b", "main")
	if err := os.MkdirAll(filepath.Join(repo, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "Cargo.toml"), []byte("[package]\nname = \"m\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "src/lib.rs"), []byte("pub fn a() {}\n"), 0o644)
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "base")
	reviewGit(t, repo, "checkout", "-q", "-b", "pr")
	os.Remove(filepath.Join(repo, "Cargo.toml"))
	if err := os.Symlink(manifest, filepath.Join(repo, "Cargo.toml")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "src/lib.rs"), []byte("pub fn a() { return; }\n"), 0o644)
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "head")
	head := reviewGit(t, repo, "rev-parse", "HEAD")

	code, out, errOut := runCommand("review", "--repo", repo, "--base", "main", "--head", "pr", "--sandbox", sandboxMode(), "--cache-dir", t.TempDir(), "--fetch=false", "--format", "json")
	if code != 0 || !strings.Contains(out, "`Cargo.toml` is a symbolic link: not followed") || strings.Contains(out, "elsewhere") {
		t.Errorf("review: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCommand("fix", "--repo", repo, "--base", "main", "--sandbox", sandboxMode(), "--cache-dir", t.TempDir(), "--fetch=false", "--commit")
	if got := reviewGit(t, repo, "rev-parse", "HEAD"); got != head {
		t.Errorf("fix committed on a linked manifest (exit %d):\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out+errOut, "Cargo.toml") {
		t.Errorf("fix does not say why (exit %d):\n%s\n%s", code, out, errOut)
	}
}

// TestCommandsOnAHostilePullRequest: `symposium review` and `symposium fix
// --commit` never read the linked host file and never commit what the
// build wrote.
func TestCommandsOnAHostilePullRequest(t *testing.T) {
	repo, secretFile := hostileRepo(t)
	head := reviewGit(t, repo, "rev-parse", "HEAD")
	cache := t.TempDir()

	code, out, errOut := runCommand("review", "--repo", repo, "--base", "main", "--head", "pr", "--sandbox", sandboxMode(), "--cache-dir", cache, "--fetch=false", "--format", "json")
	if code != 0 {
		t.Fatalf("review: exit %d\n%s", code, errOut)
	}
	if strings.Contains(out, "secret_7f3a") {
		t.Errorf("review output holds the host file:\n%s", out)
	}
	for _, link := range []string{"src/x.rs", "src/zero.rs"} {
		if !strings.Contains(out, "`"+link+"` is a symbolic link: not followed.") {
			t.Errorf("review lacks the note on %s:\n%s", link, out)
		}
	}

	code, out, errOut = runCommand("fix", "--repo", repo, "--base", "main", "--sandbox", sandboxMode(), "--cache-dir", cache, "--fetch=false", "--commit")
	if code != 0 {
		t.Fatalf("fix: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "secret_7f3a") || !strings.Contains(out, "`src/x.rs` is a symbolic link") {
		t.Errorf("fix output:\n%s", out)
	}
	if parent := reviewGit(t, repo, "rev-parse", "HEAD^"); parent != head {
		t.Fatalf("HEAD^ = %s, want a fix commit on %s:\n%s", parent, head, out)
	}
	if files := reviewGit(t, repo, "diff", "--name-only", head, "HEAD"); files != "src/lib.rs" {
		t.Errorf("the commit changes %q", files)
	}
	if got := reviewGit(t, repo, "show", "HEAD:src/lib.rs"); got != "pub fn one() -> u32 {\n    1\n}" {
		t.Errorf("committed src/lib.rs = %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(repo, "src/lib.rs")); strings.Contains(string(b), "injected") {
		t.Errorf("the build's edit reached the work tree:\n%s", b)
	}
	if b, _ := os.ReadFile(secretFile); string(b) != "pub fn  secret_7f3a( ){}\n" {
		t.Errorf("the host file changed: %q", b)
	}
}

// TestFixCountsMatch: `symposium fix` prints the count the commit message
// gives.
func TestFixCountsMatch(t *testing.T) {
	repo := t.TempDir()
	reviewGit(t, repo, "init", "-q", "-b", "main")
	files := map[string]string{
		"Cargo.toml": "[package]\nname = \"counts\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"src/lib.rs": "pub fn one() -> u32 {\n    1\n}\n",
	}
	for name, content := range files {
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "base")
	reviewGit(t, repo, "checkout", "-q", "-b", "pr")
	lib := "pub fn one() -> u32 {\n    return 1;\n}\n\npub fn two(v: &[u8]) -> bool {\n    return v.len() == 0;\n}\n\npub fn  three( )->u32{ 3 }\n"
	if err := os.WriteFile(filepath.Join(repo, "src/lib.rs"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	reviewGit(t, repo, "commit", "-q", "-am", "head")
	t.Setenv("GIT_AUTHOR_NAME", "Dev")
	t.Setenv("GIT_AUTHOR_EMAIL", "dev@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Dev")
	t.Setenv("GIT_COMMITTER_EMAIL", "dev@example.com")
	code, out, errOut := runCommand("fix", "--repo", repo, "--base", "main", "--sandbox", sandboxMode(), "--cache-dir", t.TempDir(), "--fetch=false", "--commit")
	if code != 0 {
		t.Fatalf("fix: exit %d\n%s\n%s", code, out, errOut)
	}
	printed := regexp.MustCompile(`Applied (\d+) Symposium fix`).FindStringSubmatch(out)
	subject := reviewGit(t, repo, "log", "-1", "--format=%s")
	committed := regexp.MustCompile(`^Apply (\d+) Symposium fix`).FindStringSubmatch(subject)
	if printed == nil || committed == nil || printed[1] != committed[1] {
		t.Fatalf("printed %q, committed %q", out, subject)
	}
	// Two needless returns, one len_zero (found in the second round) and
	// one rustfmt region.
	if printed[1] != "4" {
		t.Errorf("count %s, want 4:\n%s", printed[1], out)
	}
	want := "pub fn one() -> u32 {\n    1\n}\n\npub fn two(v: &[u8]) -> bool {\n    v.is_empty()\n}\n\npub fn three() -> u32 {\n    3\n}\n"
	if got := reviewGit(t, repo, "show", "HEAD:src/lib.rs") + "\n"; got != want {
		t.Errorf("committed:\n%s\nwant\n%s", got, want)
	}
}
