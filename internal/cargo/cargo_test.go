package cargo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// sharedTarget is one CARGO_TARGET_DIR for every real cargo run of the
// package's tests, to keep them fast.
var sharedTarget string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "symposium-cargo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedTarget = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testOptions(t *testing.T) Options {
	t.Helper()
	r, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return Options{Runner: r, TargetDir: sharedTarget}
}

const manifest = "[package]\nname = %q\nversion = \"0.1.0\"\nedition = \"2021\"\n"

func TestClippyLint(t *testing.T) {
	dir := t.TempDir()
	lib := "pub fn check(v: &[u8]) -> bool {\n    v.len() == 0\n}\n"
	writeFiles(t, dir, map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "lint"), "src/lib.rs": lib})
	opts := testOptions(t)
	if err := Fetch(context.Background(), dir, opts); err != nil {
		t.Fatalf("Fetch without registry deps: %v", err)
	}
	diags, err := Clippy(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []review.Diagnostic{{
		Source: review.SourceClippy, Rule: "clippy::len_zero", Severity: review.SeverityWarning,
		Message: "length comparison to zero",
		Spans:   []review.Span{{Path: "src/lib.rs", LineStart: 2, LineEnd: 2, ColumnStart: 5, ColumnEnd: 17, Primary: true}},
		Fixes: []review.Fix{{Message: "using `is_empty` is clearer and more explicit", Applicability: review.MachineApplicable,
			Edits: []review.Edit{{Span: review.Span{Path: "src/lib.rs", LineStart: 2, LineEnd: 2, ColumnStart: 5, ColumnEnd: 17}, Replacement: "v.is_empty()"}}}},
	}}
	for i := range diags {
		diags[i].Rendered, diags[i].Notes = "", nil
	}
	if !equalJSON(diags, want) {
		t.Errorf("got  %s\nwant %s", mustJSON(diags), mustJSON(want))
	}

	// The same file through Format: already formatted, no finding.
	fmtDiags, err := Format(context.Background(), dir, []string{"src/lib.rs", "README.md", "src/gone.rs"}, opts)
	if err != nil || len(fmtDiags) != 0 {
		t.Errorf("Format = %+v, %v; want nothing", fmtDiags, err)
	}
}

func TestClippyCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		rule  string
	}{
		{"type error", map[string]string{"src/lib.rs": "pub fn f() -> u32 {\n    let x: u32 = \"five\";\n    x\n}\n"}, "E0308"},
		{"build script panics", map[string]string{"src/lib.rs": "", "build.rs": "fn main() { panic!(\"no\"); }\n"}, "cargo"},
		{"bad manifest", map[string]string{"src/lib.rs": "", "Cargo.toml": "[package\n"}, "cargo"},
	}
	opts := testOptions(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"Cargo.toml": fmt.Sprintf(manifest, fmt.Sprintf("broken%d", i))}
			for k, v := range tt.files {
				files[k] = v
			}
			writeFiles(t, dir, files)
			diags, err := Clippy(context.Background(), dir, opts)
			if err != nil {
				t.Fatalf("a compile error must be a diagnostic: %v", err)
			}
			if len(diags) == 0 || diags[0].Rule != tt.rule || diags[0].Severity != review.SeverityError {
				t.Fatalf("got %s, want an error %q first", mustJSON(diags), tt.rule)
			}
		})
	}
}

func TestWorkspace(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Cargo.toml":   "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
		"a/Cargo.toml": fmt.Sprintf(manifest, "a"),
		"a/src/lib.rs": "pub fn a(v: &[u8]) -> usize {\n    v.len()\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        let unused = super::a(&[]);\n    }\n}\n",
		"b/Cargo.toml": fmt.Sprintf(manifest, "b") + "\n[dependencies]\na = { path = \"../a\" }\n",
		"b/src/lib.rs": "pub fn b() -> usize {\n    let v = vec![1u8];\n    return a::a(&v);\n}\n",
		"b/src/bad.rs": "fn  badly ( ) {\n}\n",
	})
	opts := testOptions(t)
	owners, err := OwningPackagesWith(context.Background(), dir, []string{"b/src/lib.rs", "README.md", "b/Cargo.toml"}, opts)
	if err != nil || strings.Join(owners, ",") != "b" {
		t.Fatalf("OwningPackagesWith = %v, %v; want [b]", owners, err)
	}
	if owners, err := OwningPackages(dir, []string{"a/src/lib.rs", "b/src/lib.rs"}); err != nil || strings.Join(owners, ",") != "a,b" {
		t.Fatalf("OwningPackages = %v, %v; want [a b]", owners, err)
	}

	opts.Packages = owners
	diags, err := Clippy(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		p, _ := d.Primary()
		got = append(got, fmt.Sprintf("%s:%d %s", p.Path, p.LineStart, d.Rule))
	}
	// a's test (unused_variables) is not reported: only b's targets
	// were built.
	if want := "b/src/lib.rs:3 clippy::needless_return"; strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", got, want)
	}

	opts.Packages = nil
	all, err := Clippy(context.Background(), dir, opts)
	if err != nil || len(find(all, "unused_variables", 9)) != 1 {
		t.Errorf("whole workspace: got %s, %v; want a's unused variable too", mustJSON(all), err)
	}

	fmtDiags, err := Format(context.Background(), dir, []string{"b/src/bad.rs"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(fmtDiags) != 1 || fmtDiags[0].Fixes[0].Edits[0].Replacement != "fn badly() {}" {
		t.Errorf("Format = %s", mustJSON(fmtDiags))
	}
	if got := apply(t, "fn  badly ( ) {\n}\n", fmtDiags); got != "fn badly() {}\n" {
		t.Errorf("formatted = %q", got)
	}
}

func TestOptionsChecked(t *testing.T) {
	if _, err := Clippy(context.Background(), t.TempDir(), Options{TargetDir: t.TempDir()}); err == nil {
		t.Error("nil Runner accepted")
	}
	if _, err := Clippy(context.Background(), t.TempDir(), Options{Runner: testOptions(t).Runner}); err == nil {
		t.Error("empty TargetDir accepted")
	}
}
