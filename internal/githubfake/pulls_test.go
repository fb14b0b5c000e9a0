package githubfake

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestPullRequestEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)

	pr, _, err := c.PullRequests.Get(ctx, "octo-org", "hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetHead().GetSHA() != f.built.HeadSHA || pr.GetBase().GetSHA() != f.built.BaseSHA ||
		pr.GetHead().GetRef() != "feature" || pr.GetBase().GetRef() != "main" || pr.GetUser().GetLogin() != "alice" ||
		pr.GetChangedFiles() != 3 || pr.GetHead().GetRepo().GetFullName() != testRepo {
		t.Fatalf("PR = %+v", pr)
	}

	diff, _, err := c.PullRequests.GetRaw(ctx, "octo-org", "hello", 1, github.RawOptions{Type: github.Diff})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"diff --git a/src/lib.rs b/src/lib.rs", "+line two", "-line 18", "deleted file mode", "new file mode"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}

	files, _, err := c.PullRequests.ListFiles(ctx, "octo-org", "hello", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, cf := range files {
		status[cf.GetFilename()] = cf.GetStatus()
	}
	if status["src/lib.rs"] != "modified" || status["src/new.rs"] != "added" || status["gone.txt"] != "removed" {
		t.Fatalf("files = %v", status)
	}
	for _, cf := range files {
		if cf.GetFilename() == "src/lib.rs" && (cf.GetAdditions() != 2 || !strings.HasPrefix(cf.GetPatch(), "@@ -1,5 +1,5 @@")) {
			t.Fatalf("lib.rs file = %+v", cf)
		}
	}

	list, _, err := c.PullRequests.List(ctx, "octo-org", "hello", nil)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	_, resp, err := c.PullRequests.Get(ctx, "octo-org", "hello", 99)
	if got := statusOf(t, resp, err); got != http.StatusNotFound {
		t.Fatalf("missing PR: status %d", got)
	}
}

func TestRepoContentsAndPermission(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	r, _, err := c.Repositories.Get(ctx, "octo-org", "hello")
	if err != nil || r.GetDefaultBranch() != "main" || r.GetCloneURL() != f.srv.CloneURL(testRepo) {
		t.Fatalf("repo = %+v, %v", r, err)
	}

	file, _, _, err := c.Repositories.GetContents(ctx, "octo-org", "hello", "src/new.rs", &github.RepositoryContentGetOptions{Ref: "feature"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := file.GetContent(); err != nil || got != "fn new() {}\n" {
		t.Fatalf("content = %q, %v", got, err)
	}
	_, _, resp, err := c.Repositories.GetContents(ctx, "octo-org", "hello", "src/new.rs", nil) // not on main
	if got := statusOf(t, resp, err); got != http.StatusNotFound {
		t.Fatalf("file missing on default branch: status %d", got)
	}
	_, dir, _, err := c.Repositories.GetContents(ctx, "octo-org", "hello", "src", &github.RepositoryContentGetOptions{Ref: f.built.HeadSHA})
	if err != nil || len(dir) != 2 {
		t.Fatalf("dir = %v, %v", dir, err)
	}

	for _, tt := range []struct{ role, perm string }{
		{"admin", "admin"}, {"maintain", "write"}, {"write", "write"}, {"triage", "read"}, {"read", "read"}, {"", "read"},
	} {
		user := "user-" + tt.role
		if tt.role != "" {
			if err := f.srv.SetCollaboratorPermission(testRepo, user, tt.role); err != nil {
				t.Fatal(err)
			}
		}
		lvl, _, err := c.Repositories.GetPermissionLevel(ctx, "octo-org", "hello", user)
		if err != nil || lvl.GetPermission() != tt.perm || lvl.GetUser().GetLogin() != user {
			t.Errorf("role %q: permission = %v, %v; want %s", tt.role, lvl, err, tt.perm)
		}
	}
	if err := f.srv.SetCollaboratorPermission(testRepo, "x", "owner"); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestForkPullRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	fork, err := BuildRepo(ctx, t.TempDir()+"/fork.git", RepoSpec{
		Base: map[string]string{"src/lib.rs": twentyLines(nil), "README.md": "hello\n", "gone.txt": "bye\n"},
		Head: map[string]string{"README.md": "hello from a fork\n"}, HeadBranch: "patch-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.AddRepo("mallory", "hello", fork.BareDir); err != nil {
		t.Fatal(err)
	}
	pr, err := f.srv.AddPullRequest(testRepo, PullRequest{Title: "fork", Author: "mallory", HeadRepo: "mallory/hello", HeadRef: "patch-1"})
	if err != nil {
		t.Fatal(err)
	}
	if pr.GetNumber() != 2 || pr.GetHead().GetRepo().GetFullName() != "mallory/hello" || pr.GetHead().GetLabel() != "mallory:patch-1" {
		t.Fatalf("fork PR = %+v", pr.GetHead())
	}
	if sha, err := runGit(ctx, f.built.BareDir, "rev-parse", "refs/pull/2/head"); err != nil || sha != fork.HeadSHA {
		t.Fatalf("refs/pull/2/head = %q, %v; want %s", sha, err, fork.HeadSHA)
	}
	diff, _, err := f.client(t, nil).PullRequests.GetRaw(ctx, "octo-org", "hello", 2, github.RawOptions{Type: github.Diff})
	if err != nil || !strings.Contains(diff, "+hello from a fork") {
		t.Fatalf("fork diff = %q, %v", diff, err)
	}
}
