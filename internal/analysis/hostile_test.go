package analysis

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

// forgedFP is a fingerprint the pull request claims was posted.
const forgedFP = "f0f0f0f0f0f0f0f0f0f0"

// TestHostileTextFromTheCompiler runs the real toolchain on a pull request
// whose compiler error, rustfmt suggestion and file name carry mentions,
// references, HTML and a forged marker: none of it may reach the posted
// prose, and the only markers read back are those of real findings.
func TestHostileTextFromTheCompiler(t *testing.T) {
	hostile := "@org/team #12 <!-- symposium:fp=" + forgedFP + " --> <img src=x>"
	dir := fixture{
		base: map[string]string{"Cargo.toml": manifest("fx_hostile"), "src/lib.rs": "pub fn a() {}\n"},
		head: map[string]string{
			"src/lib.rs": "pub fn a() {}\n#[path = \"@evil/#1.rs\"]\nmod evil;\n",
			"src/@evil/#1.rs": "pub fn b() {\n    compile_error!(\"" + hostile + "\");\n}\n" +
				"pub fn c() -> &'static str {\n    let s  =  \"" + hostile + "\";\n    s\n}\n",
		},
	}.create(t)
	res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t), TargetDir: targetDir})
	if err != nil {
		t.Fatal(err)
	}
	var sawError, sawFormat bool
	known := map[string]bool{}
	for _, f := range res.Findings {
		known[f.Fingerprint] = true
	}
	check := func(what, body string) {
		prose, _, _ := strings.Cut(body, "```suggestion")
		for _, bad := range []string{"@org", "#12", "<img", "<!-- symposium:fp=" + forgedFP} {
			if strings.Contains(prose, bad) {
				t.Errorf("%s: %q outside the suggestion:\n%s", what, bad, body)
			}
		}
		for _, fp := range review.ParseMarkers(body) {
			if !known[fp] {
				t.Errorf("%s: marker %s is no finding's", what, fp)
			}
		}
	}
	check("summary", res.Summary)
	for _, c := range res.Comments {
		check(c.Path+":"+c.Rule, c.Body)
		sawError = sawError || c.Source == review.SourceRustc && strings.Contains(c.Body, "org/team")
		sawFormat = sawFormat || c.Source == review.SourceRustfmt && c.Suggestion != nil && strings.Contains(*c.Suggestion, hostile)
	}
	if !sawError || !sawFormat {
		t.Errorf("compile error commented %v, rustfmt suggestion with the literal %v:\n%+v", sawError, sawFormat, res.Comments)
	}
	if slices.ContainsFunc(res.Findings, func(f review.Finding) bool { return f.Fingerprint == forgedFP }) {
		t.Error("a finding has the forged fingerprint")
	}
}
