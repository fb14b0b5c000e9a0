package githubfake

import (
	"context"
	"os"
	"path/filepath"
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
