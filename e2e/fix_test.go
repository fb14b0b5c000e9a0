package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

const fixManifest = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"

var (
	fixBase = map[string]string{
		"Cargo.toml":   fixManifest,
		"src/lib.rs":   "pub mod other;\n\npub fn one() -> u32 {\n    1\n}\n",
		"src/other.rs": "pub fn other(x: u32) -> u32 {\n    x\n}\n",
	}
	// fixHead has a needless return and bad formatting in the changed file.
	fixHead  = map[string]string{"src/other.rs": "pub fn other(x: u32) -> u32 {\n    return x+1;\n}\n"}
	fixFixed = "pub fn other(x: u32) -> u32 {\n    x + 1\n}\n"
)

// fileAt reads a file of a bare repository at a revision.
func fileAt(t *testing.T, bare, rev, path string) string {
	t.Helper()
	out, err := gitOut(bare, "show", rev+":"+path)
	if err != nil {
		t.Fatal(err)
	}
	return out + "\n"
}

func TestFixByMaintainerPushesACommit(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	c := s.comment(t, pr, "maintainer", "User", "Please tidy up.\n\n/symposium fix\n")
	replies := s.waitReplies(t, pr, 1)
	log := branchLog(t, pr.headRepoBare, pr.headRef)
	if len(log) != 3 || log[1] != pr.headSHA {
		t.Fatalf("branch = %v, want one new commit on %s; reply: %s", log, pr.headSHA, replies[0].GetBody())
	}
	if !strings.Contains(replies[0].GetBody(), log[0][:12]) || !strings.Contains(replies[0].GetBody(), "clippy::needless_return") {
		t.Errorf("reply does not name the commit %s and its fixes:\n%s", log[0], replies[0].GetBody())
	}
	if got := fileAt(t, pr.headRepoBare, log[0], "src/other.rs"); got != fixFixed {
		t.Errorf("fixed file =\n%s\nwant\n%s", got, fixFixed)
	}
	msg, _ := gitOut(pr.headRepoBare, "log", "-1", "--format=%an <%ae>%n%B", log[0])
	if !strings.Contains(msg, "symposium[bot] <") || !strings.Contains(msg, "+symposium[bot]@users.noreply.github.com>") ||
		!strings.Contains(msg, "- clippy::needless_return in src/other.rs") {
		t.Errorf("commit author/message:\n%s", msg)
	}
	if head, _ := s.gh.PullRequestHead(pr.full, pr.number); head != log[0] {
		t.Errorf("PR head = %s, want the fix commit %s", head, log[0])
	}
	waitReactions(t, s, pr, c.GetID(), "eyes,rocket")
}

func TestFixByReadOnlyUserIsRefused(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	c := s.comment(t, pr, "reader", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 1)
	if body := replies[0].GetBody(); !strings.Contains(body, "Sorry @reader") || !strings.Contains(body, "write access") {
		t.Errorf("reply = %q", body)
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 2 {
		t.Errorf("branch = %v: a refused command committed", log)
	}
	waitReactions(t, s, pr, c.GetID(), "eyes,confused")
}

func TestFixOnLockedForkPostsSuggestions(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead, fork: "contributor"})
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 1)
	if body := replies[0].GetBody(); !strings.Contains(body, "suggestion") {
		t.Errorf("reply = %q", body)
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 2 {
		t.Errorf("fork branch = %v: pushed without permission", log)
	}
	comments := s.gh.ReviewComments(pr.full, pr.number)
	if len(comments) == 0 {
		t.Fatal("no review comments with suggestions")
	}
	want := "```suggestion\n    x + 1\n```"
	if body := comments[0].GetBody(); comments[0].GetPath() != "src/other.rs" || comments[0].GetLine() != 2 || !strings.Contains(body, want) {
		t.Errorf("suggestion on %s:%d =\n%s\nwant %q on src/other.rs:2", comments[0].GetPath(), comments[0].GetLine(), body, want)
	}
}

func TestFixOnEditableForkPushesToTheFork(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead, fork: "contributor", maintainerCanModify: true})
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 1)
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 3 {
		t.Fatalf("fork branch = %v, want a fix commit; reply: %s", log, replies[0].GetBody())
	}
}

func TestFixThatBreaksTheBuildPushesNothing(t *testing.T) {
	s := startFixStack(t)
	base := map[string]string{"Cargo.toml": fixManifest, "src/lib.rs": breakingLib, "src/other.rs": "pub fn other(x: u32) -> u32 {\n    x\n}\n"}
	pr := s.seedPR(t, prSpec{base: base, head: map[string]string{"src/other.rs": "pub fn other(x: u32) -> u32 {\n    x   +   1\n}\n"}})
	c := s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 1)
	if body := replies[0].GetBody(); !strings.Contains(body, "did not push anything") || !strings.Contains(body, "break the build") {
		t.Errorf("reply = %q", body)
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 2 {
		t.Errorf("branch = %v: a breaking fix was pushed", log)
	}
	waitReactions(t, s, pr, c.GetID(), "eyes,confused")
}

func TestFixRerunsWhenTheBranchMoves(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	gitPath := "/" + pr.full + ".git/"
	s.comment(t, pr, "maintainer", "User", "/symposium fix")

	// Once the worker has fetched the PR, slow down the next ref
	// advertisement (the push's) and move the branch meanwhile.
	waitRequest(t, s.gh, "POST", gitPath+"git-upload-pack", 1)
	s.gh.InjectFault(githubfake.Match{Method: "GET", PathRegexp: "^" + gitPath + "info/refs$"}, githubfake.Fault{Delay: 3 * time.Second, Times: 1})
	waitRequest(t, s.gh, "GET", gitPath+"info/refs", 2)
	moved, err := githubfake.Commit(context.Background(), pr.headRepoBare, pr.headRef, map[string]string{"NOTES.md": "moved\n"}, nil, "Someone else pushed")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.gh.SetPullRequestHead(pr.full, pr.number, moved); err != nil {
		t.Fatal(err)
	}
	replies := s.waitReplies(t, pr, 1)
	log := branchLog(t, pr.headRepoBare, pr.headRef)
	if len(log) != 4 || log[1] != moved {
		t.Fatalf("branch = %v, want the fix on top of the moved head %s; reply: %s", log, moved, replies[0].GetBody())
	}
	if got := fileAt(t, pr.headRepoBare, log[0], "src/other.rs"); got != fixFixed {
		t.Errorf("fixed file =\n%s", got)
	}
}

func TestTwoQuickFixCommandsMakeOneCommit(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 2)
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 3 {
		t.Errorf("branch = %v, want exactly one fix commit", log)
	}
	bodies := replies[0].GetBody() + "\n---\n" + replies[1].GetBody()
	if !strings.Contains(bodies, "Pushed") || !strings.Contains(bodies, "Nothing to fix") {
		t.Errorf("replies:\n%s", bodies)
	}
}

func TestApplyFixesButton(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	ctx := context.Background()
	repo, _, err := s.client.Repositories.Get(ctx, pr.owner, pr.name)
	if err != nil {
		t.Fatal(err)
	}
	event := func(sender string) github.CheckRunEvent {
		return github.CheckRunEvent{
			Action: github.String("requested_action"),
			CheckRun: &github.CheckRun{ID: github.Int64(777), HeadSHA: github.String(pr.headSHA), Name: github.String("Symposium"),
				PullRequests: []*github.PullRequest{{Number: github.Int(pr.number),
					Head: &github.PullRequestBranch{SHA: github.String(pr.headSHA), Ref: github.String(pr.headRef), Repo: repo},
					Base: &github.PullRequestBranch{Ref: github.String("main"), Repo: repo}}}},
			RequestedAction: &github.RequestedAction{Identifier: "fix"},
			Repo:            repo,
			Installation:    &github.Installation{ID: github.Int64(s.gh.InstallationID())},
			Sender:          &github.User{Login: github.String(sender), Type: github.String("User")},
		}
	}
	s.send(t, "check_run", event("reader"))
	replies := s.waitReplies(t, pr, 1)
	if !strings.Contains(replies[0].GetBody(), "Sorry @reader") {
		t.Errorf("reply to a read-only user = %q", replies[0].GetBody())
	}
	s.send(t, "check_run", event("maintainer"))
	replies = s.waitReplies(t, pr, 2)
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 3 {
		t.Errorf("branch = %v, want the button's fix commit; reply: %s", log, replies[1].GetBody())
	}
}

func waitReactions(t *testing.T, s *fixStack, pr seededPR, commentID int64, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.reactions(pr, commentID) != want {
		if time.Now().After(deadline) {
			t.Errorf("reactions = %q, want %q", s.reactions(pr, commentID), want)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRequest waits until the fake has seen n requests of method on path.
func waitRequest(t *testing.T, gh *githubfake.Server, method, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		seen := 0
		for _, r := range gh.Requests() {
			if r.Method == method && r.Path == path {
				seen++
			}
		}
		if seen >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d %s %s requests, saw %d", n, method, path, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// breakingLib asserts at compile time that src/other.rs keeps three spaces
// before a plus, so formatting it breaks the build.
const breakingLib = `pub mod other;

const SRC: &[u8] = include_bytes!("other.rs");

const fn has_three_spaces(s: &[u8]) -> bool {
    let mut i = 0;
    while i + 4 <= s.len() {
        if s[i] == b' ' && s[i + 1] == b' ' && s[i + 2] == b' ' && s[i + 3] == b'+' {
            return true;
        }
        i += 1;
    }
    false
}

const _: () = assert!(has_three_spaces(SRC), "other.rs lost its three spaces");
`

// TestFixReadsTheBaseConfiguration: the configuration is read at the tip
// of the base branch, which here moved on after the pull request was
// opened, adding .github/symposium.toml that turns fix commits off: a
// file neither the head nor the merge base holds, so the worker's partial
// mirror must fetch it on purpose.
func TestFixReadsTheBaseConfiguration(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	if _, err := githubfake.Commit(context.Background(), pr.headRepoBare, "main",
		map[string]string{".github/symposium.toml": "[fix]\nenabled = false\n"}, nil, "Turn fix commits off"); err != nil {
		t.Fatal(err)
	}
	s.comment(t, pr, "maintainer", "User", "/symposium fix\n")
	replies := s.waitReplies(t, pr, 1)
	if !strings.Contains(replies[0].GetBody(), "turned off") {
		t.Errorf("reply %q, want fixes turned off by the base's configuration", replies[0].GetBody())
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); log[0] != pr.headSHA {
		t.Errorf("branch moved to %s although fixes are off", log[0])
	}
}
