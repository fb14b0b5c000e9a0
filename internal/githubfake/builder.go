package githubfake

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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
	// HeadLinks holds symbolic links (path → target) written on top of the
	// head tree, after Head: see Change.Links.
	HeadLinks map[string]string
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
	return runGitInput(ctx, dir, "", args...)
}

// runGitInput is runGit with stdin.
func runGitInput(ctx context.Context, dir, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Env = append(os.Environ(), commitEnv...)
	cmd.Stdin = strings.NewReader(stdin)
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
	if out.BaseSHA, err = commitChange(ctx, work, Change{Files: spec.Base, Message: spec.BaseMessage}, spec.BaseDir != ""); err != nil {
		return nil, err
	}
	if _, err := runGit(ctx, work, "checkout", "--quiet", "-b", spec.HeadBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	if spec.HeadDir != "" {
		if _, err := runGit(ctx, work, "rm", "-r", "-f", "--quiet", "."); err != nil {
			return nil, fmt.Errorf("githubfake: build repo: %w", err)
		}
		if err := copyTree(spec.HeadDir, work); err != nil {
			return nil, err
		}
	}
	head := Change{Files: spec.Head, Links: spec.HeadLinks, Deletes: spec.HeadDelete, Message: spec.HeadMessage}
	if out.HeadSHA, err = commitChange(ctx, work, head, spec.HeadDir != ""); err != nil {
		return nil, err
	}
	if _, err := runGit(ctx, work, "push", "--quiet", bareDir, spec.BaseBranch, spec.HeadBranch); err != nil {
		return nil, fmt.Errorf("githubfake: build repo: %w", err)
	}
	return out, nil
}

// Change is the content of one commit made by CommitChange.
type Change struct {
	// Files are regular files (path → content), written with mode 100644.
	Files map[string]string
	// Links are symbolic links (path → target): git entries of mode 120000
	// whose blob is the target, written straight into the index, so that
	// no link is ever created, let alone followed, on the machine building
	// the commit. A link replaces a file or a whole directory at its path;
	// a file of Files below a linked path is dropped with the directory.
	Links map[string]string
	// Deletes are paths removed from the tree.
	Deletes []string
	// Message is the commit message.
	Message string
}

// Commit adds a commit on branch of the bare repository (writing files and
// removing deletes) and returns its SHA. A branch that does not exist is
// created from the default branch. Call SetPullRequestHead (or push through the
// fake) for a PR to follow the new commit.
func Commit(ctx context.Context, bareDir, branch string, files map[string]string, deletes []string, message string) (string, error) {
	return CommitChange(ctx, bareDir, branch, Change{Files: files, Deletes: deletes, Message: message})
}

// CommitChange is Commit with symbolic links too (see Change). It works on
// the index of a clone with no work tree, so no file or link of the branch
// is ever written, or followed, on this machine.
func CommitChange(ctx context.Context, bareDir, branch string, c Change) (string, error) {
	work, err := os.MkdirTemp("", "githubfake-commit-")
	if err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	defer os.RemoveAll(work)
	if _, err := runGit(ctx, work, "clone", "--quiet", "--no-checkout", bareDir, "."); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	start, err := runGit(ctx, work, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/"+branch+"^{commit}")
	if err != nil {
		// A new branch starts at the default branch.
		if start, err = runGit(ctx, work, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
			return "", fmt.Errorf("githubfake: commit: %w", err)
		}
	}
	for _, args := range [][]string{
		{"update-ref", "refs/heads/" + branch, start},
		{"symbolic-ref", "HEAD", "refs/heads/" + branch},
		{"read-tree", start},
	} {
		if _, err := runGit(ctx, work, args...); err != nil {
			return "", fmt.Errorf("githubfake: commit: %w", err)
		}
	}
	sha, err := commitChange(ctx, work, c, false)
	if err != nil {
		return "", err
	}
	if _, err := runGit(ctx, work, "push", "--quiet", "origin", branch); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	return sha, nil
}

// commitChange commits c on top of the index of work, after adding the whole
// work tree when addWorkTree is set (a directory was copied there). Files,
// links and deletions go straight into the index: the work tree no longer
// matches the commit afterwards.
func commitChange(ctx context.Context, work string, c Change, addWorkTree bool) (string, error) {
	if addWorkTree {
		if _, err := runGit(ctx, work, "add", "-A"); err != nil {
			return "", fmt.Errorf("githubfake: commit: %w", err)
		}
	}
	for _, name := range c.Deletes {
		if _, err := runGit(ctx, work, "rm", "-r", "--cached", "--quiet", "--", ":(literal)"+name); err != nil {
			return "", fmt.Errorf("githubfake: delete %s: %w", name, err)
		}
	}
	put := func(mode, name, content string) error {
		blob, err := runGitInput(ctx, work, content, "hash-object", "-w", "--no-filters", "--stdin")
		if err != nil {
			return err
		}
		// A directory in the way goes first: update-index --replace only
		// replaces a file by a directory or the reverse at the leaf.
		if _, err := runGit(ctx, work, "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "--", ":(literal)"+name); err != nil {
			return err
		}
		_, err = runGit(ctx, work, "update-index", "--add", "--replace", "--cacheinfo", mode+","+blob+","+name)
		return err
	}
	for _, name := range sortedKeys(c.Files) {
		if err := put("100644", name, c.Files[name]); err != nil {
			return "", fmt.Errorf("githubfake: write %s: %w", name, err)
		}
	}
	for _, name := range sortedKeys(c.Links) {
		if err := put("120000", name, c.Links[name]); err != nil {
			return "", fmt.Errorf("githubfake: link %s: %w", name, err)
		}
	}
	if _, err := runGit(ctx, work, "commit", "--quiet", "--allow-empty", "-m", c.Message); err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	sha, err := runGit(ctx, work, "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("githubfake: commit: %w", err)
	}
	return sha, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
