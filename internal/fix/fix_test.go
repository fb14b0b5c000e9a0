package fix

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// targetDir is cargo's target dir, shared by every test of the package.
var targetDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "symposium-fix-target-")
	if err != nil {
		panic(err)
	}
	targetDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runner(t *testing.T) sandbox.Runner {
	t.Helper()
	r, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	return r
}

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeAll(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newRepo makes a repository with a base commit on main and a head commit
// on feature (checked out), and returns its dir.
func newRepo(t *testing.T, base, head map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	gitT(t, dir, "init", "--quiet", "-b", "main")
	writeAll(t, dir, base)
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "--quiet", "-m", "base")
	gitT(t, dir, "checkout", "--quiet", "-b", "feature")
	writeAll(t, dir, head)
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "--quiet", "-m", "head")
	return dir
}

const manifest = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\npath = \"src/lib.rs\"\n"

// Fixture crates shared by the tests and the CLI's.
var (
	cleanLib  = "pub mod other;\n\npub fn one() -> u32 {\n    1\n}\n"
	otherBase = "pub fn other(x: u32) -> u32 {\n    x\n}\n"
	// messyOther has a needless return (clippy fixes it) and bad formatting.
	messyOther = "pub fn other(x: u32) -> u32 {\n    return x+1;\n}\n\npub fn  spaced( )->u32{ 2 }\n"
)

func TestRunFixesAndCommits(t *testing.T) {
	ctx := context.Background()
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase,
			".github/workflows/ci.yml": "on: push\n"},
		map[string]string{"src/other.rs": messyOther, ".github/workflows/ci.yml": "on: [push]\n"})
	head := gitT(t, dir, "rev-parse", "HEAD")
	res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.HeadSHA != head || res.Empty() {
		t.Fatalf("result: head %s (want %s), changed %v", res.HeadSHA, head, res.Changed)
	}
	if len(res.Changed) != 1 || res.Changed[0] != "src/other.rs" {
		t.Errorf("changed = %v, want [src/other.rs]", res.Changed)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "src/other.rs"))
	want := "pub fn other(x: u32) -> u32 {\n    x + 1\n}\n\npub fn spaced() -> u32 {\n    2\n}\n"
	if string(got) != want {
		t.Errorf("src/other.rs =\n%s\nwant\n%s", got, want)
	}
	rules := map[string]bool{}
	for _, f := range res.Fixes {
		rules[f.Rule+" "+f.Path] = true
	}
	if !rules["clippy::needless_return src/other.rs"] || !rules["rustfmt src/other.rs"] {
		t.Errorf("fixes = %v, want needless_return and rustfmt in src/other.rs", res.Fixes)
	}
	if !strings.Contains(string(res.Diff), "+    x + 1") {
		t.Errorf("diff does not hold the fix:\n%s", res.Diff)
	}
	sugg, err := Suggestions(res.Diff)
	if err != nil || len(sugg) == 0 {
		t.Fatalf("Suggestions: %v, %v", sugg, err)
	}

	sha, err := Commit(ctx, dir, res, BotAuthor("symposium[bot]", 42))
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if parent := gitT(t, dir, "rev-parse", sha+"^"); parent != head {
		t.Errorf("commit parent = %s, want %s", parent, head)
	}
	msg := gitT(t, dir, "log", "-1", "--format=%an <%ae>%n%B", sha)
	for _, want := range []string{"symposium[bot] <42+symposium[bot]@users.noreply.github.com>", "- clippy::needless_return in src/other.rs", "- rustfmt in src/other.rs"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit lacks %q:\n%s", want, msg)
		}
	}
	if st := gitT(t, dir, "status", "--porcelain", "--untracked-files=no"); st != "" {
		t.Errorf("work tree not clean after commit: %s", st)
	}

	// A second run on the fixed head finds nothing left to fix.
	again, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
	if err != nil || !again.Empty() {
		t.Errorf("second run: %v, changed %v", err, again.Changed)
	}
}

func TestRunRefusesFixThatBreaksTheBuild(t *testing.T) {
	ctx := context.Background()
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": BreakingLib, "src/other.rs": otherBase},
		map[string]string{"src/other.rs": BreakingOther})
	res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("Run = %v, %v; want a VerifyError", res.Changed, err)
	}
	if !strings.Contains(ve.Reason, "break the build") {
		t.Errorf("reason = %q", ve.Reason)
	}
	if st := gitT(t, dir, "status", "--porcelain", "--untracked-files=no"); st != "" {
		t.Errorf("work tree not restored: %s", st)
	}
}

func TestRunNothingToFixAndBadInput(t *testing.T) {
	ctx := context.Background()
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
		map[string]string{"README.md": "hello\n"})
	res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
	if err != nil || !res.Empty() || len(res.Notes) == 0 {
		t.Errorf("docs-only PR: %v, %+v", err, res)
	}
	if _, err := Run(ctx, Request{Dir: dir, Base: "no-such-branch", Runner: runner(t), TargetDir: targetDir}); err == nil {
		t.Error("unknown base: no error")
	}
	writeAll(t, dir, map[string]string{"src/lib.rs": "// dirty\n"})
	if _, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir}); err == nil || !strings.Contains(err.Error(), "uncommitted") {
		t.Errorf("dirty tree: %v", err)
	}
	gitT(t, dir, "checkout", "--", "src/lib.rs")
	writeAll(t, dir, map[string]string{".github/symposium.toml": "[fix]\nenabled = false\n"})
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "--quiet", "-m", "config")
	if _, err := Run(ctx, Request{Dir: dir, Base: "HEAD", Runner: runner(t), TargetDir: targetDir}); !errors.Is(err, ErrDisabled) {
		t.Errorf("disabled: %v", err)
	}
}

func TestSuggestions(t *testing.T) {
	diff := "diff --git a/a.rs b/a.rs\n--- a/a.rs\n+++ b/a.rs\n@@ -1,5 +1,5 @@\n fn a() {\n-    return 1;\n+    1\n }\n \n fn b() {}\n@@ -10,3 +10,4 @@\n x\n y\n+z\n w\n"
	got, err := Suggestions([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	want := []Suggestion{{Path: "a.rs", StartLine: 2, EndLine: 2, Text: "    1"}, {Path: "a.rs", StartLine: 11, EndLine: 11, Text: "y\nz"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Suggestions = %+v, want %+v", got, want)
	}
	if b := got[0].Body("Fix:"); !strings.Contains(b, "```suggestion\n    1\n```") {
		t.Errorf("Body = %q", b)
	}
}

// A head whose dependencies cannot be fetched because of its own manifest
// gets a VerifyError (a reply, no retry) with cargo's words and no worker
// path.
func TestRunFetchFailsBecauseOfTheHead(t *testing.T) {
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
		map[string]string{"Cargo.toml": manifest + "\n[dependencies]\nfar = { path = \"../nothere\" }\n\n[dependencies]\n", "src/other.rs": messyOther})
	work := t.TempDir()
	_, err := Run(context.Background(), Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: filepath.Join(work, "target"),
		SourceDir: filepath.Join(work, "src"), Fetch: true})
	var ve *VerifyError
	if !errors.As(err, &ve) || !strings.Contains(ve.Reason, "could not fetch") || !strings.Contains(ve.Detail, "duplicate key") {
		t.Fatalf("Run = %v (%+v), want a VerifyError about the fetch", err, ve)
	}
	if strings.Contains(ve.Detail, work) || strings.Contains(ve.Detail, dir) {
		t.Errorf("worker path in the detail:\n%s", ve.Detail)
	}
}
