package cargo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestReplaceDir(t *testing.T) {
	const dir = "/d/src/1-1"
	tests := []struct {
		name, in, with, want string
	}{
		{"file in the checkout", "failed to parse manifest at `/d/src/1-1/Cargo.toml`", "", "failed to parse manifest at `Cargo.toml`"},
		{"the checkout itself", "package `b v0.1.0 (/d/src/1-1)`", "", "package `b v0.1.0 (.)`"},
		{"end of text", "in /d/src/1-1", "", "in ."},
		{"end of a sentence", "in /d/src/1-1. Then", "", "in .. Then"},
		{"a longer sibling is not the checkout", "/d/src/1-10/Cargo.toml and /d/src/1-1.rs", "", "/d/src/1-10/Cargo.toml and /d/src/1-1.rs"},
		{"placeholder", "clone into: /d/src/1-1/git/db/x", "<cargo-home>", "clone into: <cargo-home>/git/db/x"},
		{"every occurrence", "/d/src/1-1/a:/d/src/1-1/b /d/src/1-1", "<t>", "<t>/a:<t>/b <t>"},
		{"absent", "nothing here", "", "nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replaceDir(tt.in, dir, tt.with); got != tt.want {
				t.Errorf("replaceDir(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// hostileDirs are dir names a worker path may hold or a test may use, with
// Markdown, regular expression and shell syntax, newlines and spaces.
var hostileDirs = []string{
	"we`ird [x](e.test) *b* $(id) .* \\1 <a> 1-1",
	"new\nline | table | @user #1",
}

// The worker's dirs are replaced whatever bytes they hold, literally:
// the checkout by relative paths, the others by placeholders, a path
// leaving the checkout by a relative one.
func TestRedactorHostilePaths(t *testing.T) {
	for _, name := range hostileDirs {
		base := filepath.Join(t.TempDir(), name)
		dir := filepath.Join(base, "src", name)
		opts := Options{TargetDir: filepath.Join(base, "target "+name), CargoHome: filepath.Join(base, "home*"+name)}
		r := newRedactor(dir, opts)
		in := "error: failed to parse manifest at `" + dir + "/Cargo.toml`\n" +
			"package `p v0.1.0 (" + dir + ")`\n" +
			"clone into " + opts.CargoHome + "/git/db/x\n" +
			"--> " + opts.TargetDir + "/debug/build/out.rs:1:2\n" +
			"failed to read `" + filepath.Join(base, "src", "nothere") + "/Cargo.toml`\n"
		want := "error: failed to parse manifest at `Cargo.toml`\n" +
			"package `p v0.1.0 (.)`\n" +
			"clone into <cargo-home>/git/db/x\n" +
			"--> <target>/debug/build/out.rs:1:2\n" +
			"failed to read `../nothere/Cargo.toml`\n"
		if got := r.text(in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", name, got, want)
		}
		if got := r.text(in); strings.Contains(got, base) {
			t.Errorf("%q: a worker path is left: %q", name, got)
		}
	}
}

func TestRedactorDiagnostics(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "src", "1-1")
	home := filepath.Join(base, "home")
	r := newRedactor(dir, Options{TargetDir: filepath.Join(base, "target"), CargoHome: home})
	ds := []review.Diagnostic{{
		Message:  "couldn't read `" + dir + "/src/x.txt`",
		Rendered: "error: couldn't read `" + dir + "/src/x.txt`",
		Notes:    []string{"note: defined in " + home + "/registry/src/x/lib.rs:3"},
		Spans: []review.Span{
			{Path: "src/lib.rs", Primary: true, Label: "from " + dir},
			{Path: home + "/registry/src/x/lib.rs"},
		},
		Fixes: []review.Fix{{Message: "create " + dir + "/src/m.rs", Edits: []review.Edit{{Span: review.Span{Path: "src/lib.rs"}}}}},
	}}
	r.diagnostics(ds)
	got := mustJSON(ds)
	for _, p := range []string{base, dir, home} {
		if strings.Contains(got, p) {
			t.Errorf("%s left in %s", p, got)
		}
	}
	d := ds[0]
	if d.Message != "couldn't read `src/x.txt`" || d.Spans[1].Path != "<cargo-home>/registry/src/x/lib.rs" ||
		d.Spans[0].Path != "src/lib.rs" || d.Fixes[0].Message != "create src/m.rs" || d.Spans[0].Label != "from ." {
		t.Errorf("redacted: %s", got)
	}
}

// A checkout reached through a link is redacted in both spellings.
func TestRedactorLinkedDir(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.MkdirAll(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	r := newRedactor(link, Options{})
	if got := r.text(link + "/a.rs " + real + "/b.rs"); got != "a.rs b.rs" {
		t.Errorf("got %q", got)
	}
}

func TestRedactDir(t *testing.T) {
	if got := RedactDir("mkdir /data/work/task-1: no space", "/data", "<data>"); got != "mkdir <data>/work/task-1: no space" {
		t.Errorf("got %q", got)
	}
	if got := RedactDir("/database/x", "/data", "<data>"); got != "/database/x" {
		t.Errorf("a longer name was replaced: %q", got)
	}
}

// What clippy reports about a checkout in a hostile dir names no worker
// path: cargo's own error (a manifest it refuses) and rustc's messages.
func TestClippyTextHasNoWorkerPaths(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"cargo refuses the manifest", map[string]string{
			"Cargo.toml": fmt.Sprintf(manifest, "h") + "\n[dependencies]\nfar = { path = \"../nothere\" }\n",
			"src/lib.rs": "",
		}, "package `h v0.1.0 (.)`"},
		{"rustc names a file", map[string]string{
			"Cargo.toml": fmt.Sprintf(manifest, "h"),
			"src/lib.rs": "pub const X: &str = include_str!(\"missing.txt\");\n",
		}, "src/missing.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, hostileDirs[0])
			writeTree(t, dir, tt.files)
			opts := testOptions(t)
			opts.TargetDir = filepath.Join(base, "target "+hostileDirs[0])
			diags, err := Clippy(context.Background(), dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			all := mustJSON(diags)
			if !strings.Contains(all, tt.want) {
				t.Errorf("findings do not say %q: %s", tt.want, all)
			}
			for _, leak := range []string{base, dir, opts.TargetDir} {
				if strings.Contains(all, leak) {
					t.Errorf("worker path %q in %s", leak, all)
				}
			}
		})
	}
}

// Text built elsewhere from a tool's error (a depth check's note) is
// redacted the same way; other paths in the temporary dir become <tmp>.
func TestRedactText(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "src")
	opts := Options{TargetDir: filepath.Join(base, "target")}
	note := "cargo-semver-checks failed (exit 1): error: unsupported rustdoc format for file: " + opts.TargetDir +
		"/doc/x.json; base at " + filepath.Join(os.TempDir(), "symposium-base-1") + "/Cargo.toml"
	want := "cargo-semver-checks failed (exit 1): error: unsupported rustdoc format for file: <target>/doc/x.json; base at <tmp>/symposium-base-1/Cargo.toml"
	if got := RedactText(note, dir, opts); got != want {
		t.Errorf("RedactText:\n got %q\nwant %q", got, want)
	}
	ds := []review.Diagnostic{{Message: "in " + dir + "/src/lib.rs"}}
	if RedactDiagnostics(ds, dir, opts); ds[0].Message != "in src/lib.rs" {
		t.Errorf("RedactDiagnostics: %q", ds[0].Message)
	}
}
