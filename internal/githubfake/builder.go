package githubfake

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RepoSpec describes a repository with a base branch and a head branch one
// commit ahead of it. Trees come from maps (path → content) or directories.
type RepoSpec struct {
	// BaseBranch is the default branch (default "main"); HeadBranch is the PR branch (default "feature").
	BaseBranch, HeadBranch string
	// Base holds the base commit's files; BaseDir, when set, is copied first.
	Base    map[string]string
	BaseDir string
	// Head holds files written on top of the base tree for the head commit;
	// HeadDir, when set, replaces the whole tree first. HeadDelete removes paths.
	Head       map[string]string
	HeadDir    string
	HeadDelete []string
	// BaseMessage and HeadMessage are the commit messages.
	BaseMessage, HeadMessage string
}

// BuiltRepo is a bare repository made by BuildRepo.
type BuiltRepo struct {
	BareDir                string
	BaseBranch, HeadBranch string
	BaseSHA, HeadSHA       string
}

// commitEnv makes commits reproducible and independent of the user's git config.
var commitEnv = []string{
	"GIT_AUTHOR_NAME=Octo Cat", "GIT_AUTHOR_EMAIL=octocat@example.com",
	"GIT_COMMITTER_NAME=Octo Cat", "GIT_COMMITTER_EMAIL=octocat@example.com",
	"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
	"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C",
}

func runGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Env = append(os.Environ(), commitEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// BuildRepo creates a bare repository at bareDir (which must not exist or be
// empty) holding spec's base and head commits, using the git CLI.
func BuildRepo(ctx context.Context, bareDir string, spec RepoSpec) (*BuiltRepo, error) {
	if spec.BaseBranch == "" {
		spec.BaseBranch = "main"
	}
	if spec.HeadBranch == "" {
		spec.HeadBranch = "feature"
	}
	if spec.BaseMessage == "" {
		spec.BaseMessage = "Base commit"
	}
	if spec.HeadMessage == "" {
		spec.HeadMessage = "Head commit"
	}
	work, err := os.MkdirTemp("", "githubfake-build-")
	if err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	defer os.RemoveAll(work)
	if err := os.MkdirAll(bareDir, 0o755); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	if _, err := runGit(ctx, bareDir, "init", "--quiet", "--bare", "-b", spec.BaseBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	if _, err := runGit(ctx, work, "init", "--quiet", "-b", spec.BaseBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	out := &BuiltRepo{BareDir: bareDir, BaseBranch: spec.BaseBranch, HeadBranch: spec.HeadBranch}
	if spec.BaseDir != "" {
		if err := copyTree(spec.BaseDir, work); err != nil {
			return nil, err
		}
	}
	if out.BaseSHA, err = commitFiles(ctx, work, spec.Base, nil, spec.BaseMessage); err != nil {
		return nil, err
	}
	if _, err := runGit(ctx, work, "checkout", "--quiet", "-b", spec.HeadBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	if spec.HeadDir != "" {
		if _, err := runGit(ctx, work, "rm", "-r", "--quiet", "."); err != nil {
			return nil, fmt.Errorf("githubfake: build repo: %w", err)
		}
		if err := copyTree(spec.HeadDir, work); err != nil {
			return nil, err
		}
	}
	if out.HeadSHA, err = commitFiles(ctx, work, spec.Head, spec.HeadDelete, spec.HeadMessage); err != nil {
		return nil, err
	}
	if _, err := runGit(ctx, work, "push", "--quiet", bareDir, spec.BaseBranch, spec.HeadBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	return out, nil
}

// Commit adds a commit on branch of the bare repository (writing files and
// removing deletes) and returns its SHA. A branch that does not exist is
// created from the default branch. Call SetPullRequestHead (or push through the
// fake) for a PR to follow the new commit.
func Commit(ctx context.Context, bareDir, branch string, files map[string]string, deletes []string, message string) (string, error) {
	work, err := os.MkdirTemp("", "githubfake-commit-")
	if err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	defer os.RemoveAll(work)
	if _, err := runGit(ctx, work, "clone", "--quiet", bareDir, "."); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	if _, err := runGit(ctx, work, "checkout", "--quiet", "-B", branch, "origin/"+branch); err != nil {
		if _, err := runGit(ctx, work, "checkout", "--quiet", "-b", branch); err != nil {
			return "", fmt.Errorf("githubfake: commit: %w", err)
		}
	}
	sha, err := commitFiles(ctx, work, files, deletes, message)
	if err != nil {
		return "", err
	}
	if _, err := runGit(ctx, work, "push", "--quiet", "origin", branch); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	return sha, nil
}

// commitFiles writes and removes files in the work tree and commits everything.
func commitFiles(ctx context.Context, work string, files map[string]string, deletes []string, message string) (string, error) {
	for name, content := range files {
		p := filepath.Join(work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("githubfake: write %s: %w", name, err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", fmt.Errorf("githubfake: write %s: %w", name, err)
		}
	}
	for _, name := range deletes {
		if _, err := runGit(ctx, work, "rm", "--quiet", "--", name); err != nil {
			return "", fmt.Errorf("githubfake: delete %s: %w", name, err)
		}
	}
	if _, err := runGit(ctx, work, "add", "-A"); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	if _, err := runGit(ctx, work, "commit", "--quiet", "--allow-empty", "-m", message); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	sha, err := runGit(ctx, work, "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	return sha, nil
}

// copyTree copies the files, directories and symlinks under src into dst, skipping .git.
func copyTree(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file, directory or symlink", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		return fmt.Errorf("githubfake: copy %s: %w", src, err)
	}
	return nil
}
