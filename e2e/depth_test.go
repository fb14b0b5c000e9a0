package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/depthfixture"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestDepthChecks: through the webhook and the worker, a pull request that
// adds an undocumented unsafe block, uses an API newer than its
// rust-version, removes a public function without a version bump and adds
// a path dependency with a build script that an advisory covers gets all
// four reported: inline comments for what is on changed lines, the
// summary for the rest, the unsafe list and the dependency table.
func TestDepthChecks(t *testing.T) {
	t.Setenv("SYMPOSIUM_ADVISORY_DB", depthfixture.AdvisoryDB(t))
	e := start(t)
	repo := depthfixture.Repo(t)
	pinRustdocSemver(t, repo)
	e.bare = filepath.Join(t.TempDir(), "depth.git")
	if out, err := exec.Command("git", "clone", "-q", "--bare", repo, e.bare).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	e.full = "octo-org/depth"
	if err := e.gh.AddRepo("octo-org", "depth", e.bare); err != nil {
		t.Fatal(err)
	}
	pr, err := e.gh.AddPullRequest(e.full, githubfake.PullRequest{HeadRef: "pr", BaseRef: "main", Title: "Depth"})
	if err != nil {
		t.Fatal(err)
	}
	e.number, e.repoID = pr.GetNumber(), pr.GetBase().GetRepo().GetID()
	e.send("opened")
	e.wait()

	reviews := e.gh.Reviews(e.full, e.number)
	if len(reviews) != 1 {
		t.Fatalf("reviews: %d, want 1", len(reviews))
	}
	body := reviews[0].GetBody()
	semver := "function `mylib::old_api`: removed"
	if !cargo.NightlyAvailable() {
		semver = "Semver check skipped: no nightly toolchain is installed"
	}
	for _, want := range []string{
		"`src/lib.rs:12` unsafe block: **no SAFETY comment**",
		"| added | `buildhelper` | `0.3.0` | `path` | **build script** |",
		semver,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("review body lacks %q:\n%s", want, body)
		}
	}
	found := map[string]string{}
	for _, c := range e.commentsOf(reviews[0].GetID()) {
		for _, rule := range []string{"undocumented_unsafe_blocks", "incompatible_msrv", "RUSTSEC-2099-0001", "rust-version"} {
			if strings.Contains(c.GetBody(), rule) {
				found[rule] = c.GetPath()
			}
		}
		if strings.Contains(c.GetBody(), "@someone") {
			t.Errorf("a comment mentions a user: %s", c.GetBody())
		}
		if strings.Contains(c.GetBody(), "\u200d\u200d") || strings.Contains(c.GetBody(), "&amp;") {
			t.Errorf("a comment escaped twice: %q", c.GetBody())
		}
	}
	want := map[string]string{"undocumented_unsafe_blocks": "src/lib.rs", "incompatible_msrv": "src/lib.rs", "RUSTSEC-2099-0001": "Cargo.toml", "rust-version": "Cargo.toml"}
	for rule, path := range want {
		if found[rule] != path {
			t.Errorf("no comment for %s on %s: %v", rule, path, found)
		}
	}
}

// pinRustdocSemver sets `[semver] tool = "rustdoc"` in the depth fixture's
// base (a commit on main, onto which the pull request is rebased: its diff
// is unchanged), so that the semver finding is rustdoc's comparison, which
// the test words, also where cargo-semver-checks is installed. `symposium
// demo --depth-sample` keeps the fixture as it is.
func pinRustdocSemver(t *testing.T, repo string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(repo, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := []string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}
	gitRun(t, repo, "checkout", "-q", "main")
	if err := os.WriteFile(filepath.Join(repo, ".github", "symposium.toml"), []byte("[semver]\ntool = \"rustdoc\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, repo, "add", "-A")
	gitRun(t, repo, append(id, "commit", "-q", "-m", "semver: rustdoc's comparison")...)
	gitRun(t, repo, append(id, "rebase", "-q", "main", "pr")...)
}
