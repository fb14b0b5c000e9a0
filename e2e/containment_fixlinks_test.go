package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestFixOnAHeadWithLinks: `/symposium fix` through the worker on a head
// whose links point at host files (absolute, relative escaping the
// checkout, the worker's data dir, /), at another source of the checkout
// (which the fix changes), and a cargo config that is a link, with a build
// script writing through them and planting new links: the one fix commit
// changes only the regular file it fixes, leaves every link as it was, adds
// none, holds nothing of the host's files, and no host file changes. A head
// whose Cargo.toml is a link gets no commit, only the reason.
func TestFixOnAHeadWithLinks(t *testing.T) {
	s := startFixStack(t)
	secret := filepath.Join(s.dataDir, "secret-fix.rs")
	const marker = "secret_fix_61c0e2"
	if err := os.WriteFile(secret, []byte("pub fn "+marker+"() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	head := map[string]string{
		"src/other.rs": fixHead["src/other.rs"],
		// sib.rs is other.rs again, through a link: clippy's findings and
		// fixes there must not become edits of the link.
		"src/lib.rs": "pub mod other;\npub mod sib;\n\npub fn one() -> u32 {\n    1\n}\n",
		"build.rs": `fn main() {
    let mark = format!("{}{}", "pwn", "ed_4c1d\n");
    for p in ["src/passwd.rs", "src/up.rs", "src/secret.rs", "src/data/pwned", "src/m/tmp/pwned", ".cargo/config.toml"] {
        let _ = std::fs::write(p, &mark);
    }
    let _ = std::os::unix::fs::symlink("/etc/passwd", "src/planted.rs");
    let _ = std::os::unix::fs::symlink("/", "planted");
}
`,
	}
	links := map[string]string{
		"src/passwd.rs":      "/etc/passwd",
		"src/up.rs":          strings.Repeat("../", 12) + "etc/passwd",
		"src/secret.rs":      secret,
		"src/data":           s.dataDir,
		"src/m":              "/",
		"src/sib.rs":         "other.rs",
		".cargo/config.toml": secret,
	}
	before := hostState(t, secret)
	pr := s.seedPR(t, prSpec{base: fixBase, head: head})
	linked, err := githubfake.CommitChange(context.Background(), pr.headRepoBare, pr.headRef, githubfake.Change{Links: links, Message: "links"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.gh.SetPullRequestHead(pr.full, pr.number, linked); err != nil {
		t.Fatal(err)
	}
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	body := s.waitReplies(t, pr, 1)[0].GetBody()
	log := branchLog(t, pr.headRepoBare, pr.headRef)
	if len(log) != 4 || log[1] != linked {
		t.Fatalf("branch = %v, want one fix commit on %s; reply:\n%s", log, linked, body)
	}
	fixed := log[0]
	if raw, err := gitOut(pr.headRepoBare, "diff", "--raw", "--no-renames", linked, fixed); err != nil ||
		!strings.HasPrefix(raw, ":100644 100644 ") || !strings.HasSuffix(raw, "\tsrc/other.rs") || strings.Count(raw, "\n") != 0 {
		t.Errorf("the fix commit changes:\n%s (%v)\nwant only the regular file src/other.rs", raw, err)
	}
	if got := fileAt(t, pr.headRepoBare, fixed, "src/other.rs"); got != fixFixed {
		t.Errorf("fixed file =\n%s\nwant\n%s", got, fixFixed)
	}
	for p, target := range links {
		entry, err := gitOut(pr.headRepoBare, "ls-tree", fixed, "--", p)
		if err != nil || !strings.HasPrefix(entry, "120000 blob ") {
			t.Errorf("%s in the fix commit: %q (%v), want the link unchanged", p, entry, err)
		}
		if got, _ := gitOut(pr.headRepoBare, "cat-file", "blob", fixed+":"+p); got != target {
			t.Errorf("%s -> %q in the fix commit, want %q", p, got, target)
		}
	}
	if tree, _ := gitOut(pr.headRepoBare, "ls-tree", "-r", "--name-only", fixed); strings.Contains(tree, "planted") {
		t.Errorf("the fix commit holds a link the build planted:\n%s", tree)
	}
	for _, needle := range append(hostSecrets(t), marker, "pwned_4c1d") {
		if out, _ := gitOut(pr.headRepoBare, "grep", "-F", "-e", needle, fixed, "--"); out != "" {
			t.Errorf("the fix commit holds %q:\n%s", needle, out)
		}
		for _, c := range s.gh.IssueComments(pr.full, pr.number) {
			if strings.Contains(c.GetBody(), needle) {
				t.Errorf("the bot posted %q:\n%s", needle, c.GetBody())
			}
		}
	}
	for _, p := range []string{"src/passwd.rs", "src/up.rs", "src/secret.rs", "src/sib.rs"} {
		if !strings.Contains(body, "`"+p+"` is a symbolic link") {
			t.Errorf("the reply does not say %s is a link it did not follow:\n%s", p, body)
		}
	}
	diffState(t, before, hostState(t, secret))
	if _, err := os.Lstat(filepath.Join(s.dataDir, "pwned")); !os.IsNotExist(err) {
		t.Errorf("the build wrote through src/data into the worker's data dir: %v", err)
	}

	// The manifest itself a link: no commit, the reason why.
	manifest, err := githubfake.CommitChange(context.Background(), pr.headRepoBare, pr.headRef, githubfake.Change{
		Files: map[string]string{"src/other.rs": fixHead["src/other.rs"]}, Links: map[string]string{"Cargo.toml": secret}, Message: "manifest link",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.gh.SetPullRequestHead(pr.full, pr.number, manifest); err != nil {
		t.Fatal(err)
	}
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	replies := s.waitReplies(t, pr, 2)
	if body := replies[1].GetBody(); !strings.Contains(body, "`Cargo.toml` is a symbolic link") || strings.Contains(body, marker) {
		t.Errorf("reply on a linked manifest:\n%s", body)
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); log[0] != manifest {
		t.Errorf("a commit was pushed on a head whose Cargo.toml is a link: %v", log[:2])
	}
}
