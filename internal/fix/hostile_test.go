package fix

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/agent/agentfake"
)

// addLinks commits symbolic links (path → target) on the checked-out branch.
func addLinks(t *testing.T, dir string, links map[string]string) {
	t.Helper()
	for name, target := range links {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	gitT(t, dir, "add", "-A")
	gitT(t, dir, "commit", "--quiet", "-m", "links")
}

// hostFile is a file outside every checkout, as another repository's
// source or a secret on a shared worker would be.
func hostFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "host-secret.rs")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func assertUnchanged(t *testing.T, path, want string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Errorf("host file %s = %q, %v; want it untouched", path, b, err)
	}
}

// TestRunIgnoresWhatABuildWrites: a build script that edits the sources
// during the fix never gets its edit committed (the files being fixed are
// read-only in the sandbox, and the commit is made from our bytes anyway),
// and one that swaps a source for a link to a host file gets nothing on the
// host written or read.
func TestRunIgnoresWhatABuildWrites(t *testing.T) {
	ctx := context.Background()
	secret := "pub fn secret_7f3a() {}\n"
	victim := hostFile(t, secret)
	for _, tc := range []struct{ name, build string }{
		{"writes a file fixes do not touch", `fn main() {
    let s = std::fs::read_to_string("src/lib.rs").unwrap();
    if !s.contains("injected") { let _ = std::fs::write("src/lib.rs", s + "pub fn injected() {}\n"); }
}
`},
		{"edits a file being fixed", `fn main() {
    let s = std::fs::read_to_string("src/other.rs").unwrap();
    if !s.contains("injected") { let _ = std::fs::write("src/other.rs", s + "pub fn injected() {}\n"); }
}
`},
		{"swaps a source for a link to a host file", `fn main() {
    let _ = std::fs::remove_file("src/other.rs");
    let _ = std::fs::rename("src/lib.rs", "src/other.rs");
    let _ = std::os::unix::fs::symlink("` + victim + `", "src/other.rs");
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newRepo(t,
				map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
				map[string]string{"src/other.rs": messyOther, "build.rs": tc.build})
			head := gitT(t, dir, "rev-parse", "HEAD")
			res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
			assertUnchanged(t, victim, secret)
			if fi, err := os.Lstat(filepath.Join(dir, "src/other.rs")); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("src/other.rs in the work tree: %v, %v", fi, err)
			}
			for _, f := range []string{"src/lib.rs", "src/other.rs"} {
				if b, _ := os.ReadFile(filepath.Join(dir, f)); strings.Contains(string(b), "injected") {
					t.Errorf("the build's edit reached the work tree's %s", f)
				}
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			sha, err := Commit(ctx, dir, res, Author{Name: "bot", Email: "bot@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if files := gitT(t, dir, "diff", "--name-only", head, sha); files != "src/other.rs" {
				t.Errorf("the commit changes %q, want only src/other.rs", files)
			}
			want := "pub fn other(x: u32) -> u32 {\n    x + 1\n}\n\npub fn spaced() -> u32 {\n    2\n}\n"
			if got := gitT(t, dir, "show", sha+":src/other.rs"); got+"\n" != want {
				t.Errorf("committed src/other.rs =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestRunDoesNotFollowLinks: links the pull request adds are never read
// (a note says so), and linked manifests stop the fix with a clear note.
func TestRunDoesNotFollowLinks(t *testing.T) {
	ctx := context.Background()
	secret := "pub fn  secret_7f3a( ){}\n"
	host := hostFile(t, secret)
	t.Run("sources", func(t *testing.T) {
		dir := newRepo(t,
			map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
			map[string]string{"src/other.rs": messyOther})
		addLinks(t, dir, map[string]string{"src/x.rs": host, "src/zero.rs": "/dev/zero"})
		res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if len(res.Changed) != 1 || res.Changed[0] != "src/other.rs" {
			t.Errorf("changed = %v", res.Changed)
		}
		notes := strings.Join(res.Notes, "\n")
		for _, want := range []string{"`src/x.rs` is a symbolic link", "`src/zero.rs` is a symbolic link"} {
			if !strings.Contains(notes, want) {
				t.Errorf("notes lack %q:\n%s", want, notes)
			}
		}
		if strings.Contains(string(res.Diff)+notes, "secret_7f3a") {
			t.Errorf("the host file was read:\n%s\n%s", res.Diff, notes)
		}
		assertUnchanged(t, host, secret)
		if target, err := os.Readlink(filepath.Join(dir, "src/x.rs")); err != nil || target != host {
			t.Errorf("the link in the work tree was replaced: %q, %v", target, err)
		}
	})
	for _, name := range []string{"Cargo.toml", "Cargo.lock"} {
		t.Run(name, func(t *testing.T) {
			dir := newRepo(t,
				map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
				map[string]string{"src/other.rs": messyOther})
			addLinks(t, dir, map[string]string{name: "/dev/zero"})
			res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir})
			if err != nil || !res.Empty() {
				t.Fatalf("Run = %+v, %v; want nothing fixed", res, err)
			}
			if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, "`"+name+"` is a symbolic link") {
				t.Errorf("notes = %q", notes)
			}
		})
	}
}

// TestRunDropsAFixThatAddsAWarning: verification compares warnings before
// and after; the fixes of a file that gain a warning are left out, with a
// note, and the others kept; the count in the message is what was applied.
func TestRunDropsAFixThatAddsAWarning(t *testing.T) {
	ctx := context.Background()
	lib := "pub mod other;\npub mod third;\n"
	third := "pub fn third(x: u32) -> u32 {\n    x * 3\n}\n"
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": lib, "src/other.rs": otherBase, "src/third.rs": "pub fn third(x: u32) -> u32 {\n    x\n}\n"},
		map[string]string{"src/other.rs": "pub fn other(x: u32) -> u32 {\n    return x + 1;\n}\n", "src/third.rs": third})
	answer, err := json.Marshal(map[string]any{
		"summary": "A helper.", "comments": []any{},
		"patches": []map[string]any{{"description": "add a helper", "diff": "--- a/src/third.rs\n+++ b/src/third.rs\n@@ -1,3 +1,7 @@\n pub fn third(x: u32) -> u32 {\n     x * 3\n }\n+\n+fn helper() -> u32 {\n+    3\n+}\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake := agentfake.NewOpenAI(t, agentfake.Reply{Text: string(answer), InputTokens: 100, OutputTokens: 50})
	ag, err := agent.New(agent.Config{Backend: agent.BackendOpenAI, OpenAIAPIKey: "k", OpenAIBaseURL: fake.URL + "/v1", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir,
		Patches: AgentPatches{Agent: ag, Backend: agent.BackendOpenAI}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Changed) != 1 || res.Changed[0] != "src/other.rs" || res.Count() != 1 {
		t.Errorf("changed %v, fixes %v; want the needless return in src/other.rs only", res.Changed, res.Fixes)
	}
	if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, "The fixes to `src/third.rs` were left out: they add a warning") {
		t.Errorf("notes = %q", notes)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "src/third.rs")); string(b) != third {
		t.Errorf("src/third.rs = %q", b)
	}
	if msg := CommitMessage(res); !strings.HasPrefix(msg, "Apply 1 Symposium fix\n") {
		t.Errorf("message = %q", msg)
	}
}
