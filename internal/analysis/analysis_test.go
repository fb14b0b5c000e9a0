package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// targetDir is shared by every case so cargo's work is reused.
var targetDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "symposium-analysis-target-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	targetDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testRunner(t *testing.T) sandbox.Runner {
	t.Helper()
	mode := sandbox.ModeBwrap
	if _, err := exec.LookPath("bwrap"); err != nil {
		t.Log("bwrap not installed: running cargo without a sandbox")
		mode = sandbox.ModeNone
	}
	r, err := sandbox.New(mode, sandbox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2020-01-01T00:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// fixture is a repository with a base and a head commit. Head lists the
// files that change: content, or "" to delete; renames are done first.
type fixture struct {
	base    map[string]string
	renames [][2]string
	head    map[string]string
}

func (f fixture) create(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write := func(files map[string]string) {
		for name, content := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if content == "" {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(f.base)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	git(t, dir, "checkout", "-q", "-b", "pr")
	for _, r := range f.renames {
		git(t, dir, "mv", r[0], r[1])
	}
	write(f.head)
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "head")
	return dir
}

func manifest(name string) string {
	return fmt.Sprintf("[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n", name)
}

// compareGolden compares res with testdata/<name>.golden.json structurally,
// ignoring duration_ms.
func compareGolden(t *testing.T, name string, res review.Result) {
	t.Helper()
	res.Stats.DurationMS = 0
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("result differs from %s (run with -update to accept):\n%s", path, got)
	}
}

// contractKeys checks the JSON contract's field names.
func contractKeys(t *testing.T, res review.Result) {
	t.Helper()
	b, _ := json.Marshal(res)
	for _, k := range []string{`"base_sha"`, `"head_sha"`, `"summary"`, `"comments"`, `"stats"`, `"diagnostics_total"`, `"diagnostics_on_diff"`, `"duration_ms"`} {
		if !bytes.Contains(b, []byte(k)) {
			t.Errorf("JSON lacks %s", k)
		}
	}
}

func bigFile(n int, head bool) string {
	var b strings.Builder
	b.WriteString("pub fn empty(v: &[i32]) -> bool {\n    v.is_empty()\n}\n")
	for i := range n {
		if head && i%1000 == 500 {
			fmt.Fprintf(&b, "pub fn f%d(v: &[i32]) -> bool {\n    v.len() == 0\n}\n", i)
		} else if head {
			fmt.Fprintf(&b, "pub const C%d: i32 = %d;\n", i, i)
		}
	}
	return b.String()
}

var cases = map[string]fixture{
	"clippy": {
		base: map[string]string{
			"Cargo.toml": manifest("fx_clippy"),
			"src/lib.rs": "pub fn old(v: &[i32]) -> bool {\n    v.len() == 0\n}\n",
		},
		head: map[string]string{
			"src/lib.rs": "pub fn old(v: &[i32]) -> bool {\n    v.len() == 0\n}\n\npub fn new(v: &[i32]) -> bool {\n    if v.len() == 0 {\n        return true;\n    }\n    false\n}\n",
		},
	},
	"compile_error": {
		base: map[string]string{"Cargo.toml": manifest("fx_error"), "src/lib.rs": "pub fn a() -> i32 {\n    1\n}\n"},
		head: map[string]string{"src/lib.rs": "pub fn a() -> i32 {\n    \"one\"\n}\n"},
	},
	"workspace": {
		base: map[string]string{
			"Cargo.toml":     "[workspace]\nmembers = [\"one\", \"two\"]\nresolver = \"2\"\n",
			"one/Cargo.toml": manifest("fx_one"),
			"one/src/lib.rs": "pub fn one(v: &[i32]) -> bool {\n    v.len() == 0\n}\n",
			"two/Cargo.toml": manifest("fx_two"),
			"two/src/lib.rs": "pub fn two() -> i32 {\n    2\n}\n",
		},
		head: map[string]string{"two/src/lib.rs": "pub fn two(v: &[i32]) -> bool {\n    v.len() == 0\n}\n"},
	},
	"multiline": {
		base: map[string]string{"Cargo.toml": manifest("fx_multi"), "src/lib.rs": "pub fn a() {}\n"},
		head: map[string]string{"src/lib.rs": "pub fn a() {}\n\npub fn b(x: bool, y: bool) -> i32 {\n    if x {\n        if y {\n            return 1;\n        }\n    }\n    0\n}\n"},
	},
	"overlap": {
		base: map[string]string{"Cargo.toml": manifest("fx_overlap"), "src/lib.rs": "pub fn a() {}\n"},
		head: map[string]string{"src/lib.rs": "pub fn a() {}\n\npub fn both(v: &[i32], w: &[i32]) -> bool {\n    v.len() == 0 && w.len() == 0\n}\n"},
	},
	"rename": {
		base: map[string]string{
			"Cargo.toml": manifest("fx_rename"), "src/lib.rs": "mod old;\npub use old::*;\n",
			"src/old.rs": "pub fn a(v: &[i32]) -> bool {\n    v.len() == 0\n}\n\npub fn b() -> i32 {\n    1\n}\n\npub fn c() -> i32 {\n    2\n}\n",
		},
		renames: [][2]string{{"src/old.rs", "src/new.rs"}},
		head: map[string]string{
			"src/lib.rs": "mod new;\npub use new::*;\n",
			"src/new.rs": "pub fn a(v: &[i32]) -> bool {\n    v.len() == 0\n}\n\npub fn b() -> i32 {\n    1\n}\n\npub fn c(w: &[i32]) -> bool {\n    w.len() == 0\n}\n",
		},
	},
	"delete": {
		base: map[string]string{
			"Cargo.toml": manifest("fx_delete"), "src/lib.rs": "mod gone;\npub fn keep(v: &[i32]) -> bool {\n    v.len() == 0\n}\n",
			"src/gone.rs": "pub fn gone() {}\n",
		},
		head: map[string]string{"src/gone.rs": "", "src/lib.rs": "pub fn keep(v: &[i32]) -> bool {\n    v.len() == 0\n}\n"},
	},
	"format_only": {
		base: map[string]string{"Cargo.toml": manifest("fx_format"), "src/lib.rs": "pub fn a() -> i32 {\n    1\n}\n"},
		head: map[string]string{"src/lib.rs": "pub fn a() -> i32 {\n    1\n}\npub fn   b( )->i32{2}\n"},
	},
	"big": {
		base: map[string]string{"Cargo.toml": manifest("fx_big"), "src/lib.rs": bigFile(5000, false)},
		head: map[string]string{"src/lib.rs": bigFile(5000, true)},
	},
}

func TestRunFixtures(t *testing.T) {
	runner := testRunner(t)
	for _, name := range []string{"clippy", "compile_error", "workspace", "multiline", "overlap", "rename", "delete", "format_only", "big"} {
		t.Run(name, func(t *testing.T) {
			dir := cases[name].create(t)
			// The semver check (two rustdoc runs) has tests of its own.
			cfg := config.DefaultRepo()
			cfg.Semver.Check = new(false)
			res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: runner, TargetDir: targetDir, Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			contractKeys(t, res)
			checkCase(t, name, res)
			compareGolden(t, name, res)
		})
	}
}

// checkCase states what each case is about, beside its golden file.
func checkCase(t *testing.T, name string, res review.Result) {
	t.Helper()
	rules := map[string][]review.Comment{}
	for _, c := range res.Comments {
		rules[c.Rule] = append(rules[c.Rule], c)
	}
	sugg := func(c review.Comment) string {
		if c.Suggestion == nil {
			return "<nil>"
		}
		return *c.Suggestion
	}
	switch name {
	case "clippy":
		lz := rules["clippy::len_zero"]
		if len(lz) != 1 || lz[0].Line != 6 || sugg(lz[0]) != "    if v.is_empty() {" {
			t.Errorf("len_zero comments %+v", lz)
		}
		for _, c := range res.Comments {
			if c.Line <= 3 {
				t.Errorf("comment on an unchanged line: %+v", c)
			}
		}
		if res.Stats.DiagnosticsTotal <= res.Stats.DiagnosticsOnDiff {
			t.Errorf("the unchanged line's finding is missing: %+v", res.Stats)
		}
	case "compile_error":
		if !res.CompileErrorOnDiff || len(rules["E0308"]) != 1 || rules["E0308"][0].Line != 2 {
			t.Errorf("compile error: %v %+v", res.CompileErrorOnDiff, res.Comments)
		}
	case "workspace":
		if len(res.Comments) != 1 || res.Comments[0].Path != "two/src/lib.rs" {
			t.Errorf("workspace comments %+v", res.Comments)
		}
	case "multiline":
		ci := rules["clippy::collapsible_if"]
		if len(ci) != 1 || ci[0].StartLine >= ci[0].Line || ci[0].Suggestion == nil {
			t.Errorf("collapsible_if %+v", ci)
		}
	case "overlap":
		lz := rules["clippy::len_zero"]
		if len(lz) != 1 || sugg(lz[0]) != "    v.is_empty() && w.is_empty()" || len(review.ParseMarkers(lz[0].Body)) != 2 {
			t.Errorf("overlap %+v", lz)
		}
	case "rename":
		if len(res.Comments) != 1 || res.Comments[0].Path != "src/new.rs" || res.Comments[0].Line != 10 {
			t.Errorf("rename comments %+v", res.Comments)
		}
	case "delete":
		if len(res.Comments) != 0 {
			t.Errorf("delete comments %+v", res.Comments)
		}
	case "format_only":
		rf := rules["rustfmt"]
		if len(rf) != 1 || sugg(rf[0]) != "pub fn b() -> i32 {\n    2\n}" {
			t.Errorf("rustfmt comments %+v", rf)
		}
	case "big":
		if len(rules["clippy::len_zero"]) != 5 {
			t.Errorf("big: %d len_zero comments", len(rules["clippy::len_zero"]))
		}
	}
}

func TestRunErrors(t *testing.T) {
	runner := testRunner(t)
	dir := cases["delete"].create(t)
	for name, req := range map[string]Request{
		"bad base":   {RepoDir: dir, Base: "nope", Runner: runner, TargetDir: targetDir},
		"no runner":  {RepoDir: dir, Base: "main", TargetDir: targetDir},
		"bad filter": {RepoDir: dir, Base: "main", Runner: runner, TargetDir: targetDir, Filter: "lines"},
		"not a repo": {RepoDir: t.TempDir(), Base: "main", Runner: runner, TargetDir: targetDir},
	} {
		if _, err := Run(context.Background(), req); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLoadConfigFromBase(t *testing.T) {
	f := fixture{
		base: map[string]string{".github/symposium.toml": "[review]\nmax_comments = 3\ntypo = 1\n", "a": "a\n"},
		head: map[string]string{".github/symposium.toml": "[review]\nenabled = false\n"},
	}
	dir := f.create(t)
	cfg, warnings, err := LoadConfig(context.Background(), dir, "main")
	if err != nil || cfg.Review.MaxComments != 3 || !cfg.ReviewEnabled() || len(warnings) != 1 {
		t.Errorf("LoadConfig = %+v %v %v", cfg, warnings, err)
	}
	if _, _, err := LoadConfig(context.Background(), dir, "--nope"); err == nil {
		t.Error("LoadConfig accepted a bad revision")
	}
}
