package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestForkPullRequest: a pull request from a fork is checked out from the
// base repository's refs/pull/<n>/head; the fork is never contacted.
func TestForkPullRequest(t *testing.T) {
	e := start(t)
	dir := t.TempDir()
	e.bare = filepath.Join(dir, "inventory.git")
	built, err := demo.BuildSample(e.ctx, e.bare)
	if err != nil {
		t.Fatal(err)
	}
	e.built = built
	fork := filepath.Join(dir, "fork.git")
	gitRun(t, "", "clone", "--quiet", "--bare", e.bare, fork)
	// The head branch lives only in the fork.
	gitRun(t, e.bare, "branch", "-D", "feature")
	e.full = "octo-org/inventory"
	if err := e.gh.AddRepo("octo-org", "inventory", e.bare); err != nil {
		t.Fatal(err)
	}
	if err := e.gh.AddRepo("contributor", "inventory", fork); err != nil {
		t.Fatal(err)
	}
	pr, err := e.gh.AddPullRequest(e.full, githubfake.PullRequest{
		HeadRepo: "contributor/inventory", HeadRef: "feature", BaseRef: "main", Author: "contributor",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.number, e.repoID = pr.GetNumber(), pr.GetBase().GetRepo().GetID()
	e.send("opened")
	e.wait()

	reviews := e.gh.Reviews(e.full, e.number)
	if len(reviews) != 1 || reviews[0].GetCommitID() != built.HeadSHA || len(e.commentsOf(reviews[0].GetID())) != 2 {
		t.Fatalf("fork PR: %d reviews, want one with 2 comments on %s", len(reviews), built.HeadSHA)
	}
	var fetched bool
	for _, r := range e.gh.Requests() {
		if strings.HasPrefix(r.Path, "/contributor/") {
			t.Errorf("the fork was contacted: %s %s", r.Method, r.Path)
		}
		if strings.HasPrefix(r.Path, "/octo-org/inventory.git/git-upload-pack") {
			fetched = true
		}
	}
	if !fetched {
		t.Error("no fetch from the base repository was recorded")
	}
}

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}
