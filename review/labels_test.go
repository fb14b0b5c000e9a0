package review

import (
	"strings"
	"testing"
)

func TestCompileErrorLabels(t *testing.T) {
	primary := span(5, 5, 5, 20)
	primary.Label = "expected `Option<u32>`, found `Option<&u32>`"
	e := Diagnostic{
		Source: SourceRustc, Rule: "E0308", Severity: SeverityError, Message: "mismatched types",
		Spans: []Span{
			primary,
			{Path: "src/lib.rs", LineStart: 3, LineEnd: 3, ColumnStart: 5, ColumnEnd: 6, Label: "expected due to this"},
			{Path: "src/lib.rs", LineStart: 5, LineEnd: 5, ColumnStart: 1, ColumnEnd: 2, Label: "expected due to this"},
			{Path: "src/lib.rs", LineStart: 1, LineEnd: 1, ColumnStart: 1, ColumnEnd: 2, Label: "not shown: too far above"},
			{Path: "src/other.rs", LineStart: 4, LineEnd: 4, ColumnStart: 1, ColumnEnd: 2, Label: "not shown: another file"},
			{Path: "src/lib.rs", LineStart: 4, LineEnd: 4, ColumnStart: 1, ColumnEnd: 2, Label: "ping @admin <b>x</b>"},
		},
		Notes: []string{"note: expected enum `Option<_>`, found enum `Option<&_>`"},
	}
	res := build(t, Options{}, e)
	if len(res.Comments) != 1 {
		t.Fatalf("comments: %+v", res.Comments)
	}
	body := res.Comments[0].Body
	want := "\n- expected `Option<u32>`, found `Option<&u32>`\n- line 3: expected due to this\n- line 4: ping @\u200dadmin &lt;b&gt;x&lt;/b&gt;\n"
	if !strings.Contains(body, want) {
		t.Errorf("labels not rendered as\n%q\nin\n%s", want, body)
	}
	if strings.Contains(body, "not shown") || strings.Count(body, "expected due to this") != 1 {
		t.Errorf("labels off the shown lines or repeated:\n%s", body)
	}
	if !strings.Contains(body, "note: expected enum `Option<_>`, found enum `Option<&_>`") {
		t.Errorf("note missing:\n%s", body)
	}

	w := lint("clippy::len_zero", span(4, 8, 4, 20), MachineApplicable)
	w.Spans[0].Label = "a warning's label"
	if res := build(t, Options{}, w); len(res.Comments) != 1 || strings.Contains(res.Comments[0].Body, "a warning's label") {
		t.Errorf("a warning got labels: %+v", res.Comments)
	}
}
