package fix

import (
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestOffsetCountsCharacters(t *testing.T) {
	src := []byte("ab\nçé = 1;\n\nlast")
	for _, tc := range []struct {
		line, col, want int
		err             bool
	}{
		{1, 1, 0, false},
		{1, 3, 2, false},
		{2, 1, 3, false},
		{2, 3, 7, false},  // after two 2-byte characters
		{2, 8, 12, false}, // the end of the line
		{3, 1, 13, false},
		{4, 5, 18, false},
		{2, 9, 0, true},
		{5, 1, 0, true},
		{0, 1, 0, true},
	} {
		got, err := offset(src, tc.line, tc.col)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("offset(%d:%d) = %d, %v; want %d (error %v)", tc.line, tc.col, got, err, tc.want, tc.err)
		}
	}
}

func TestPlanSuggestions(t *testing.T) {
	src := "fn f(v: &[u8]) -> bool {\n    return v.len() == 0;\n}\n"
	cur := map[string][]byte{"src/a.rs": []byte(src), "src/b.rs": []byte(src)}
	diag := func(rule, path string, app review.Applicability, edits ...review.Edit) review.Diagnostic {
		for i := range edits {
			edits[i].Span.Path = path
		}
		return review.Diagnostic{Source: review.SourceClippy, Rule: rule, Severity: review.SeverityWarning,
			Spans: []review.Span{{Path: path, LineStart: 2, LineEnd: 2, Primary: true}},
			Fixes: []review.Fix{{Applicability: app, Edits: edits}}}
	}
	span := func(l1, c1, l2, c2 int) review.Span {
		return review.Span{LineStart: l1, ColumnStart: c1, LineEnd: l2, ColumnEnd: c2}
	}
	lenZero := review.Edit{Span: span(2, 12, 2, 24), Replacement: "v.is_empty()"}
	diags := []review.Diagnostic{
		diag("clippy::len_zero", "src/a.rs", review.MachineApplicable, lenZero),
		// Overlaps the first: left for the next round.
		diag("clippy::needless_return", "src/a.rs", review.MachineApplicable,
			review.Edit{Span: span(2, 5, 2, 25), Replacement: "v.len() == 0"}),
		// Not machine-applicable.
		diag("clippy::maybe", "src/a.rs", review.MaybeIncorrect, review.Edit{Span: span(1, 1, 1, 3), Replacement: "pub fn"}),
		// A file fixes may not touch.
		diag("clippy::len_zero", "src/b.rs", review.MachineApplicable, lenZero),
		// A span outside the file.
		diag("clippy::bogus", "src/a.rs", review.MachineApplicable, review.Edit{Span: span(9, 1, 9, 2), Replacement: "x"}),
	}
	planned, fixes := planSuggestions(diags, cur, []string{"src/a.rs"})
	if len(fixes) != 1 || fixes[0].Rule != "clippy::len_zero" || fixes[0].Path != "src/a.rs" || len(planned["src/b.rs"]) != 0 {
		t.Fatalf("fixes = %+v, planned = %+v", fixes, planned)
	}
	got := string(applyEdits(cur["src/a.rs"], planned["src/a.rs"]))
	if want := "fn f(v: &[u8]) -> bool {\n    return v.is_empty();\n}\n"; got != want {
		t.Errorf("applied:\n%s\nwant\n%s", got, want)
	}
}

func TestByteEditOverlaps(t *testing.T) {
	for _, tc := range []struct {
		a, b byteEdit
		want bool
	}{
		{byteEdit{start: 0, end: 2}, byteEdit{start: 2, end: 4}, false},
		{byteEdit{start: 0, end: 3}, byteEdit{start: 2, end: 4}, true},
		{byteEdit{start: 2, end: 2}, byteEdit{start: 2, end: 2}, true},
		{byteEdit{start: 2, end: 2}, byteEdit{start: 0, end: 2}, false},
		{byteEdit{start: 1, end: 1}, byteEdit{start: 0, end: 2}, true},
	} {
		if got := tc.a.overlaps(tc.b); got != tc.want || tc.b.overlaps(tc.a) != tc.want {
			t.Errorf("%+v overlaps %+v = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
