package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// commitLink adds the symbolic link path → target on branch of a bare
// repository, with git's plumbing, and returns the new commit.
func commitLink(t *testing.T, bare, branch, path, target string) string {
	t.Helper()
	index := filepath.Join(t.TempDir(), "index")
	run := func(stdin string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = bare
		cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+index, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=contributor", "GIT_AUTHOR_EMAIL=c@example.com",
			"GIT_COMMITTER_NAME=contributor", "GIT_COMMITTER_EMAIL=c@example.com")
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	blob := run(target, "hash-object", "-w", "--stdin")
	run("", "read-tree", "refs/heads/"+branch)
	run("", "update-index", "--add", "--cacheinfo", "120000,"+blob+","+path)
	tree := run("", "write-tree")
	commit := run("Add a link\n", "commit-tree", tree, "-p", "refs/heads/"+branch)
	run("", "update-ref", "refs/heads/"+branch, commit)
	return commit
}

// TestFixOnAHostilePullRequest: through the worker, a pull request whose
// build script edits a source and which adds a link to a host file gets a
// fix commit holding exactly Symposium's edits; the linked file is never
// read (a note says so) and nothing of it is posted.
func TestFixOnAHostilePullRequest(t *testing.T) {
	s := startFixStack(t)
	secretFile := filepath.Join(t.TempDir(), "secret.rs")
	secret := "pub fn  secret_7f3a( ){}\n"
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	head := map[string]string{
		"src/other.rs": fixHead["src/other.rs"],
		"build.rs": `fn main() {
    let s = std::fs::read_to_string("src/lib.rs").unwrap();
    if !s.contains("injected") { std::fs::write("src/lib.rs", s + "pub fn injected() {}\n").unwrap(); }
}
`,
	}
	pr := s.seedPR(t, prSpec{base: fixBase, head: head})
	linked := commitLink(t, pr.headRepoBare, pr.headRef, "src/x.rs", secretFile)
	if err := s.gh.SetPullRequestHead(pr.full, pr.number, linked); err != nil {
		t.Fatal(err)
	}
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 1)
	body := replies[0].GetBody()
	log := branchLog(t, pr.headRepoBare, pr.headRef)
	if len(log) != 4 || log[1] != linked {
		t.Fatalf("branch = %v, want one fix commit on %s; reply: %s", log, linked, body)
	}
	files, err := gitOut(pr.headRepoBare, "diff", "--name-only", linked, log[0])
	if err != nil || files != "src/other.rs" {
		t.Errorf("the fix commit changes %q (%v), want only src/other.rs", files, err)
	}
	if got := fileAt(t, pr.headRepoBare, log[0], "src/other.rs"); got != fixFixed {
		t.Errorf("fixed file =\n%s\nwant\n%s", got, fixFixed)
	}
	if !strings.Contains(body, "`src/x.rs` is a symbolic link") {
		t.Errorf("reply lacks the note on the link:\n%s", body)
	}
	for _, c := range s.gh.IssueComments(pr.full, pr.number) {
		if strings.Contains(c.GetBody(), "secret_7f3a") {
			t.Errorf("the host file was posted:\n%s", c.GetBody())
		}
	}
	if b, _ := os.ReadFile(secretFile); string(b) != secret {
		t.Errorf("the host file changed: %q", b)
	}
}
