package cargo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// apply applies whole-line fixes to text the way a GitHub suggestion does.
func apply(t *testing.T, text string, diags []review.Diagnostic) string {
	t.Helper()
	lines := splitLines(text)
	for i := len(diags) - 1; i >= 0; i-- { // bottom up: line numbers stay valid
		e := diags[i].Fixes[0].Edits[0]
		if e.Span.ColumnStart != 1 || e.Span.ColumnEnd != len([]rune(lines[e.Span.LineEnd-1]))+1 {
			t.Fatalf("edit %+v does not cover whole lines", e.Span)
		}
		repl := strings.Split(e.Replacement, "\n")
		lines = append(lines[:e.Span.LineStart-1], append(repl, lines[e.Span.LineEnd:]...)...)
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestFormatDiagnostics(t *testing.T) {
	tests := []struct {
		name, old, new string
		regions        int
	}{
		{"same", "a\nb\n", "a\nb\n", 0},
		{"one line", "fn f(){}\n", "fn f() {}\n", 1},
		{"two regions", "a\n b\nc\nd\ne\n f\ng\n", "a\nb\nc\nd\ne\nf\ng\n", 2},
		{"insertion", "a\nb\n", "a\nx\nb\n", 1},
		{"insertion at top", "a\nb\n", "x\na\nb\n", 1},
		{"deletion", "a\n\n\nb\n", "a\n\nb\n", 1},
		{"deletion at end", "a\nb\n\n", "a\nb\n", 1},
		{"split line", "fn f() { let x = 1; x }\n", "fn f() {\n    let x = 1;\n    x\n}\n", 1},
		{"join lines", "use a::{\n  b,\n  c};\nfn x() {}\n", "use a::{b, c};\nfn x() {}\n", 1},
		{"unicode", "let é =  \"ü\";\n", "let é = \"ü\";\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := formatDiagnostics("src/lib.rs", tt.old, tt.new)
			if len(diags) != tt.regions {
				t.Fatalf("got %d diagnostics, want %d: %+v", len(diags), tt.regions, diags)
			}
			for _, d := range diags {
				if d.Source != review.SourceRustfmt || d.Rule != "rustfmt" || d.Fixes[0].Applicability != review.MachineApplicable {
					t.Errorf("bad diagnostic %+v", d)
				}
			}
			if got := apply(t, tt.old, diags); tt.regions > 0 && got != tt.new {
				t.Errorf("applying the fixes gives %q, want %q", got, tt.new)
			}
		})
	}
}

func TestDiffLinesMinimal(t *testing.T) {
	a := strings.Split("a b c a b b a", " ")
	b := strings.Split("c b a b a c", " ")
	changed := 0
	for _, h := range diffLines(a, b) {
		changed += (h.a1 - h.a0) + (h.b1 - h.b0)
	}
	if changed != 5 { // Myers' paper's example: D = 5
		t.Errorf("edit distance %d, want 5: %+v", changed, diffLines(a, b))
	}
}

func TestEdition(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"Cargo.toml":        "[workspace]\nmembers = [\"a\", \"b\", \"c\"]\n[workspace.package]\nedition = \"2024\"\n",
		"a/Cargo.toml":      "[package]\nname = \"a\"\nedition = \"2021\"\n",
		"b/Cargo.toml":      "[package]\nname = \"b\"\nedition.workspace = true\n",
		"c/Cargo.toml":      "[package]\nname = \"c\"\n",
		"a/src/deep/mod.rs": "",
		"b/src/lib.rs":      "",
		"c/src/lib.rs":      "",
	}
	writeFiles(t, dir, files)
	for file, want := range map[string]string{"a/src/deep/mod.rs": "2021", "b/src/lib.rs": "2024", "c/src/lib.rs": "2015"} {
		got, err := Edition(dir, file)
		if err != nil || got != want {
			t.Errorf("Edition(%s) = %q, %v; want %q", file, got, err, want)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSplitRustfmtOutput(t *testing.T) {
	group := []formatInput{{path: "/w/src/a.rs"}, {path: "/w/src/b.rs"}}
	tests := []struct {
		name, out string
		want      []string // nil: not attributable
	}{
		{"two files", "/w/src/a.rs:\n\nfn a() {}\n/w/src/b.rs:\n\nfn b() {}\n", []string{"fn a() {}\n", "fn b() {}\n"}},
		{"empty file", "/w/src/a.rs:\n\n\n/w/src/b.rs:\n\nfn b() {}\n", []string{"\n", "fn b() {}\n"}},
		{"a file missing", "/w/src/a.rs:\n\nfn a() {}\n", nil},
		{"wrong order", "/w/src/b.rs:\n\nfn b() {}\n/w/src/a.rs:\n\nfn a() {}\n", nil},
		{"a module not asked for", "/w/src/a.rs:\n\nmod c;\n/w/src/c.rs:\n\nfn c() {}\n/w/src/b.rs:\n\nfn b() {}\n", nil},
		{"a header-like line in a file", "/w/src/a.rs:\n\nconst S: &str = r\"\n/w/src/b.rs:\n\n\";\n/w/src/b.rs:\n\nfn b() {}\n", nil},
		{"text before the first header", "warning\n/w/src/a.rs:\n\nfn a() {}\n/w/src/b.rs:\n\nfn b() {}\n", nil},
		{"a header-like line without the empty line is text", "/w/src/a.rs:\n\n/x.rs:\nfn a() {}\n/w/src/b.rs:\n\nfn b() {}\n", []string{"/x.rs:\nfn a() {}\n", "fn b() {}\n"}},
		{"nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := splitRustfmtOutput([]byte(tt.out), group)
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
			for i := range tt.want {
				if string(got[i]) != tt.want[i] {
					t.Errorf("section %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestFormatBatch formats several files with one rustfmt run and checks
// the result against formatting each file on its own: editions, a nested
// rustfmt.toml, a declared module that was not asked for, a file rustfmt
// cannot parse, an empty file and a formatted one.
func TestFormatBatch(t *testing.T) {
	dir := t.TempDir()
	long := "fn s() { let aaaaaaaa = bbbbbbbbbbbbbbbb + cccccccccccccccc + ddddddddddd; }\n"
	writeFiles(t, dir, map[string]string{
		"Cargo.toml":                  "[workspace]\nmembers = [\"new\", \"old\"]\n",
		"new/Cargo.toml":              "[package]\nname = \"new\"\nedition = \"2021\"\n",
		"new/src/lib.rs":              "mod child;\nmod narrow;\nfn  f(){let x=1;}\n",
		"new/src/child.rs":            "fn  not_asked(){}\n",
		"new/src/narrow/mod.rs":       long,
		"new/src/narrow/rustfmt.toml": "max_width = 40\n",
		"new/src/wide.rs":             long,
		"new/src/empty.rs":            "",
		"new/src/clean.rs":            "pub fn clean() {}\n",
		"old/Cargo.toml":              "[package]\nname = \"old\"\n",
		"old/src/lib.rs":              "fn  g(){let async=1;}\n",
		"old/src/other.rs":            "fn h( ) {}\n",
	})
	files := []string{"new/src/lib.rs", "new/src/narrow/mod.rs", "new/src/wide.rs", "new/src/empty.rs", "new/src/clean.rs", "old/src/lib.rs", "old/src/other.rs"}
	opts := testOptions(t)
	counter := &countingRunner{Runner: opts.Runner}
	opts.Runner = counter
	ctx := context.Background()
	run := func(files []string) []review.Diagnostic {
		t.Helper()
		diags, err := Format(ctx, dir, files, opts)
		if err != nil {
			t.Fatal(err)
		}
		return diags
	}
	var alone []review.Diagnostic
	for _, f := range files {
		alone = append(alone, run([]string{f})...)
	}
	counter.runs = 0
	batch := run(files)
	if counter.runs != 2 {
		t.Errorf("%d rustfmt runs, want one per edition (2)", counter.runs)
	}
	if !equalJSON(batch, alone) {
		t.Errorf("one run: %s\nfile by file: %s", mustJSON(batch), mustJSON(alone))
	}
	byPath := map[string]int{}
	for _, d := range batch {
		if p, ok := d.Primary(); ok {
			byPath[p.Path]++
		}
	}
	if byPath["new/src/child.rs"] != 0 || byPath["new/src/clean.rs"] != 0 || byPath["new/src/narrow/mod.rs"] != 1 || byPath["old/src/lib.rs"] != 1 {
		t.Errorf("findings by file %v", byPath)
	}
	if !strings.Contains(mustJSON(batch), "bbbbbbbbbbbbbbbb\\n        + cccccccccccccccc") {
		t.Errorf("the nested rustfmt.toml was not applied: %s", mustJSON(batch))
	}

	// A file rustfmt cannot parse gets a note; the others are still formatted.
	writeFiles(t, dir, map[string]string{"new/src/broken.rs": "fn broken( {\n"})
	counter.runs = 0
	broken := run(append([]string{"new/src/broken.rs"}, files...))
	if counter.runs != 1+6+1 {
		t.Errorf("%d rustfmt runs, want the failed batch, its 6 files one by one and the other edition's batch", counter.runs)
	}
	if len(broken) != len(batch)+1 || broken[0].Severity != review.SeverityNote || !strings.Contains(broken[0].Message, "new/src/broken.rs") {
		t.Errorf("with a broken file: %s", mustJSON(broken))
	}
}

// countingRunner counts the commands it runs.
type countingRunner struct {
	sandbox.Runner
	runs int
}

func (r *countingRunner) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	r.runs++
	return r.Runner.Run(ctx, cmd)
}
