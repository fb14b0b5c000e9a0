package gitrepo

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const testToken = "ghs_testTOKEN0123456789abcdef"

// gitServer serves bare repositories under root through git http-backend,
// accepting only the test token in a Basic auth header.
type gitServer struct {
	*httptest.Server
	root string
	mu   sync.Mutex
	urls []string
}

func newGitServer(t *testing.T) *gitServer {
	t.Helper()
	execPath := strings.TrimSpace(runGit(t, "", "--exec-path"))
	gs := &gitServer{root: t.TempDir()}
	backend := &cgi.Handler{
		Path: filepath.Join(execPath, "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + gs.root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+testToken))
	gs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gs.mu.Lock()
		gs.urls = append(gs.urls, r.URL.String())
		gs.mu.Unlock()
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(gs.Close)
	return gs
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+os.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testRepo is a served repository with a main branch and pull request 1
// whose head is on branch feature.
type testRepo struct {
	url, bare, work          string
	base, head, mergeBaseSHA string
}

func newTestRepo(t *testing.T, gs *gitServer) testRepo {
	t.Helper()
	bare := filepath.Join(gs.root, "owner", "repo.git")
	runGit(t, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	for _, kv := range [][2]string{{"uploadpack.allowFilter", "true"}, {"uploadpack.allowAnySHA1InWant", "true"}, {"http.receivepack", "true"}} {
		runGit(t, bare, "config", kv[0], kv[1])
	}
	work := t.TempDir()
	runGit(t, work, "init", "--quiet", "--initial-branch=main")
	writeFile(t, filepath.Join(work, "src/lib.rs"), "pub fn a() {}\n")
	writeFile(t, filepath.Join(work, "README.md"), "hello\n")
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "--quiet", "-m", "base")
	mb := strings.TrimSpace(runGit(t, work, "rev-parse", "HEAD"))
	runGit(t, work, "checkout", "--quiet", "-b", "feature")
	writeFile(t, filepath.Join(work, "src/lib.rs"), "pub fn a() {}\npub fn b() {}\n")
	runGit(t, work, "commit", "--quiet", "-am", "feature")
	head := strings.TrimSpace(runGit(t, work, "rev-parse", "HEAD"))
	runGit(t, work, "checkout", "--quiet", "main")
	writeFile(t, filepath.Join(work, "README.md"), "hello again\n")
	runGit(t, work, "commit", "--quiet", "-am", "main moves on")
	base := strings.TrimSpace(runGit(t, work, "rev-parse", "HEAD"))
	runGit(t, work, "push", "--quiet", bare, "main", "feature")
	runGit(t, bare, "update-ref", "refs/pull/1/head", head)
	return testRepo{url: gs.URL + "/owner/repo.git", bare: bare, work: work, base: base, head: head, mergeBaseSHA: mb}
}

// assertNoToken fails when the token, raw or base64-encoded, is in a file under dir.
func assertNoToken(t *testing.T, dir string) {
	t.Helper()
	needles := []string{testToken, base64.StdEncoding.EncodeToString([]byte("x-access-token:" + testToken))}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if strings.Contains(string(data), n) {
				t.Errorf("token found in %s", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFetchPullRequest(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	ctx := context.Background()
	tmp := t.TempDir()
	cacheDir := filepath.Join(tmp, "cache")

	co, err := FetchPullRequest(ctx, FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main",
		HeadSHA: repo.head, CacheDir: cacheDir, WorkDir: filepath.Join(tmp, "task1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if co.HeadSHA != repo.head || co.BaseSHA != repo.base || co.MergeBase != repo.mergeBaseSHA {
		t.Errorf("got head %s base %s merge base %s, want %s %s %s",
			co.HeadSHA, co.BaseSHA, co.MergeBase, repo.head, repo.base, repo.mergeBaseSHA)
	}
	got, err := os.ReadFile(filepath.Join(co.Dir, "src/lib.rs"))
	if err != nil || string(got) != "pub fn a() {}\npub fn b() {}\n" {
		t.Errorf("head file = %q, %v", got, err)
	}
	// The diff needs no network any more: run it without a token.
	diff := runGit(t, co.Dir, "diff", co.MergeBase, co.HeadSHA)
	if !strings.Contains(diff, "+pub fn b() {}") {
		t.Errorf("diff without token:\n%s", diff)
	}
	assertNoToken(t, co.Dir)
	assertNoToken(t, cacheDir)
	// A partial clone: the base tip's README (not in the diff) was never downloaded.
	if missing := runGit(t, co.Dir, "rev-list", "--objects", "--missing=print", co.BaseSHA); !strings.Contains(missing, "?") {
		t.Errorf("every blob was downloaded; want a blob-less partial clone:\n%s", missing)
	}
	for _, u := range gs.urls {
		if strings.Contains(u, testToken) {
			t.Errorf("token in URL %s", u)
		}
	}

	// A second task reuses the cache.
	co2, err := FetchPullRequest(ctx, FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main",
		CacheDir: cacheDir, WorkDir: filepath.Join(tmp, "task2"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if co2.HeadSHA != repo.head {
		t.Errorf("second checkout head = %s, want %s", co2.HeadSHA, repo.head)
	}
	for _, c := range []*PullCheckout{co, co2} {
		if err := c.Remove(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
			t.Errorf("work dir %s still there: %v", c.Dir, err)
		}
	}
	if out := runGit(t, filepath.Join(cacheDir, "127.0.0.1_"+strings.TrimPrefix(gs.URL, "http://127.0.0.1:")+"_owner_repo.git"), "worktree", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("worktrees left in the cache:\n%s", out)
	}
}

func TestFetchPullRequestMovedHead(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	// The pull request moves on after the task was queued.
	runGit(t, repo.work, "checkout", "--quiet", "feature")
	writeFile(t, filepath.Join(repo.work, "src/lib.rs"), "pub fn c() {}\n")
	runGit(t, repo.work, "commit", "--quiet", "-am", "newer")
	newer := strings.TrimSpace(runGit(t, repo.work, "rev-parse", "HEAD"))
	runGit(t, repo.work, "push", "--quiet", repo.bare, "feature")
	runGit(t, repo.bare, "update-ref", "refs/pull/1/head", newer)

	tmp := t.TempDir()
	co, err := FetchPullRequest(context.Background(), FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main", HeadSHA: repo.head,
		WorkDir: filepath.Join(tmp, "task"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove(context.Background())
	if co.HeadSHA != repo.head {
		t.Errorf("head = %s, want the requested %s", co.HeadSHA, repo.head)
	}
}

func TestFetchPullRequestErrors(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	tmp := t.TempDir()
	tests := []struct {
		name string
		opts FetchOptions
		want string
	}{
		{"wrong token", FetchOptions{URL: repo.url, Token: "ghs_wrong", PR: 1, BaseRef: "main"}, "git fetch"},
		{"credentials in URL", FetchOptions{URL: strings.Replace(repo.url, "http://", "http://x:y@", 1), PR: 1, BaseRef: "main"}, "credentials"},
		{"option as branch", FetchOptions{URL: repo.url, PR: 1, BaseRef: "--upload-pack=evil"}, "branch"},
		{"missing pull request", FetchOptions{URL: repo.url, Token: testToken, PR: 9, BaseRef: "main"}, "refs/pull/9/head"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.WorkDir = filepath.Join(tmp, "task", string(rune('a'+i)))
			_, err := FetchPullRequest(context.Background(), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error carries the token: %v", err)
			}
			if _, statErr := os.Stat(tc.opts.WorkDir); !os.IsNotExist(statErr) {
				t.Errorf("work dir left behind after failure")
			}
		})
	}
}

func TestPushBranch(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	ctx := context.Background()
	tmp := t.TempDir()
	co, err := FetchPullRequest(ctx, FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main", WorkDir: filepath.Join(tmp, "task"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove(ctx)
	writeFile(t, filepath.Join(co.Dir, "src/lib.rs"), "pub fn a() {}\npub fn b() {}\n// fixed\n")
	runGit(t, co.Dir, "commit", "--quiet", "-am", "fix")
	fix := strings.TrimSpace(runGit(t, co.Dir, "rev-parse", "HEAD"))

	if err := PushBranch(ctx, PushOptions{Dir: co.Dir, URL: repo.url, Token: testToken, Commit: fix, Branch: "feature"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(runGit(t, repo.bare, "rev-parse", "refs/heads/feature")); got != fix {
		t.Errorf("feature = %s, want %s", got, fix)
	}
	assertNoToken(t, co.Dir)

	// Another commit on the old head is not a fast-forward any more.
	runGit(t, co.Dir, "checkout", "--quiet", "--detach", repo.head)
	writeFile(t, filepath.Join(co.Dir, "README.md"), "other\n")
	runGit(t, co.Dir, "commit", "--quiet", "-am", "other")
	other := strings.TrimSpace(runGit(t, co.Dir, "rev-parse", "HEAD"))
	err = PushBranch(ctx, PushOptions{Dir: co.Dir, URL: repo.url, Token: testToken, Commit: other, Branch: "feature"})
	if !errors.Is(err, ErrPushRejected) {
		t.Fatalf("push of a non-fast-forward: err = %v, want ErrPushRejected", err)
	}
	if got := strings.TrimSpace(runGit(t, repo.bare, "rev-parse", "refs/heads/feature")); got != fix {
		t.Errorf("feature moved to %s after a rejected push", got)
	}
}

func TestFetchPullRequestBaseFiles(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	ctx := context.Background()
	tmp := t.TempDir()
	co, err := FetchPullRequest(ctx, FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main", HeadSHA: repo.head,
		CacheDir: filepath.Join(tmp, "cache"), WorkDir: filepath.Join(tmp, "task"),
		// README.md is not in the diff: without BaseFiles its base blob is never downloaded.
		BaseFiles: []string{"README.md", ".github/symposium.toml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove(ctx)
	data, ok, err := Show(ctx, co.Dir, co.BaseSHA, "README.md")
	if err != nil || !ok || string(data) != "hello again\n" {
		t.Errorf("Show(base, README.md) without a token = %q, %v, %v", data, ok, err)
	}
	if _, ok, err := Show(ctx, co.Dir, co.BaseSHA, ".github/symposium.toml"); err != nil || ok {
		t.Errorf("Show of a missing base file = %v, %v; want not found", ok, err)
	}
}

func TestFetchPullRequestNoCheckout(t *testing.T) {
	gs := newGitServer(t)
	repo := newTestRepo(t, gs)
	ctx := context.Background()
	tmp := t.TempDir()
	connections := func() int {
		gs.mu.Lock()
		defer gs.mu.Unlock()
		n := 0
		for _, u := range gs.urls {
			if strings.Contains(u, "/info/refs") {
				n++
			}
		}
		return n
	}
	co, err := FetchPullRequest(ctx, FetchOptions{
		URL: repo.url, Token: testToken, PR: 1, BaseRef: "main", HeadSHA: repo.head,
		CacheDir: filepath.Join(tmp, "cache"), WorkDir: filepath.Join(tmp, "task"),
		BaseFiles: []string{"README.md", ".github/symposium.toml"}, NoCheckout: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove(ctx)
	// One fetch of the refs, one of every blob the review reads.
	if n := connections(); n != 2 {
		t.Errorf("%d fetches, want 2 (refs, then the blobs in one go)", n)
	}
	if _, err := os.Lstat(filepath.Join(co.Dir, "src", "lib.rs")); err == nil {
		t.Error("the work tree's files were written")
	}
	if got := strings.TrimSpace(runGit(t, co.Dir, "rev-parse", "HEAD")); got != repo.head {
		t.Errorf("the worktree is at %s, want the head %s", got, repo.head)
	}
	// Everything a review reads is local now: git has no token from here
	// on, and a blob it lacked would be a request to the server.
	before := len(gs.urls)
	reads := []struct {
		rev   string
		files map[string]string
	}{
		{repo.head, map[string]string{"src/lib.rs": "pub fn a() {}\npub fn b() {}\n", "README.md": "hello\n"}},
		{co.MergeBase, map[string]string{"src/lib.rs": "pub fn a() {}\n"}},
		{co.BaseSHA, map[string]string{"src/lib.rs": "pub fn a() {}\n", "README.md": "hello again\n"}},
	}
	for _, r := range reads {
		var paths []string
		for p := range r.files {
			paths = append(paths, p)
		}
		got, _, err := ShowFiles(ctx, co.Dir, r.rev, paths, 0)
		if err != nil {
			t.Fatal(err)
		}
		for p, want := range r.files {
			if string(got[p]) != want {
				t.Errorf("%s at %.8s = %q, want %q", p, r.rev, got[p], want)
			}
		}
	}
	if _, _, err := PullRequestDiff(ctx, co.Dir, co.BaseSHA, co.HeadSHA); err != nil {
		t.Fatal(err)
	}
	if err := ExportTree(ctx, co.Dir, co.HeadSHA, filepath.Join(tmp, "export")); err != nil {
		t.Fatal(err)
	}
	if len(gs.urls) != before {
		t.Errorf("reading the review's files made %d requests: %q", len(gs.urls)-before, gs.urls[before:])
	}
	assertNoToken(t, filepath.Join(tmp, "cache"))
}
