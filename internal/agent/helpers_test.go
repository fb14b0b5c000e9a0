package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// baseLib and headLib are src/lib.rs of the fixture pull request.
var baseLib = `pub fn add(a: u32, b: u32) -> u32 {
    a.saturating_add(b)
}
` + filler

var headLib = `pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

pub fn double(x: u32) -> u32 {
    x * 2
}
` + filler

// filler holds lines far from the change, outside the diff's hunks.
var filler = func() string {
	var b strings.Builder
	for i := 1; i <= 15; i++ {
		fmt.Fprintf(&b, "\npub fn f%d() -> u32 {\n    %d\n}\n", i, i)
	}
	return b.String()
}()

// fixture is a git repository with the pull request's base and head.
type fixture struct {
	dir  string // checkout of the head
	diff string
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\npath = \"src/lib.rs\"\n")
	write(t, filepath.Join(dir, "src/lib.rs"), baseLib+"\npub mod util;\n")
	write(t, filepath.Join(dir, "src/util.rs"), "pub fn three() -> u32 {\n    3\n}\n")
	write(t, filepath.Join(dir, ".github/workflows/ci.yml"), "on: push\n")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	write(t, filepath.Join(dir, "src/lib.rs"), headLib+"\npub mod util;\n")
	git(t, dir, "commit", "-q", "-am", "head")
	return fixture{dir: dir, diff: git(t, dir, "diff", "HEAD~1", "HEAD")}
}

func (f fixture) headFile(path string) ([]byte, bool) {
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(path)))
	return b, err == nil
}

// targetDir is the cargo target directory shared by every test's checks.
var targetDir = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "symposium-agent-test-target-")
	if err != nil {
		panic(err)
	}
	return dir
})

// cargoCheck is the review engine's own check: cargo clippy through
// internal/cargo, in the bwrap sandbox, with a target directory shared by
// every test.
func cargoCheck(ctx context.Context, dir string) ([]review.Diagnostic, error) {
	runner, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		return nil, err
	}
	return cargo.Clippy(ctx, dir, cargo.Options{Runner: runner, TargetDir: targetDir()})
}

// answer renders an agent answer.
func answer(t *testing.T, summary string, comments []map[string]any, patches []map[string]any) string {
	t.Helper()
	if comments == nil {
		comments = []map[string]any{}
	}
	if patches == nil {
		patches = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"summary": summary, "comments": comments, "patches": patches})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func comment(path string, line int, body string) map[string]any {
	return map[string]any{"path": path, "line": line, "start_line": 0, "severity": "warning", "body": body}
}

func patch(desc, diff string) map[string]any {
	return map[string]any{"description": desc, "diff": diff}
}
