package githubapp_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestReviewThreadsAgainstFakeGitHub lists the threads of a pull request
// through GraphQL (node ids matching REST's, authors, replies, outdated
// after a push) and resolves one.
func TestReviewThreadsAgainstFakeGitHub(t *testing.T) {
	ctx := context.Background()
	bare := filepath.Join(t.TempDir(), "hello.git")
	built, err := githubfake.BuildRepo(ctx, bare, githubfake.RepoSpec{
		Base: map[string]string{"src/lib.rs": lines(40, nil)},
		Head: map[string]string{"src/lib.rs": lines(40, map[int]string{3: "changed three", 30: "changed thirty"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := githubfake.New(githubfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	if err := fake.AddRepo("octo-org", "hello", built.BareDir); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.AddPullRequest("octo-org/hello", githubfake.PullRequest{Title: "t", Author: "alice", HeadRef: "feature"}); err != nil {
		t.Fatal(err)
	}
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: fake.AppID(), PrivateKey: fake.PrivateKeyPEM(), BaseURL: fake.APIURL(),
		Transport: githubapp.TransportOptions{WriteInterval: time.Millisecond, RetryBase: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	client, err := cc.InstallationClient(fake.InstallationID())
	if err != nil {
		t.Fatal(err)
	}
	repo := githubapp.Repo{Client: client, Owner: "octo-org", Name: "hello"}
	if _, err := repo.CreateReview(ctx, 1, githubapp.ReviewDraft{CommitID: built.HeadSHA, Comments: []githubapp.ReviewComment{
		{Path: "src/lib.rs", Line: 3, Side: "RIGHT", Body: "first"},
		{Path: "src/lib.rs", Line: 30, Side: "RIGHT", Body: "second"},
	}}); err != nil {
		t.Fatal(err)
	}
	rest := fake.ReviewComments("octo-org/hello", 1)
	if _, err := fake.ReplyToReviewComment("octo-org/hello", 1, rest[1].GetID(), "alice", "I disagree"); err != nil {
		t.Fatal(err)
	}
	// A push that changes line 3 again makes its thread outdated.
	sha, err := githubfake.Commit(ctx, bare, "feature", map[string]string{"src/lib.rs": lines(40, map[int]string{3: "changed again", 30: "changed thirty"})}, nil, "again")
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.SetPullRequestHead("octo-org/hello", 1, sha); err != nil {
		t.Fatal(err)
	}

	threads, err := repo.ReviewThreads(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != 2 {
		t.Fatalf("threads: %+v, want 2", threads)
	}
	first, second := threads[0], threads[1]
	if !first.IsOutdated || first.Line != 0 || first.OriginalLine != 3 || first.Path != "src/lib.rs" || len(first.Comments) != 1 ||
		first.Comments[0].ID != rest[0].GetNodeID() || first.Comments[0].DatabaseID != rest[0].GetID() ||
		!githubapp.SameLogin(first.Comments[0].Author, fake.BotLogin()) {
		t.Errorf("first thread: %+v", first)
	}
	if second.IsOutdated || second.Line != 30 || len(second.Comments) != 2 || second.Comments[1].Author != "alice" ||
		second.Comments[1].Body != "I disagree" || githubapp.SameLogin(second.Comments[1].Author, fake.BotLogin()) {
		t.Errorf("second thread: %+v", second)
	}

	if err := repo.ResolveReviewThread(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := repo.ResolveReviewThread(ctx, "PRRT_999999"); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("resolving an unknown thread: %v", err)
	}
	got := fake.ReviewThreads("octo-org/hello", 1)
	if !got[0].Resolved || got[1].Resolved {
		t.Errorf("after resolving the first: %+v", got)
	}
}

func TestSameLogin(t *testing.T) {
	for _, tc := range []struct {
		graphql, rest string
		want          bool
	}{
		{"symposium", "symposium[bot]", true},
		{"Symposium[bot]", "symposium[bot]", true},
		{"alice", "alice", true},
		{"alice", "symposium[bot]", false},
		{"", "", false},
	} {
		if got := githubapp.SameLogin(tc.graphql, tc.rest); got != tc.want {
			t.Errorf("SameLogin(%q, %q) = %v", tc.graphql, tc.rest, got)
		}
	}
}
