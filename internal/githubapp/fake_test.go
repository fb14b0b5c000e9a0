package githubapp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/githubfake/conformance"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/review"
)

func lines(n int, change map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if s, ok := change[i]; ok {
			b.WriteString(s + "\n")
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// TestAgainstFakeGitHub runs the primitives against the project's fake
// GitHub: app JWT, narrowed tokens, checkout over smart HTTP, check runs,
// a review with an off-diff comment, injected 500s and secondary limits.
func TestAgainstFakeGitHub(t *testing.T) {
	ctx := context.Background()
	built, err := githubfake.BuildRepo(ctx, filepath.Join(t.TempDir(), "hello.git"), githubfake.RepoSpec{
		Base: map[string]string{"src/lib.rs": lines(40, nil)},
		Head: map[string]string{"src/lib.rs": lines(40, map[int]string{3: "changed three"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := githubfake.New(githubfake.Options{Conformance: conformance.For(t)})
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

	var logs bytes.Buffer
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: fake.AppID(), PrivateKey: fake.PrivateKeyPEM(), BaseURL: fake.APIURL(),
		Transport: githubapp.TransportOptions{WriteInterval: 10 * time.Millisecond, RetryBase: 10 * time.Millisecond},
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx = githubapp.WithLogContext(ctx, "octo-org/hello", 1)
	login, err := cc.BotLogin(ctx)
	if err != nil || login != fake.BotLogin() {
		t.Fatalf("BotLogin = %q, %v", login, err)
	}
	client, err := cc.InstallationClient(fake.InstallationID())
	if err != nil {
		t.Fatal(err)
	}
	repo := githubapp.Repo{Client: client, Owner: "octo-org", Name: "hello"}

	// Checkout with a narrowed read token.
	tok, err := cc.RepositoryToken(ctx, fake.InstallationID(), "hello", false)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), "task")
	co, err := gitrepo.FetchPullRequest(ctx, gitrepo.FetchOptions{
		URL: fake.CloneURL("octo-org/hello"), Token: tok.Value(), PR: 1, BaseRef: "main",
		HeadSHA: built.HeadSHA, WorkDir: work,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Remove(ctx)
	if co.MergeBase != built.BaseSHA {
		t.Errorf("merge base = %s, want %s", co.MergeBase, built.BaseSHA)
	}
	if data, _ := os.ReadFile(filepath.Join(co.Dir, "src/lib.rs")); !strings.Contains(string(data), "changed three") {
		t.Errorf("checkout is not the head")
	}
	// A read token cannot push.
	err = gitrepo.PushBranch(ctx, gitrepo.PushOptions{Dir: co.Dir, URL: fake.CloneURL("octo-org/hello"), Token: tok.Value(), Commit: built.HeadSHA, Branch: "other"})
	if err == nil {
		t.Error("push with a contents: read token succeeded")
	}

	// Check run: created once, completed with 51 annotations.
	run, err := repo.StartCheckRun(ctx, built.HeadSHA, "task-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := repo.StartCheckRun(ctx, built.HeadSHA, "task-1")
	if err != nil || again.GetID() != run.GetID() {
		t.Fatalf("retry got check run %d (%v), want %d", again.GetID(), err, run.GetID())
	}
	var anns []*github.CheckRunAnnotation
	for i := 1; i <= 51; i++ {
		anns = append(anns, &github.CheckRunAnnotation{Path: github.String("src/lib.rs"), StartLine: github.Int(i%40 + 1), EndLine: github.Int(i%40 + 1),
			AnnotationLevel: github.String("warning"), Message: github.String("m")})
	}
	// The first PATCH meets a 500 and is retried.
	fake.InjectFault(githubfake.Match{Method: "PATCH", PathRegexp: `/check-runs/\d+$`}, githubfake.Fault{Status: 500, Times: 1})
	err = repo.CompleteCheckRun(ctx, run.GetID(), githubapp.CheckRunResult{
		Conclusion: "neutral", Title: "51 findings", Summary: "see annotations", Annotations: anns,
		Actions: []*github.CheckRunAction{{Label: "Apply fixes", Description: "Push the fixes", Identifier: "apply_fixes"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Annotations("octo-org/hello", run.GetID())); n != 51 {
		t.Errorf("%d annotations on the check run, want 51", n)
	}
	if n := len(fake.CheckRuns("octo-org/hello")); n != 1 {
		t.Errorf("%d check runs, want 1", n)
	}

	// Review: one comment on the diff, one not; a secondary rate limit first.
	fake.InjectFault(githubfake.Match{Method: "POST", PathRegexp: `/pulls/1/reviews$`}, githubfake.Fault{Status: 403, RetryAfter: time.Second, Times: 1})
	out, err := repo.CreateReview(ctx, 1, githubapp.ReviewDraft{
		CommitID: built.HeadSHA, Body: "Summary",
		Comments: []githubapp.ReviewComment{
			{Path: "src/lib.rs", Line: 3, Side: review.SideRight, Body: review.WithMarker("on the diff", []string{"fpOn"})},
			{Path: "src/lib.rs", Line: 30, Side: review.SideRight, Body: review.WithMarker("off the diff @evil", []string{"fpOff"})},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Inline) != 1 || len(out.Moved) != 1 {
		t.Errorf("inline %d moved %d, want 1 1", len(out.Inline), len(out.Moved))
	}
	if n := len(fake.Reviews("octo-org/hello", 1)); n != 1 {
		t.Errorf("%d reviews, want 1", n)
	}
	statuses := func(method, path string) string {
		var got []string
		for _, r := range fake.RequestsMatching(method, path) {
			got = append(got, fmt.Sprint(r.Status))
		}
		return strings.Join(got, " ")
	}
	if got := statuses("PATCH", `/check-runs/\d+$`); got != "500 200 200" {
		t.Errorf("check run PATCH statuses = %s, want 500 200 200 (a retry, then two batches)", got)
	}
	if got := statuses("POST", `/pulls/1/reviews$`); got != "403 422 200" {
		t.Errorf("review POST statuses = %s, want 403 422 200", got)
	}
	fps, err := repo.PostedFingerprints(ctx, 1, login)
	if err != nil {
		t.Fatal(err)
	}
	if !fps["fpOn"] || !fps["fpOff"] || len(fps) != 2 {
		t.Errorf("fingerprints = %v", fps)
	}

	same, _, err := repo.HeadIs(ctx, 1, built.HeadSHA)
	if err != nil || !same {
		t.Errorf("HeadIs = %v, %v", same, err)
	}
	c, err := repo.Reply(ctx, 1, "done")
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.React(ctx, c.GetID(), githubapp.ReactionRocket); err != nil {
		t.Fatal(err)
	}

	if s := logs.String(); strings.Contains(s, tok.Value()) {
		t.Fatal("a log line carries the token")
	}
	var rle *githubapp.RateLimitError
	if errors.As(err, &rle) {
		t.Fatal("unexpected rate limit error")
	}
}

// TestCompleteCheckRunResumes checks that a completion cut off after a
// batch of annotations leaves the run in progress, and that the next
// attempt, told what the run holds, sends only the rest.
func TestCompleteCheckRunResumes(t *testing.T) {
	ctx := context.Background()
	built, err := githubfake.BuildRepo(ctx, filepath.Join(t.TempDir(), "hello.git"), githubfake.RepoSpec{
		Base: map[string]string{"src/lib.rs": lines(10, nil)},
		Head: map[string]string{"src/lib.rs": lines(10, map[int]string{3: "changed"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := githubfake.New(githubfake.Options{Conformance: conformance.For(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	if err := fake.AddRepo("octo-org", "hello", built.BareDir); err != nil {
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
	run, err := repo.StartCheckRun(ctx, built.HeadSHA, "task-1")
	if err != nil {
		t.Fatal(err)
	}
	var anns []*github.CheckRunAnnotation
	for i := range 70 {
		anns = append(anns, &github.CheckRunAnnotation{Path: github.String("src/lib.rs"), StartLine: github.Int(i%10 + 1), EndLine: github.Int(i%10 + 1),
			AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i))})
	}
	res := githubapp.CheckRunResult{Conclusion: "neutral", Title: "70 findings", Summary: "s", Annotations: anns}

	// The completing PATCH (the second) is refused for good.
	fake.InjectFault(githubfake.Match{Method: "PATCH", PathRegexp: `/check-runs/\d+$`}, githubfake.Fault{Times: 1}) // served
	fake.InjectFault(githubfake.Match{Method: "PATCH", PathRegexp: `/check-runs/\d+$`}, githubfake.Fault{Status: 422, Times: 1})
	if err := repo.CompleteCheckRun(ctx, run.GetID(), res); err == nil {
		t.Fatal("a refused completion succeeded")
	}
	again, err := repo.StartCheckRun(ctx, built.HeadSHA, "task-1")
	if err != nil {
		t.Fatal(err)
	}
	if again.GetStatus() != "in_progress" || again.GetOutput().GetAnnotationsCount() != 50 {
		t.Fatalf("after the cut: status %q with %d annotations, want in_progress with 50", again.GetStatus(), again.GetOutput().GetAnnotationsCount())
	}
	res.AnnotationsPosted = again.GetOutput().GetAnnotationsCount()
	if err := repo.CompleteCheckRun(ctx, run.GetID(), res); err != nil {
		t.Fatal(err)
	}
	got := fake.Annotations("octo-org/hello", run.GetID())
	if len(got) != 70 {
		t.Fatalf("%d annotations, want 70", len(got))
	}
	for i, a := range got {
		if want := fmt.Sprintf("finding %d", i); a.GetMessage() != want {
			t.Errorf("annotation %d is %q, want %q", i, a.GetMessage(), want)
		}
	}
}
