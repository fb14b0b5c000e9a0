package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// openSampleWithConfig opens the sample pull request on a repository whose
// base branch carries .github/symposium.toml (a file the pull request does
// not touch, so the worker's partial mirror must fetch it on purpose).
func (e *env) openSampleWithConfig(toml string) {
	e.t.Helper()
	base, err := demo.SampleFiles("base")
	if err != nil {
		e.t.Fatal(err)
	}
	head, err := demo.SampleFiles("head")
	if err != nil {
		e.t.Fatal(err)
	}
	base[".github/symposium.toml"] = toml
	e.bare = filepath.Join(e.t.TempDir(), "inventory.git")
	if e.built, err = githubfake.BuildRepo(e.ctx, e.bare, githubfake.RepoSpec{Base: base, Head: head}); err != nil {
		e.t.Fatal(err)
	}
	e.full = demo.SampleOwner + "/" + demo.SampleName
	if err := e.gh.AddRepo(demo.SampleOwner, demo.SampleName, e.bare); err != nil {
		e.t.Fatal(err)
	}
	pr, err := e.gh.AddPullRequest(e.full, githubfake.PullRequest{HeadRef: "feature", BaseRef: "main", Title: "Describe and find"})
	if err != nil {
		e.t.Fatal(err)
	}
	e.number = pr.GetNumber()
	e.repoID = pr.GetBase().GetRepo().GetID()
}

// TestRepositoryConfigFromBase: the base branch's configuration is read by
// the worker (here it turns clippy's len_zero off and caps the comments),
// and `review.enabled = false` skips the review with a check run that says
// why.
func TestRepositoryConfigFromBase(t *testing.T) {
	t.Run("lints and cap", func(t *testing.T) {
		e := start(t)
		e.openSampleWithConfig("[review]\nmax_comments = 1\n\n[clippy]\nallow = [\"clippy::len_zero\"]\n")
		e.send("opened")
		e.wait()
		reviews := e.gh.Reviews(e.full, e.number)
		if len(reviews) != 1 {
			t.Fatalf("reviews: %d, want 1", len(reviews))
		}
		comments := e.commentsOf(reviews[0].GetID())
		if len(comments) != 1 {
			t.Errorf("comments: %d, want 1 (max_comments = 1)", len(comments))
		}
		for _, c := range comments {
			if strings.Contains(c.GetBody(), "len_zero") {
				t.Errorf("len_zero is allowed by the base's configuration but was posted:\n%s", c.GetBody())
			}
		}
	})
	t.Run("turned off", func(t *testing.T) {
		e := start(t)
		e.openSampleWithConfig("[review]\nenabled = false\n")
		e.send("opened")
		e.wait()
		if n := len(e.gh.Reviews(e.full, e.number)); n != 0 {
			t.Errorf("reviews: %d, want none", n)
		}
		runs := e.checkRuns(e.built.HeadSHA)
		if len(runs) != 1 || runs[0].GetConclusion() != "skipped" || !strings.Contains(runs[0].GetOutput().GetSummary(), "turned off") {
			t.Errorf("check runs %v, want one skipped run saying reviews are turned off", runs)
		}
	})
}
