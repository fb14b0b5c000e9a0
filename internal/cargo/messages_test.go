package cargo

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func parseFile(t testing.TB, name, root string) []review.Diagnostic {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	diags, err := ParseMessages(bytes.NewReader(b), root)
	if err != nil {
		t.Fatalf("ParseMessages(%s): %v", name, err)
	}
	return diags
}

// find returns the diagnostics with rule on line (primary span).
func find(diags []review.Diagnostic, rule string, line int) []review.Diagnostic {
	var out []review.Diagnostic
	for _, d := range diags {
		if p, ok := d.Primary(); ok && d.Rule == rule && p.LineStart == line {
			out = append(out, d)
		}
	}
	return out
}

func TestParseCapturedClippy(t *testing.T) {
	tests := []struct {
		file  string
		total int
		rule  string
		line  int
		want  func(t *testing.T, d review.Diagnostic)
	}{
		{file: "clippy_lint.jsonl", total: 7, rule: "clippy::len_zero", line: 31, want: func(t *testing.T, d review.Diagnostic) {
			if d.Source != review.SourceClippy || d.Severity != review.SeverityWarning {
				t.Errorf("source, severity = %s, %s", d.Source, d.Severity)
			}
			want := []review.Fix{{Message: "using `is_empty` is clearer and more explicit", Applicability: review.MachineApplicable,
				Edits: []review.Edit{{Span: review.Span{Path: "src/lib.rs", LineStart: 31, LineEnd: 31, ColumnStart: 17, ColumnEnd: 29}, Replacement: "v.is_empty()"}}}}
			if !equalJSON(d.Fixes, want) {
				t.Errorf("fixes = %+v, want %+v", d.Fixes, want)
			}
			if len(d.Notes) != 2 || !strings.HasPrefix(d.Notes[0], "help: for further information visit https://rust-lang.github.io/rust-clippy/") {
				t.Errorf("notes = %q", d.Notes)
			}
		}},
		{file: "clippy_lint.jsonl", total: 7, rule: "clippy::needless_return", line: 12, want: func(t *testing.T, d review.Diagnostic) {
			if len(d.Fixes) != 1 || len(d.Fixes[0].Edits) != 2 || d.Fixes[0].Edits[0].Replacement != "x + 1" {
				t.Errorf("fixes = %+v, want one fix of two edits", d.Fixes)
			}
		}},
		{file: "clippy_lint.jsonl", total: 7, rule: "unused_variables", line: 3, want: func(t *testing.T, d review.Diagnostic) {
			// In a macro_rules! body of the workspace: reported in the
			// body, not at the invocation on line 16.
			if d.Source != review.SourceRustc || len(d.Spans) != 1 || d.Spans[0].LineStart != 3 || !d.Spans[0].Primary {
				t.Errorf("spans = %+v", d.Spans)
			}
			if len(d.Fixes) != 0 {
				t.Errorf("fixes = %+v, want none", d.Fixes)
			}
		}},
		{file: "clippy_lint.jsonl", total: 7, rule: "unused_variables", line: 32, want: func(t *testing.T, d review.Diagnostic) {
			if len(d.Fixes) != 1 || d.Fixes[0].Edits[0].Replacement != "_y" || d.Fixes[0].Applicability != review.MachineApplicable {
				t.Errorf("fixes = %+v", d.Fixes)
			}
		}},
		{file: "clippy_err.jsonl", total: 2, rule: "E0308", line: 2, want: func(t *testing.T, d review.Diagnostic) {
			if d.Severity != review.SeverityError || len(d.Spans) != 2 || !d.Spans[0].Primary || d.Spans[1].Primary {
				t.Errorf("severity %s, spans %+v", d.Severity, d.Spans)
			}
			if d.Spans[1].Label != "expected due to this" {
				t.Errorf("secondary label = %q", d.Spans[1].Label)
			}
		}},
		{file: "clippy_err.jsonl", total: 2, rule: "", line: 7, want: func(t *testing.T, d review.Diagnostic) {
			if d.Severity != review.SeverityError || !strings.Contains(d.Message, "positional argument") {
				t.Errorf("got %+v", d)
			}
		}},
		{file: "clippy_ws.jsonl", total: 4, rule: "clippy::ptr_arg", line: 1, want: func(t *testing.T, d review.Diagnostic) {
			if d.Spans[0].Path != "a/src/lib.rs" || d.Fixes[0].Applicability != review.Unspecified {
				t.Errorf("span %+v, fixes %+v", d.Spans[0], d.Fixes)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.rule, func(t *testing.T) {
			diags := parseFile(t, tt.file, "/tmp/cf")
			if len(diags) != tt.total {
				for _, d := range diags {
					t.Logf("%s %s %+v", d.Rule, d.Message, d.Spans)
				}
				t.Fatalf("got %d diagnostics, want %d (deduplicated)", len(diags), tt.total)
			}
			got := find(diags, tt.rule, tt.line)
			if len(got) != 1 {
				t.Fatalf("got %d diagnostics %q on line %d, want 1", len(got), tt.rule, tt.line)
			}
			tt.want(t, got[0])
		})
	}
}

func TestParseMessagesBadInput(t *testing.T) {
	for _, in := range []string{
		"error: could not compile\n",
		`{"reason":"compiler-message","message":` + "\n",
		`{"no":"reason"}` + "\n",
	} {
		if _, err := ParseMessages(strings.NewReader(in), "/r"); err == nil {
			t.Errorf("ParseMessages(%q) = nil error", in)
		}
	}
	diags, err := ParseMessages(strings.NewReader("\n"+`{"reason":"build-finished","success":false}`+"\n"), "/r")
	if err != nil || len(diags) != 0 {
		t.Errorf("got %v, %v; want nothing", diags, err)
	}
}

// A span inside a macro from outside the workspace (std's, a dependency's)
// moves to the call site in the workspace; absolute paths become relative.
func TestParseExternalMacro(t *testing.T) {
	in := `{"reason":"compiler-message","message":{"message":"boom","code":{"code":"E0277"},"level":"error","rendered":"r",
"spans":[{"file_name":"/rustc/abc/library/core/src/macros/mod.rs","line_start":10,"line_end":10,"column_start":1,"column_end":5,"is_primary":true,
 "expansion":{"span":{"file_name":"/ws/src/main.rs","line_start":4,"line_end":4,"column_start":5,"column_end":20,"is_primary":false}}}],
"children":[{"message":"consider this","level":"help","spans":[{"file_name":"/rustc/abc/x.rs","line_start":1,"line_end":1,"column_start":1,"column_end":2,"is_primary":true,"suggested_replacement":"y","suggestion_applicability":"MachineApplicable"}],"children":[]},
 {"message":"or this","level":"help","spans":[{"file_name":"/ws/src/main.rs","line_start":4,"line_end":4,"column_start":5,"column_end":6,"is_primary":true,"suggested_replacement":"z","suggestion_applicability":"MaybeIncorrect"}],"children":[]}]}}`
	in = strings.ReplaceAll(in, "\n", "") + `
{"reason":"compiler-message","message":{"message":"aborting due to 1 previous error","code":null,"level":"error","spans":[],"children":[]}}
{"reason":"compiler-message","message":{"message":"3 warnings emitted","code":null,"level":"warning","spans":[],"children":[]}}`
	diags, err := ParseMessages(strings.NewReader(in), "/ws")
	if err != nil {
		t.Fatal(err)
	}
	want := []review.Diagnostic{{
		Source: review.SourceRustc, Rule: "E0277", Severity: review.SeverityError, Message: "boom", Rendered: "r",
		Spans: []review.Span{{Path: "src/main.rs", LineStart: 4, LineEnd: 4, ColumnStart: 5, ColumnEnd: 20, Primary: true}},
		Notes: []string{"help: consider this (/rustc/abc/x.rs:1)"},
		Fixes: []review.Fix{{Message: "or this", Applicability: review.MaybeIncorrect,
			Edits: []review.Edit{{Span: review.Span{Path: "src/main.rs", LineStart: 4, LineEnd: 4, ColumnStart: 5, ColumnEnd: 6}, Replacement: "z"}}}},
	}}
	if !equalJSON(diags, want) {
		t.Errorf("got  %s\nwant %s", mustJSON(diags), mustJSON(want))
	}
}

func BenchmarkParseMessages(b *testing.B) {
	var in []byte
	for _, f := range []string{"clippy_lint.jsonl", "clippy_err.jsonl", "clippy_ws.jsonl"} {
		data, err := os.ReadFile("testdata/" + f)
		if err != nil {
			b.Fatal(err)
		}
		in = append(in, data...)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseMessages(bytes.NewReader(in), "/tmp/cf"); err != nil {
			b.Fatal(err)
		}
	}
}
