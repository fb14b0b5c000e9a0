package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"strings"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

// sample holds the bundled Rust crate: sample/base is the default branch,
// sample/head the pull request's branch. The head adds code with clippy
// findings on changed lines (one with a machine-applicable fix) and keeps a
// finding on an unchanged line.
//
//go:embed sample
var sample embed.FS

// SampleOwner, SampleName and SamplePR name the bundled pull request.
const (
	SampleOwner = "octo-org"
	SampleName  = "inventory"
)

// SampleFiles returns the files of one side of the sample ("base" or
// "head"), by slash-separated path.
func SampleFiles(side string) (map[string]string, error) {
	root := path.Join("sample", side)
	files := map[string]string{}
	err := fs.WalkDir(sample, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sample.ReadFile(p)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(p, root+"/")] = string(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo: read the bundled sample: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("demo: the bundled sample has no %s side", side)
	}
	return files, nil
}

// BuildSample writes the bundled sample as a bare repository at bareDir:
// branch main holds the base, branch feature the head.
func BuildSample(ctx context.Context, bareDir string) (*githubfake.BuiltRepo, error) {
	base, err := SampleFiles("base")
	if err != nil {
		return nil, err
	}
	head, err := SampleFiles("head")
	if err != nil {
		return nil, err
	}
	var deletes []string
	for p := range base {
		if _, ok := head[p]; !ok {
			deletes = append(deletes, p)
		}
	}
	return githubfake.BuildRepo(ctx, bareDir, githubfake.RepoSpec{
		Base: base, Head: head, HeadDelete: deletes,
		BaseMessage: "Inventory: items and their total",
		HeadMessage: "Inventory: describe and find items",
	})
}

// BuildFromLocal makes a bare repository at bareDir from a local git
// repository: branch main at base, branch feature at head. The local
// repository is only read.
func BuildFromLocal(ctx context.Context, repoDir, base, head, bareDir string) (*githubfake.BuiltRepo, error) {
	baseSHA, err := resolveRev(ctx, repoDir, base)
	if err != nil {
		return nil, err
	}
	headSHA, err := resolveRev(ctx, repoDir, head)
	if err != nil {
		return nil, err
	}
	if baseSHA == headSHA {
		return nil, fmt.Errorf("demo: --base and --head are the same commit %s: there is nothing to review", baseSHA)
	}
	if _, err := git(ctx, "", "init", "--quiet", "--bare", "-b", "main", bareDir); err != nil {
		return nil, err
	}
	if _, err := git(ctx, repoDir, "push", "--quiet", "--no-verify", bareDir,
		baseSHA+":refs/heads/main", headSHA+":refs/heads/feature"); err != nil {
		return nil, fmt.Errorf("demo: copy %s into the fake GitHub: %w", repoDir, err)
	}
	return &githubfake.BuiltRepo{BareDir: bareDir, BaseBranch: "main", HeadBranch: "feature", BaseSHA: baseSHA, HeadSHA: headSHA}, nil
}

// PushLocal moves branch feature of the bare repository made by
// BuildFromLocal to rev of the local repository (a later push to the pull
// request, fast-forward or not) and returns the commit.
func PushLocal(ctx context.Context, repoDir, rev, bareDir string) (string, error) {
	sha, err := resolveRev(ctx, repoDir, rev)
	if err != nil {
		return "", err
	}
	if _, err := git(ctx, repoDir, "push", "--quiet", "--no-verify", "--force", bareDir, sha+":refs/heads/feature"); err != nil {
		return "", fmt.Errorf("demo: push %s into the fake GitHub: %w", rev, err)
	}
	return sha, nil
}

// resolveRev resolves a revision of the local repository to a commit.
func resolveRev(ctx context.Context, repoDir, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("demo: revision %q must not start with '-'", rev)
	}
	out, err := git(ctx, repoDir, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("demo: %s is not a commit of %s: %w", rev, repoDir, err)
	}
	return out, nil
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		detail := ""
		if ee, ok := err.(*exec.ExitError); ok {
			detail = strings.TrimSpace(string(ee.Stderr))
		}
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, detail)
	}
	return strings.TrimSpace(string(out)), nil
}
