// Package depthfixture is the test fixture of the Rust depth checks: a
// crate whose pull request adds an undocumented unsafe block, uses an API
// newer than its rust-version, removes a public function without a version
// bump and adds a path dependency with a build script, and an advisory
// database with an advisory for that dependency. Used by the tests and by
// `symposium demo --depth-sample`.
package depthfixture

import (
	"embed"
	"fmt"
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
	if err := Build(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Build creates the fixture's git repository in dir (empty or missing):
// branch main is the base, branch pr the head.
func Build(dir string) error {
	steps := []func() error{
		func() error { return git(dir, "init", "-q", "-b", "main") },
		func() error { return copyTree("crate/base", dir) },
		func() error { return git(dir, "add", "-A") },
		func() error { return git(dir, "commit", "-q", "-m", "base") },
		func() error { return git(dir, "checkout", "-q", "-b", "pr") },
		func() error { return git(dir, "rm", "-q", "-r", ".") },
		func() error { return copyTree("crate/head", dir) },
		func() error { return git(dir, "add", "-A") },
		func() error {
			return git(dir, "commit", "-q", "-m", "head: unsafe, a newer API, a removed fn, a dependency")
		},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("depth fixture: %w", err)
		}
	}
	return nil
}

// AdvisoryDB writes the fixture advisory database to a directory and
// returns it.
func AdvisoryDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteAdvisoryDB(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// WriteAdvisoryDB writes the fixture advisory database into dir.
func WriteAdvisoryDB(dir string) error { return copyTree("advisory-db", dir) }

func copyTree(from, to string) error {
	return fs.WalkDir(files, from, func(p string, d fs.DirEntry, err error) error {
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
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %v: %w: %s", args, err, out)
	}
	return nil
}
