// Package depthfixture is the test fixture of the Rust depth checks: a
// crate whose pull request adds an undocumented unsafe block, uses an API
// newer than its rust-version, removes a public function without a version
// bump and adds a path dependency with a build script, and an advisory
// database with an advisory for that dependency. Tests only.
package depthfixture

import (
	"embed"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

//go:embed all:crate all:advisory-db
var files embed.FS

// Repo creates a git repository whose branch main is the base and branch
// pr the head of the fixture's pull request, and returns its directory.
func Repo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	copyTree(t, "crate/base", dir)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	git(t, dir, "checkout", "-q", "-b", "pr")
	git(t, dir, "rm", "-q", "-r", ".")
	copyTree(t, "crate/head", dir)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "head: unsafe, a newer API, a removed fn, a dependency")
	return dir
}

// AdvisoryDB writes the fixture advisory database to a directory and
// returns it.
func AdvisoryDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, "advisory-db", dir)
	return dir
}

// Head returns a file of the head tree.
func Head(t testing.TB, name string) []byte {
	t.Helper()
	b, err := files.ReadFile("crate/head/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := fs.WalkDir(files, from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, filepath.FromSlash(strings.TrimPrefix(p, from+"/")))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}
