package gitrepo

// This file holds the remote operations: fetching a pull request into a
// per-task work directory through a per-repository cache, and pushing a
// commit. The token only ever travels in the environment of the git
// process, as an HTTP header scoped to the remote's host.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// FetchOptions says which pull request to fetch and where to put it.
type FetchOptions struct {
	// URL is the HTTPS clone URL of the base repository; pull requests from
	// forks are fetched from it too, through refs/pull/<n>/head.
	URL string
	// Token authenticates git over HTTPS; empty for anonymous access.
	Token string
	// PR is the pull request number.
	PR int
	// BaseRef is the base branch name (without refs/heads/).
	BaseRef string
	// HeadSHA, when set, is the head to check out; it is fetched by SHA if
	// the pull request has moved on since.
	HeadSHA string
	// CacheDir holds one partial mirror per repository, shared by tasks
	// (and processes). Empty means a private cache removed with the work dir.
	CacheDir string
	// WorkDir is created for this task and must not exist yet.
	WorkDir string
	// BaseFiles are paths read later at the base revision (the repository
	// configuration): their contents are downloaded now, while the token is
	// at hand, because the mirror is partial. Missing paths are skipped.
	BaseFiles []string
	// NoCheckout leaves the work tree's files unwritten, for callers that
	// read the revisions through git only (the review exports the head
	// itself): Dir is then a worktree at HeadSHA with no files. What such a
	// caller reads — the head's whole tree, the changed files at the merge
	// base and at the base, BaseFiles — is downloaded in one request.
	NoCheckout bool
}

// PullCheckout is a pull request head checked out in a work directory.
type PullCheckout struct {
	// Dir is the work tree, at HeadSHA (detached).
	Dir       string
	HeadSHA   string
	BaseSHA   string
	MergeBase string

	cache        string
	privateCache bool
}

// ErrPushRejected reports a push refused because the branch moved on (it
// was not a fast-forward). Pushes are never forced.
var ErrPushRejected = errors.New("push rejected: the branch has moved")

var safeRef = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

func (o FetchOptions) validate() error {
	u, err := url.Parse(o.URL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("repository URL %q is not an http(s) URL", o.URL)
	case u.User != nil:
		return errors.New("repository URL must not carry credentials")
	case o.PR <= 0:
		return fmt.Errorf("pull request number %d is not valid", o.PR)
	case !safeRef.MatchString(o.BaseRef) || strings.HasPrefix(o.BaseRef, "-") || strings.Contains(o.BaseRef, ".."):
		return fmt.Errorf("base branch %q is not a valid branch name", o.BaseRef)
	case o.HeadSHA != "" && !isHexSHA(o.HeadSHA):
		return fmt.Errorf("head SHA %q is not a full hex SHA", o.HeadSHA)
	case o.WorkDir == "":
		return errors.New("work dir is required")
	}
	return nil
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

func isHexSHA(s string) bool { return hexSHA.MatchString(s) }

// FetchPullRequest fetches the base branch and refs/pull/<n>/head into the
// repository's cache (a blob-less partial mirror, so the merge base is
// always there and only the blobs needed are downloaded) and checks the head
// out into WorkDir as a git worktree of the cache. The caller removes it
// with Remove.
func FetchPullRequest(ctx context.Context, opts FetchOptions) (*PullCheckout, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("fetch pull request: %w", err)
	}
	workDir, err := filepath.Abs(opts.WorkDir)
	if err != nil {
		return nil, fmt.Errorf("fetch pull request: %w", err)
	}
	if _, err := os.Lstat(workDir); err == nil {
		return nil, fmt.Errorf("fetch pull request: work dir %s already exists", workDir)
	}
	co := &PullCheckout{Dir: workDir}
	cacheRoot := opts.CacheDir
	if cacheRoot == "" {
		cacheRoot = workDir + ".cache"
		co.privateCache = true
	}
	co.cache, err = cachePath(cacheRoot, opts.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch pull request: %w", err)
	}
	env := remoteEnv(opts.URL, opts.Token)

	unlock, err := lockCache(ctx, co.cache)
	if err != nil {
		return nil, fmt.Errorf("fetch pull request #%d: %w", opts.PR, err)
	}
	defer unlock()

	if err := co.fetch(ctx, env, opts); err != nil {
		co.cleanup(ctx)
		return nil, fmt.Errorf("fetch pull request #%d: %w", opts.PR, err)
	}
	return co, nil
}

func (co *PullCheckout) fetch(ctx context.Context, env []string, opts FetchOptions) error {
	if err := initCache(ctx, co.cache, opts.URL); err != nil {
		return err
	}
	headRef := fmt.Sprintf("refs/pull/%d/head", opts.PR)
	baseRef := "refs/remotes/origin/" + opts.BaseRef
	if _, err := remoteGit(ctx, co.cache, env, "fetch", "--quiet", "--no-tags", "--filter=blob:none", "origin",
		"+refs/heads/"+opts.BaseRef+":"+baseRef, "+"+headRef+":"+headRef); err != nil {
		return err
	}
	head, err := revParse(ctx, co.cache, headRef)
	if err != nil {
		return err
	}
	if opts.HeadSHA != "" && opts.HeadSHA != head {
		if _, err := remoteGit(ctx, co.cache, nil, "cat-file", "-e", opts.HeadSHA+"^{commit}"); err != nil {
			if _, err := remoteGit(ctx, co.cache, env, "fetch", "--quiet", "--no-tags", "--filter=blob:none", "origin", opts.HeadSHA); err != nil {
				return fmt.Errorf("head %s is no longer the pull request's head (%s) and cannot be fetched: %w", opts.HeadSHA, head, err)
			}
		}
		head = opts.HeadSHA
	}
	co.HeadSHA = head
	if co.BaseSHA, err = revParse(ctx, co.cache, baseRef); err != nil {
		return err
	}
	out, err := remoteGit(ctx, co.cache, nil, "merge-base", co.BaseSHA, co.HeadSHA)
	if err != nil {
		return fmt.Errorf("no merge base between %s and %s: %w", opts.BaseRef, head, err)
	}
	co.MergeBase = strings.TrimSpace(out)
	if err := os.MkdirAll(filepath.Dir(co.Dir), 0o755); err != nil {
		return fmt.Errorf("create work dir parent: %w", err)
	}
	for _, p := range opts.BaseFiles {
		if strings.HasPrefix(p, "-") || strings.ContainsAny(p, "\x00\n") {
			return fmt.Errorf("base file %q is not a valid path", p)
		}
	}
	if opts.NoCheckout {
		if _, err := remoteGit(ctx, co.cache, nil, "worktree", "add", "--quiet", "--detach", "--no-checkout", co.Dir, co.HeadSHA); err != nil {
			return err
		}
		return co.prefetchBlobs(ctx, env, opts.BaseFiles)
	}
	if _, err := remoteGit(ctx, co.cache, env, "worktree", "add", "--quiet", "--detach", co.Dir, co.HeadSHA); err != nil {
		return err
	}
	// Download the base side of the changed files now, while we hold a
	// token: later local diffs then need no network.
	if _, err := remoteGit(ctx, co.Dir, env, "diff", "--numstat", co.MergeBase, co.HeadSHA); err != nil {
		return err
	}
	for _, p := range opts.BaseFiles {
		listed, err := remoteGit(ctx, co.cache, nil, "ls-tree", "--name-only", co.BaseSHA, "--", p)
		if err != nil {
			return err
		}
		if strings.TrimSpace(listed) == "" {
			continue
		}
		if _, err := remoteGit(ctx, co.cache, env, "cat-file", "blob", co.BaseSHA+":"+p); err != nil {
			return err
		}
	}
	return nil
}

// Remove deletes the work dir and its worktree entry in the cache.
func (co *PullCheckout) Remove(ctx context.Context) error {
	unlock, err := lockCache(ctx, co.cache)
	if err != nil {
		return fmt.Errorf("remove checkout %s: %w", co.Dir, err)
	}
	defer unlock()
	return co.cleanup(ctx)
}

func (co *PullCheckout) cleanup(ctx context.Context) error {
	var errs []error
	if err := os.RemoveAll(co.Dir); err != nil {
		errs = append(errs, fmt.Errorf("remove work dir: %w", err))
	}
	if co.privateCache {
		if err := os.RemoveAll(filepath.Dir(co.cache)); err != nil {
			errs = append(errs, fmt.Errorf("remove private cache: %w", err))
		}
		return errors.Join(errs...)
	}
	if _, err := os.Stat(co.cache); err == nil {
		if _, err := remoteGit(ctx, co.cache, nil, "worktree", "prune"); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PushOptions says what to push where.
type PushOptions struct {
	// Dir is a repository or work tree holding Commit.
	Dir string
	// URL is the HTTPS URL of the repository the branch lives in (the fork,
	// for pull requests from forks).
	URL   string
	Token string
	// Commit is the commit to push; it must descend from the branch tip.
	Commit string
	// Branch is the branch name (without refs/heads/).
	Branch string
}

// PushBranch pushes Commit to Branch as a fast-forward; it never forces.
// A branch that moved meanwhile gives an error wrapping ErrPushRejected.
func PushBranch(ctx context.Context, opts PushOptions) error {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("push: repository URL %q is not a plain http(s) URL", opts.URL)
	}
	if !safeRef.MatchString(opts.Branch) || strings.HasPrefix(opts.Branch, "-") || strings.Contains(opts.Branch, "..") {
		return fmt.Errorf("push: branch %q is not a valid branch name", opts.Branch)
	}
	if !isHexSHA(opts.Commit) {
		return fmt.Errorf("push: commit %q is not a full hex SHA", opts.Commit)
	}
	env := remoteEnv(opts.URL, opts.Token)
	_, err = remoteGit(ctx, opts.Dir, env, "push", "--no-verify", opts.URL,
		opts.Commit+":refs/heads/"+opts.Branch)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "[rejected]") || strings.Contains(msg, "non-fast-forward") || strings.Contains(msg, "fetch first") {
			return fmt.Errorf("push %s to %s: %w: %v", shortSHA(opts.Commit), opts.Branch, ErrPushRejected, err)
		}
		return fmt.Errorf("push %s to %s: %w", shortSHA(opts.Commit), opts.Branch, err)
	}
	return nil
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// cachePath names the cache of a repository after its host and path.
func cachePath(root, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("parse repository URL: %w", err)
	}
	name := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	key := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(u.Host+"/"+name, "_")
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("cache dir: %w", err)
	}
	return filepath.Join(abs, key+".git"), nil
}

// initCache creates the bare partial mirror once. Its config holds the
// plain URL and never a credential.
func initCache(ctx context.Context, cache, rawURL string) error {
	if _, err := os.Stat(filepath.Join(cache, "HEAD")); err == nil {
		_, err := remoteGit(ctx, cache, nil, "config", "remote.origin.url", rawURL)
		return err
	}
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return fmt.Errorf("create cache: %w", err)
	}
	if _, err := remoteGit(ctx, cache, nil, "init", "--quiet", "--bare"); err != nil {
		return err
	}
	for _, kv := range [][2]string{
		{"core.repositoryFormatVersion", "1"},
		{"extensions.partialClone", "origin"},
		{"remote.origin.url", rawURL},
		{"remote.origin.promisor", "true"},
		{"remote.origin.partialCloneFilter", "blob:none"},
		{"gc.auto", "0"},
		{"core.hooksPath", os.DevNull},
	} {
		if _, err := remoteGit(ctx, cache, nil, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// lockCache takes an exclusive lock on a cache, shared between processes.
func lockCache(ctx context.Context, cache string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		return nil, fmt.Errorf("create cache dir: %w", err)
	}
	f, err := os.OpenFile(cache+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open cache lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock cache: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock cache: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// remoteEnv is the environment of a git process that talks to rawURL: the
// parent's environment without any GIT_* variable, no prompts, no
// credential helpers, and the token as a Basic auth header scoped to the
// remote's scheme and host.
func remoteEnv(rawURL, token string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=", "LC_ALL=C")
	configs := [][2]string{{"credential.helper", ""}}
	if token != "" {
		u, err := url.Parse(rawURL)
		if err == nil {
			auth := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
			scope := u.Scheme + "://" + u.Host + "/"
			configs = append(configs, [2]string{"http." + scope + ".extraHeader", "Authorization: Basic " + auth})
		}
	}
	env = append(env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", len(configs)))
	for i, kv := range configs {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	return env
}

// remoteGit runs git in dir. A nil env means the offline environment (no
// token). Errors carry git's stderr, which never holds the token: it is
// only in the environment.
func remoteGit(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	if env == nil {
		env = remoteEnv("", "")
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		detail := strings.TrimSpace(stderr.String())
		if detail == "" {
			detail = strings.TrimSpace(stdout.String())
		}
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, detail)
	}
	return stdout.String(), nil
}

func revParse(ctx context.Context, dir, rev string) (string, error) {
	out, err := remoteGit(ctx, dir, nil, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rev, err)
	}
	return strings.TrimSpace(out), nil
}
