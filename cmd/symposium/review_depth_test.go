package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/depthfixture"
	"github.com/symposium-dev/symposium/review"
)

// TestReviewDepth runs `symposium review` on the depth fixture: an
// undocumented unsafe block, an API newer than the rust-version, a removed
// public function without a version bump and a path dependency with a
// build script that an advisory covers are all reported.
func TestReviewDepth(t *testing.T) {
	repo := depthfixture.Repo(t)
	pinRustdocSemver(t, repo)
	t.Setenv("SYMPOSIUM_ADVISORY_DB", depthfixture.AdvisoryDB(t))
	code, out, errOut := runCommand("review", "--repo", repo, "--base", "main", "--head", "pr", "--sandbox", sandboxMode(),
		"--cache-dir", t.TempDir(), "--fetch=false", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var res review.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rules := map[string]review.Comment{}
	for _, c := range res.Comments {
		rules[c.Rule] = c
	}
	for _, want := range []struct {
		rule   string
		source review.Source
		path   string
		line   int
	}{
		{"clippy::undocumented_unsafe_blocks", review.SourceClippy, "src/lib.rs", 12},
		{"clippy::incompatible_msrv", review.SourceClippy, "src/lib.rs", 17},
		{"RUSTSEC-2099-0001", review.SourceDeps, "Cargo.toml", 8},
		{"rust-version", review.SourceDeps, "Cargo.toml", 8},
	} {
		c, ok := rules[want.rule]
		if !ok || c.Source != want.source || c.Path != want.path || c.Line != want.line {
			t.Errorf("no %s comment at %s:%d (source %s); comments: %+v", want.rule, want.path, want.line, want.source, res.Comments)
		}
	}
	// The semver break sits on the version line, which the PR does not
	// change: the summary has it.
	semver := "`Cargo.toml:3` **warning** `semver`: The public API of `mylib` has 1 breaking change, but its version goes from `0.1.0` to `0.1.0`: a minor bump is needed (to `0.2.0` or later). function `mylib::old_api`: removed"
	if !cargo.NightlyAvailable() {
		semver = "Semver check skipped: no nightly toolchain is installed"
	}
	for _, want := range []string{
		"### Unsafe code added", "`src/lib.rs:12` unsafe block: **no SAFETY comment**",
		"### Dependency changes (Cargo.lock)", "| added | `buildhelper` | `0.3.0` | `path` | **build script** |",
		semver,
	} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.Summary)
		}
	}
	if strings.Contains(out, "@someone") {
		t.Errorf("summary or comments mention a user:\n%s", out)
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
	reviewGit(t, repo, "checkout", "-q", "main")
	if err := os.WriteFile(filepath.Join(repo, ".github", "symposium.toml"), []byte("[semver]\ntool = \"rustdoc\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "semver: rustdoc's comparison")
	reviewGit(t, repo, "rebase", "-q", "main", "pr")
}
