package deps

import (
	"os"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/advisory"
	"github.com/symposium-dev/symposium/review"
)

const manifestDiff = `diff --git a/Cargo.toml b/Cargo.toml
--- a/Cargo.toml
+++ b/Cargo.toml
@@ -6,2 +6,3 @@ rust-version = "1.60"
 
 [dependencies]
+buildhelper = { path = "buildhelper" }
`

const graphJSON = `{"packages":[
 {"id":"path+file:///w/buildhelper#0.3.0","name":"buildhelper","version":"0.3.0","rust_version":"1.80","targets":[{"kind":["lib"]},{"kind":["custom-build"]}]},
 {"id":"path+file:///w#mylib@0.1.0","name":"mylib","version":"0.1.0","rust_version":"1.60","targets":[{"kind":["lib"]}]}],
 "workspace_members":["path+file:///w#mylib@0.1.0"],
 "resolve":{"nodes":[{"id":"path+file:///w/buildhelper#0.3.0","deps":[]},{"id":"path+file:///w#mylib@0.1.0","deps":[{"name":"buildhelper","pkg":"path+file:///w/buildhelper#0.3.0"}]}]}}`

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckFixture(t *testing.T) {
	diff, err := review.ParseDiff([]byte(manifestDiff))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGraph([]byte(graphJSON))
	if err != nil {
		t.Fatal(err)
	}
	db, err := advisory.Open("../depthfixture/advisory-db")
	if err != nil {
		t.Fatal(err)
	}
	head := read(t, "../depthfixture/crate/head/Cargo.toml")
	out, err := Check(Input{
		BaseLock: read(t, "../depthfixture/crate/base/Cargo.lock"),
		HeadLock: read(t, "../depthfixture/crate/head/Cargo.lock"),
		Graph:    g, Diff: diff, DB: db, MSRV: true,
		HeadFile: func(p string) ([]byte, bool) { return head, p == "Cargo.toml" },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Changes) != 1 || out.Changes[0].Name != "buildhelper" || out.Changes[0].Change != review.DepAdded ||
		out.Changes[0].Source != "path" || strings.Join(out.Changes[0].Flags, ",") != "build script" {
		t.Errorf("changes %+v", out.Changes)
	}
	rules := map[string]review.Diagnostic{}
	for _, d := range out.Diagnostics {
		rules[d.Rule] = d
		if p, ok := d.Primary(); !ok || p.Path != "Cargo.toml" || p.LineStart != 8 || d.Source != review.SourceDeps {
			t.Errorf("diagnostic not on Cargo.toml:8: %+v", d)
		}
	}
	// The message is raw text, escaped once where it is rendered (like a
	// compiler's): escaping the advisory's title here too doubled it.
	if d, ok := rules["RUSTSEC-2099-0001"]; !ok || !strings.Contains(d.Message, "what @someone sends") || !strings.Contains(d.Message, "`>= 0.3.1`") {
		t.Errorf("advisory finding %+v", rules)
	} else if got := review.EscapeText(d.Message); strings.Count(got, "\u200d") != 1 || !strings.Contains(got, "`>= 0.3.1`") {
		t.Errorf("rendered once: %q", got)
	}
	if d, ok := rules[RuleRustVersion]; !ok || !strings.Contains(d.Message, "needs Rust `1.80`") {
		t.Errorf("rust-version finding %+v", rules)
	}
	if len(out.Diagnostics) != 2 {
		t.Errorf("diagnostics %+v", out.Diagnostics)
	}
}

func TestDiff(t *testing.T) {
	const reg = "registry+https://github.com/rust-lang/crates.io-index"
	base := []LockPackage{{Name: "a", Version: "1.0.0", Source: reg}, {Name: "b", Version: "0.1.0", Source: reg}, {Name: "gone", Version: "1.0.0", Source: reg}}
	head := []LockPackage{{Name: "a", Version: "1.1.0", Source: reg}, {Name: "b", Version: "0.1.0", Source: reg}, {Name: "b", Version: "0.2.0", Source: reg},
		{Name: "g", Version: "0.1.0", Source: "git+https://example.com/g?branch=x#abc"}, {Name: "r", Version: "2.0.0", Source: "sparse+https://my.registry/index/"}}
	got := Diff(base, head)
	want := []string{
		"updated a 1.0.0 1.1.0 crates.io []",
		"added b  0.2.0 crates.io [duplicate version]",
		"added g  0.1.0 git https://example.com/g?branch=x [git source]",
		"removed gone 1.0.0  crates.io []",
		"added r  2.0.0 registry https://my.registry/index/ [non-default registry]",
	}
	if len(got) != len(want) {
		t.Fatalf("Diff: %+v", got)
	}
	for i, c := range got {
		if s := strings.Join([]string{c.Change, c.Name, c.Old, c.New, c.Source, "[" + strings.Join(c.Flags, ",") + "]"}, " "); s != want[i] {
			t.Errorf("change %d = %q, want %q", i, s, want[i])
		}
	}
}
