package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(localEnv(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func put(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// localRepo makes base (on main) and head (on a branch, after main moved on).
func localRepo(t *testing.T) (dir, base, head string) {
	dir = t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	put(t, dir, "src/lib.rs", "fn a() {}\n")
	put(t, dir, "old.txt", "1\n2\n3\n4\n5\n")
	put(t, dir, ".gitattributes", "*.rs text eol=crlf\n*.txt export-ignore\n")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "base")
	gitIn(t, dir, "checkout", "-q", "-b", "pr")
	put(t, dir, "src/lib.rs", "fn a() {}\nfn b() {}\n")
	gitIn(t, dir, "mv", "old.txt", "new.txt")
	if err := os.Symlink("src/lib.rs", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	put(t, dir, "run.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "head")
	gitIn(t, dir, "checkout", "-q", "main")
	put(t, dir, "main-only.rs", "x\n")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "main moves on")
	return dir, "main", "pr"
}

func TestLocalOps(t *testing.T) {
	ctx := context.Background()
	dir, base, head := localRepo(t)
	headSHA, err := RevParse(ctx, dir, head)
	if err != nil || len(headSHA) != 40 {
		t.Fatalf("RevParse = %q, %v", headSHA, err)
	}
	for _, bad := range []string{"--output=/tmp/x", "nope", ""} {
		if _, err := RevParse(ctx, dir, bad); err == nil {
			t.Errorf("RevParse(%q) succeeded", bad)
		}
	}
	mb, diff, err := PullRequestDiff(ctx, dir, base, head)
	if err != nil {
		t.Fatal(err)
	}
	if want := gitIn(t, dir, "rev-parse", "main~1"); mb != want {
		t.Errorf("merge base %s, want %s", mb, want)
	}
	d := string(diff)
	for _, want := range []string{"rename from old.txt", "+fn b() {}", "new file mode 100755", "b/link"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "main-only.rs") {
		t.Errorf("diff includes the base branch's own change:\n%s", d)
	}

	b, ok, err := Show(ctx, dir, base, "src/lib.rs")
	if err != nil || !ok || string(b) != "fn a() {}\n" {
		t.Errorf("Show = %q %v %v", b, ok, err)
	}
	if _, ok, err := Show(ctx, dir, base, ".github/symposium.toml"); ok || err != nil {
		t.Errorf("Show of a missing file = %v %v", ok, err)
	}
	if _, _, err := Show(ctx, dir, base, "src"); err == nil {
		t.Error("Show of a directory succeeded")
	}
}

func TestExportTree(t *testing.T) {
	ctx := context.Background()
	dir, base, head := localRepo(t)
	dest := filepath.Join(t.TempDir(), "src")
	if err := ExportTree(ctx, dir, head, dest); err != nil {
		t.Fatal(err)
	}
	// Byte for byte: no eol conversion, export-ignore has no effect.
	if b, ok := ReadTreeFile(dest, "src/lib.rs"); !ok || string(b) != "fn a() {}\nfn b() {}\n" {
		t.Errorf("lib.rs = %q", b)
	}
	if _, ok := ReadTreeFile(dest, "new.txt"); !ok {
		t.Error("new.txt missing")
	}
	if fi, err := os.Stat(filepath.Join(dest, "run.sh")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("run.sh: %v %v", fi, err)
	}
	if target, err := os.Readlink(filepath.Join(dest, "link")); err != nil || target != "src/lib.rs" {
		t.Errorf("link -> %q, %v", target, err)
	}
	if _, ok := ReadTreeFile(dest, "link"); ok {
		t.Error("ReadTreeFile followed a symlink")
	}

	// Re-export of another revision: unchanged files keep their mtime,
	// stale files go, extra files go.
	old := time.Now().Add(-time.Hour)
	libPath := filepath.Join(dest, "src/lib.rs")
	runPath := filepath.Join(dest, "run.sh")
	for _, p := range []string{libPath, runPath} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	put(t, dest, "junk/stray.rs", "x")
	gitIn(t, dir, "checkout", "-q", head)
	put(t, dir, "src/lib.rs", "changed\n")
	gitIn(t, dir, "commit", "-q", "-am", "next")
	if err := ExportTree(ctx, dir, "HEAD", dest); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(runPath); !fi.ModTime().Equal(old) {
		t.Error("unchanged run.sh was rewritten")
	}
	if fi, _ := os.Stat(libPath); fi.ModTime().Equal(old) {
		t.Error("changed lib.rs kept its mtime")
	}
	if _, err := os.Stat(filepath.Join(dest, "junk")); !os.IsNotExist(err) {
		t.Errorf("stray directory survived: %v", err)
	}
	if err := ExportTree(ctx, dir, base, dest); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"new.txt", "run.sh", "link"} {
		if _, err := os.Lstat(filepath.Join(dest, gone)); !os.IsNotExist(err) {
			t.Errorf("%s survived the export of base: %v", gone, err)
		}
	}
}

// TestExportTreeWith: overrides replace regular files' bytes; what a build
// left (a directory swapped for a link, a file swapped for one) is undone;
// an override of a path that is no regular file of the tree is an error.
func TestExportTreeWith(t *testing.T) {
	ctx := context.Background()
	dir, _, head := localRepo(t)
	dest := filepath.Join(t.TempDir(), "src")
	if err := ExportTree(ctx, dir, head, dest); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.Rename(filepath.Join(dest, "src"), filepath.Join(outside, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dest, "src")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dest, "new.txt"))
	if err := os.Symlink("/etc/hostname", filepath.Join(dest, "new.txt")); err != nil {
		t.Fatal(err)
	}
	if err := ExportTreeWith(ctx, dir, head, dest, map[string][]byte{"src/lib.rs": []byte("fn fixed() {}\n")}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(dest, "src")); err != nil || !fi.IsDir() {
		t.Errorf("src is %v, %v; want a directory again", fi, err)
	}
	if b, ok := ReadTreeFile(dest, "src/lib.rs"); !ok || string(b) != "fn fixed() {}\n" {
		t.Errorf("src/lib.rs = %q, %v", b, ok)
	}
	if _, ok := ReadTreeFile(dest, "new.txt"); !ok {
		t.Error("new.txt is not a regular file again")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the export wrote outside its directory: %v", entries)
	}
	for _, bad := range []string{"link", "missing.rs"} {
		if err := ExportTreeWith(ctx, dir, head, dest, map[string][]byte{bad: []byte("x")}); err == nil {
			t.Errorf("override of %s accepted", bad)
		}
	}
}
