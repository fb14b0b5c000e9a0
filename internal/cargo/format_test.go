package cargo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
