package githubfake

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildRepoFromDirectories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	write := func(dir, name, content string) {
		p := filepath.Join(root, dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base", "Cargo.toml", "[package]\nname = \"x\"\n")
	write("base", "src/lib.rs", "pub fn a() {}\n")
	write("head", "Cargo.toml", "[package]\nname = \"x\"\n")
	write("head", "src/main.rs", "fn main() {}\n")
	built, err := BuildRepo(ctx, filepath.Join(root, "x.git"), RepoSpec{
		BaseDir: filepath.Join(root, "base"), HeadDir: filepath.Join(root, "head"), BaseBranch: "trunk", HeadBranch: "topic",
	})
	if err != nil {
		t.Fatal(err)
	}
	files, err := runGit(ctx, built.BareDir, "ls-tree", "-r", "--name-only", "topic")
	if err != nil || files != "Cargo.toml\nsrc/main.rs" {
		t.Fatalf("head tree = %q, %v", files, err)
	}
	if head, _ := runGit(ctx, built.BareDir, "symbolic-ref", "--short", "HEAD"); head != "trunk" {
		t.Fatalf("default branch %q", head)
	}
	if base, _ := runGit(ctx, built.BareDir, "rev-parse", "trunk"); base != built.BaseSHA {
		t.Fatalf("trunk = %s, want %s", base, built.BaseSHA)
	}
}

func TestCommitChangeWritesLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	built, err := BuildRepo(ctx, filepath.Join(root, "x.git"), RepoSpec{
		Base: map[string]string{"Cargo.toml": "[package]\n", "src/lib.rs": "pub fn a() {}\n", "src/m/mod.rs": "\n"},
		Head: map[string]string{"src/other.rs": "\n"}, HeadLinks: map[string]string{"src/other.rs": "lib.rs"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tree, _ := runGit(ctx, built.BareDir, "ls-tree", "-r", built.HeadBranch, "src/other.rs"); !strings.HasPrefix(tree, "120000 blob ") {
		t.Fatalf("HeadLinks: src/other.rs = %q, want a link", tree)
	}
	links := map[string]string{
		"src/lib.rs":         "/etc/hostname",          // replaces a file
		"src/m":              "/",                      // replaces a directory
		"src/up.rs":          "../../../../etc/passwd", // escapes
		".cargo/config.toml": root + "/secret",         // new directory, absolute target
	}
	sha, err := CommitChange(ctx, built.BareDir, built.HeadBranch, Change{
		Files: map[string]string{"README": "hi\n"}, Links: links, Message: "links",
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, target := range links {
		tree, err := runGit(ctx, built.BareDir, "ls-tree", sha, path)
		if err != nil || !strings.HasPrefix(tree, "120000 blob ") || !strings.HasSuffix(tree, "\t"+path) {
			t.Errorf("%s: tree entry %q (%v), want a link", path, tree, err)
		}
		if got, _ := runGit(ctx, built.BareDir, "cat-file", "blob", sha+":"+path); got != target {
			t.Errorf("%s -> %q, want %q", path, got, target)
		}
	}
	if files, _ := runGit(ctx, built.BareDir, "ls-tree", "-r", "--name-only", sha); files != ".cargo/config.toml\nCargo.toml\nREADME\nsrc/lib.rs\nsrc/m\nsrc/other.rs\nsrc/up.rs" {
		t.Errorf("tree = %q", files)
	}
	if _, err := os.Lstat(filepath.Join(root, "secret")); !os.IsNotExist(err) {
		t.Errorf("a link target was created: %v", err)
	}
	// The plain Commit still writes regular files, on top of the links.
	next, err := Commit(ctx, built.BareDir, built.HeadBranch, map[string]string{"src/new.rs": "\n"}, []string{"src/up.rs"}, "more")
	if err != nil {
		t.Fatal(err)
	}
	if tree, _ := runGit(ctx, built.BareDir, "ls-tree", "-r", next); !strings.Contains(tree, "100644 blob ") ||
		!strings.Contains(tree, "120000 blob ") || strings.Contains(tree, "src/up.rs") || !strings.Contains(tree, "\tsrc/new.rs") {
		t.Errorf("tree after Commit:\n%s", tree)
	}
}
