package review

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The head of src/lib.rs; lines 3, 4 and 5 are added, the rest context
// or outside the hunk.
const headLib = "fn a() {}\n" + // 1
	"fn b() {\n" + // 2
	"    let v = vec![1];\n" + // 3 added
	"    if v.len() == 0 { return; }\r\n" + // 4 added (CRLF)
	"    let s = \"é\"; let t = s.len() == 0;\n" + // 5 added
	"}\n" + // 6
	"fn c() {}\n" + // 7
	"fn d() {}\n" + // 8
	"fn e() {}\n" + // 9
	"fn f() { let unchanged = 1 == 1; }" // 10, no newline at end

const libDiff = "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n" +
	"@@ -1,4 +1,7 @@\n fn a() {}\n fn b() {\n+    let v = vec![1];\n+    if v.len() == 0 { return; }\r\n+    let s = \"é\"; let t = s.len() == 0;\n }\n fn c() {}\n"

func span(line, col, endLine, endCol int) Span {
	return Span{Path: "src/lib.rs", LineStart: line, ColumnStart: col, LineEnd: endLine, ColumnEnd: endCol, Primary: true}
}

func lint(rule string, sp Span, app Applicability, edits ...Edit) Diagnostic {
	d := Diagnostic{Source: SourceClippy, Rule: rule, Severity: SeverityWarning, Message: rule + " message", Spans: []Span{sp},
		Notes: []string{"for further information visit https://example", "why it matters"}}
	if len(edits) > 0 {
		d.Fixes = []Fix{{Message: "try this", Applicability: app, Edits: edits}}
	}
	return d
}

func edit(sp Span, repl string) Edit {
	sp.Primary = false
	return Edit{Span: sp, Replacement: repl}
}

func build(t *testing.T, opts Options, diags ...Diagnostic) Result {
	t.Helper()
	return Build(Input{
		BaseSHA: "b", HeadSHA: "h", Diff: mustParse(t, libDiff), Diagnostics: diags, Options: opts,
		HeadFiles: func(p string) ([]byte, bool) {
			if p == "src/lib.rs" {
				return []byte(headLib), true
			}
			return nil, false
		},
	})
}

func sugg(c Comment) string {
	if c.Suggestion == nil {
		return "<nil>"
	}
	return *c.Suggestion
}

func TestBuildSuggestions(t *testing.T) {
	lenZero := lint("clippy::len_zero", span(4, 8, 4, 20), MachineApplicable, edit(span(4, 8, 4, 20), "v.is_empty()"))
	tests := []struct {
		name             string
		diags            []Diagnostic
		wantComments     int
		start, line      int
		suggestion       string
		bodyHas, bodyNot []string
	}{
		{name: "machine applicable, CRLF kept", diags: []Diagnostic{lenZero}, wantComments: 1, start: 4, line: 4,
			suggestion: "    if v.is_empty() { return; }\r", bodyHas: []string{"```suggestion\n", "why it matters", "(https://rust-lang.github.io/rust-clippy/master/index.html#len_zero)"},
			bodyNot: []string{"for further information"}},
		{name: "unicode columns", diags: []Diagnostic{lint("clippy::len_zero", span(5, 26, 5, 38), MachineApplicable, edit(span(5, 26, 5, 38), "s.is_empty()"))},
			wantComments: 1, start: 5, line: 5, suggestion: "    let s = \"é\"; let t = s.is_empty();"},
		{name: "maybe incorrect has a note", diags: []Diagnostic{lint("clippy::x", span(3, 13, 3, 20), MaybeIncorrect, edit(span(3, 13, 3, 20), "[1]"))},
			wantComments: 1, start: 3, line: 3, suggestion: "    let v = [1];", bodyHas: []string{"possibly incorrect"}},
		{name: "placeholders are text", diags: []Diagnostic{lint("clippy::x", span(3, 13, 3, 20), HasPlaceholders, edit(span(3, 13, 3, 20), "[..]"))},
			wantComments: 1, start: 3, line: 3, suggestion: "<nil>", bodyHas: []string{"```rust\n    let v = [..];\n```"}, bodyNot: []string{"```suggestion"}},
		{name: "multi-line deletion", diags: []Diagnostic{lint("unused", span(3, 5, 3, 21), MachineApplicable, edit(span(3, 1, 5, 1), ""))},
			wantComments: 1, start: 3, line: 4, suggestion: ""},
		{name: "suggestion leaving the hunk is text", diags: []Diagnostic{lint("clippy::x", span(5, 5, 5, 10), MachineApplicable, edit(span(5, 1, 9, 1), "x\n"))},
			wantComments: 1, start: 5, line: 5, suggestion: "<nil>", bodyHas: []string{"not all in one hunk"}},
		{name: "overlapping edits that compose", diags: []Diagnostic{
			lint("clippy::a", span(5, 13, 5, 16), MachineApplicable, edit(span(5, 13, 5, 16), "'é'")),
			lint("clippy::len_zero", span(5, 26, 5, 38), MachineApplicable, edit(span(5, 26, 5, 38), "s.is_empty()")),
		}, wantComments: 1, start: 5, line: 5, suggestion: "    let s = 'é'; let t = s.is_empty();", bodyHas: []string{"Also **warning**"}},
		{name: "overlapping edits that conflict", diags: []Diagnostic{
			lint("clippy::a", span(5, 26, 5, 38), MachineApplicable, edit(span(5, 26, 5, 38), "s.is_empty()")),
			lint("clippy::b", span(5, 26, 5, 38), MaybeIncorrect, edit(span(5, 26, 5, 38), "true")),
		}, wantComments: 1, start: 5, line: 5, suggestion: "    let s = \"é\"; let t = s.is_empty();", bodyHas: []string{"conflict with the suggestion above", "let t = true;"}},
		{name: "unchanged line dropped", diags: []Diagnostic{lint("clippy::eq_op", span(10, 26, 10, 32), MachineApplicable, edit(span(10, 26, 10, 32), "true"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := build(t, Options{}, tt.diags...)
			if len(res.Comments) != tt.wantComments {
				t.Fatalf("%d comments, want %d: %+v", len(res.Comments), tt.wantComments, res.Comments)
			}
			if tt.wantComments == 0 {
				if !strings.Contains(res.Summary, "outside the changed lines") {
					t.Errorf("summary misses the off-diff finding:\n%s", res.Summary)
				}
				return
			}
			c := res.Comments[0]
			if c.StartLine != tt.start || c.Line != tt.line || sugg(c) != tt.suggestion {
				t.Errorf("lines %d..%d suggestion %q, want %d..%d %q", c.StartLine, c.Line, sugg(c), tt.start, tt.line, tt.suggestion)
			}
			for _, s := range tt.bodyHas {
				if !strings.Contains(c.Body, s) {
					t.Errorf("body misses %q:\n%s", s, c.Body)
				}
			}
			for _, s := range tt.bodyNot {
				if strings.Contains(c.Body, s) {
					t.Errorf("body has %q:\n%s", s, c.Body)
				}
			}
			fps := ParseMarkers(c.Body)
			if len(fps) != len(tt.diags) || fps[0] != c.Fingerprint {
				t.Errorf("markers %v, fingerprint %s", fps, c.Fingerprint)
			}
		})
	}
}

func TestBuildFilters(t *testing.T) {
	diags := []Diagnostic{
		lint("r3", span(3, 5, 3, 6), ""), // added
		lint("r1", span(1, 1, 1, 2), ""), // context
		lint("r9", span(9, 1, 9, 2), ""), // same file, outside hunks
		{Source: SourceRustc, Rule: "E0308", Severity: SeverityError, Message: "mismatched", Spans: []Span{{Path: "src/other.rs", LineStart: 2, LineEnd: 2, ColumnStart: 1, ColumnEnd: 2, Primary: true}}},
		{Source: SourceRustc, Severity: SeverityError, Message: "aborting due to 1 previous error"},
	}
	for _, tt := range []struct {
		filter Filter
		want   []string
	}{
		{FilterAdded, []string{"r3"}},
		{FilterDiffContext, []string{"r1", "r3"}},
		{FilterFile, []string{"r1", "r3", "r9"}},
		{FilterAll, []string{"r1", "r3", "r9", "E0308"}},
	} {
		res := build(t, Options{Filter: tt.filter}, diags...)
		var got []string
		for _, c := range res.Comments {
			got = append(got, c.Rule)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: rules %v, want %v", tt.filter, got, tt.want)
		}
		if !res.CompileError || res.CompileErrorOnDiff != (tt.filter == FilterAll) {
			t.Errorf("%s: compile error %v on diff %v", tt.filter, res.CompileError, res.CompileErrorOnDiff)
		}
		if len(res.Findings) != 4 || res.Stats.DiagnosticsTotal != 5 || res.Stats.DiagnosticsOnDiff != len(tt.want) {
			t.Errorf("%s: findings %d stats %+v", tt.filter, len(res.Findings), res.Stats)
		}
	}
	res := build(t, Options{IgnorePaths: []string{"src/**"}}, diags...)
	if len(res.Comments) != 0 || !strings.Contains(res.Summary, "4 findings in ignored paths") {
		t.Errorf("ignore: %d comments\n%s", len(res.Comments), res.Summary)
	}
}

func TestBuildCapAndDeterminism(t *testing.T) {
	var diags []Diagnostic
	for i := range 6 {
		d := lint(fmt.Sprintf("clippy::r%d", i), span(3+i%3, 1+i, 3+i%3, 2+i), "")
		if i == 5 {
			d.Severity = SeverityError
		}
		diags = append(diags, d)
	}
	res := build(t, Options{MaxComments: 2}, diags...)
	if len(res.Comments) != 2 || res.Comments[1].Severity != SeverityError {
		t.Fatalf("comments %+v", res.Comments)
	}
	if !strings.Contains(res.Summary, "4 more findings on the changed lines exceed the cap of 2") {
		t.Errorf("summary:\n%s", res.Summary)
	}
	reversed := make([]Diagnostic, len(diags))
	for i, d := range diags {
		reversed[len(diags)-1-i] = d
	}
	again := build(t, Options{MaxComments: 2}, reversed...)
	if !reflect.DeepEqual(res, again) {
		t.Error("order of diagnostics changes the result")
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if seen[f.Fingerprint] {
			t.Errorf("duplicate fingerprint %s", f.Fingerprint)
		}
		seen[f.Fingerprint] = true
	}
}

func TestFingerprintSurvivesMoves(t *testing.T) {
	a := Fingerprint("src/lib.rs", "clippy::x", "  if  v.len() == 0 {", 1)
	b := Fingerprint("src/lib.rs", "clippy::x", "if v.len() == 0 {\t", 1)
	if a != b {
		t.Error("whitespace changes the fingerprint")
	}
	if a == Fingerprint("src/lib.rs", "clippy::x", "if v.len() == 0 {", 2) || a == Fingerprint("src/lib.rs", "clippy::y", "if v.len() == 0 {", 1) {
		t.Error("fingerprints collide")
	}
	body := WithMarker("x", []string{a, "abc"})
	if got := ParseMarkers(body); !reflect.DeepEqual(got, []string{a, "abc"}) {
		t.Errorf("ParseMarkers = %v", got)
	}
}

func TestRuleURL(t *testing.T) {
	for rule, want := range map[string]string{
		"clippy::len_zero": "https://rust-lang.github.io/rust-clippy/master/index.html#len_zero",
		"E0308":            "https://doc.rust-lang.org/error_codes/E0308.html",
		"unused_variables": "",
		"rustfmt":          "",
		"E030":             "",
	} {
		if got := RuleURL(rule); got != want {
			t.Errorf("RuleURL(%q) = %q, want %q", rule, got, want)
		}
	}
}
