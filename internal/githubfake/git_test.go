package githubfake

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitWithToken runs git with the token in an http.extraHeader taken from the
// environment (GIT_CONFIG_COUNT/KEY/VALUE), never in argv or a URL.
func gitWithToken(t *testing.T, dir, header string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), commitEnv...)
	if header != "" {
		cmd.Env = append(cmd.Env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader", "GIT_CONFIG_VALUE_0="+header)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func TestGitSmartHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	url := f.srv.CloneURL(testRepo)
	full := f.srv.IssueToken(nil, nil)
	readOnly := f.srv.IssueToken([]string{testRepo}, map[string]string{"contents": "read", "metadata": "read"})
	basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+full))

	dir := t.TempDir()
	if out, err := gitWithToken(t, dir, "", "clone", "--quiet", url, "anon"); err == nil {
		t.Fatalf("clone without a token succeeded: %s", out)
	}
	if out, err := gitWithToken(t, dir, "Authorization: Bearer ghs_bogus", "clone", "--quiet", url, "bogus"); err == nil {
		t.Fatalf("clone with a bad token succeeded: %s", out)
	}
	if out, err := gitWithToken(t, dir, "Authorization: Bearer "+readOnly, "clone", "--quiet", url, "ro"); err != nil {
		t.Fatalf("clone with a read token: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "rw")
	if out, err := gitWithToken(t, dir, basic, "clone", "--quiet", url, "rw"); err != nil {
		t.Fatalf("clone with Basic x-access-token: %v\n%s", err, out)
	}
	if out, err := gitWithToken(t, work, basic, "fetch", "--quiet", "origin", "refs/pull/1/head"); err != nil {
		t.Fatalf("fetch refs/pull/1/head: %v\n%s", err, out)
	}
	if sha, _ := runGit(ctx, work, "rev-parse", "FETCH_HEAD"); sha != f.built.HeadSHA {
		t.Fatalf("refs/pull/1/head = %s, want %s", sha, f.built.HeadSHA)
	}

	// A fix commit pushed to the PR's branch moves the PR head.
	if _, err := runGit(ctx, work, "checkout", "--quiet", "feature"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "src/new.rs"), []byte("fn new() -> u8 { 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runGit(ctx, work, "commit", "--quiet", "-am", "fix"); err != nil {
		t.Fatal(err)
	}
	fix, _ := runGit(ctx, work, "rev-parse", "HEAD")
	ro := filepath.Join(dir, "ro")
	if _, err := runGit(ctx, ro, "fetch", "--quiet", work, "HEAD"); err != nil {
		t.Fatal(err)
	}
	if out, err := gitWithToken(t, ro, "Authorization: Bearer "+readOnly, "push", "--quiet", "origin", "FETCH_HEAD:refs/heads/feature"); err == nil {
		t.Fatalf("push with a read-only token succeeded: %s", out)
	}
	if out, err := gitWithToken(t, work, "Authorization: Bearer "+full, "push", "--quiet", "origin", "feature"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if head, _ := f.srv.PullRequestHead(testRepo, 1); head != fix {
		t.Fatalf("PR head after push = %s, want %s", head, fix)
	}
	if sha, _ := runGit(ctx, f.built.BareDir, "rev-parse", "refs/pull/1/head"); sha != fix {
		t.Fatalf("refs/pull/1/head after push = %s", sha)
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), full) {
			t.Fatal("a recorded request kept the Authorization header")
		}
	}
}

func TestCommitHelperAndSetHead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	sha, err := Commit(ctx, f.built.BareDir, "feature", map[string]string{"src/more.rs": "fn more() {}\n"}, nil, "more")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.SetPullRequestHead(testRepo, 1, sha); err != nil {
		t.Fatal(err)
	}
	pr, _, err := f.client(t, nil).PullRequests.Get(ctx, "octo-org", "hello", 1)
	if err != nil || pr.GetHead().GetSHA() != sha || pr.GetChangedFiles() != 4 {
		t.Fatalf("PR after new commit = %v, %v", pr.GetHead(), err)
	}
}
