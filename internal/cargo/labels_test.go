package cargo

import (
	"strings"
	"testing"
)

// TestParseCompileErrorLabels: rustc's E0308 keeps its primary label
// (expected/found), its secondary labels and its notes, each note on one
// line.
func TestParseCompileErrorLabels(t *testing.T) {
	diags := parseFile(t, "rustc_e0308.jsonl", "/tmp/cf")
	if len(diags) != 3 {
		t.Fatalf("got %d diagnostics, want 3", len(diags))
	}
	for _, tc := range []struct {
		line             int
		primary          string
		secondary, notes []string
	}{
		{9, "expected `Meters`, found `u32`", []string{"arguments to this function are incorrect"}, []string{"note: function defined here (src/lib.rs:3)"}},
		{15, "expected `String`, found `&str`", []string{"this is found to be of type `String`", "`match` arms have incompatible types"}, nil},
		{25, "expected `Option<u32>`, found `Option<&u32>`", []string{"expected `Option<u32>` because of return type"},
			[]string{"note: expected enum `Option<_>`, found enum `Option<&_>`"}},
	} {
		got := find(diags, "E0308", tc.line)
		if len(got) != 1 {
			t.Errorf("line %d: %d diagnostics", tc.line, len(got))
			continue
		}
		d := got[0]
		p, _ := d.Primary()
		var secondary []string
		for _, s := range d.Spans[1:] {
			secondary = append(secondary, s.Label)
		}
		if p.Label != tc.primary || strings.Join(secondary, "|") != strings.Join(tc.secondary, "|") ||
			strings.Join(d.Notes, "|") != strings.Join(tc.notes, "|") {
			t.Errorf("line %d: primary %q, secondary %q, notes %q", tc.line, p.Label, secondary, d.Notes)
		}
	}
}

func TestCompactNote(t *testing.T) {
	for in, want := range map[string]string{
		"expected enum `Option<_>`\n   found enum `Option<&_>`": "expected enum `Option<_>`, found enum `Option<&_>`",
		"function defined here":                                 "function defined here",
		"consider this:\n    let x = 1;\n    x":                 "consider this:\n    let x = 1;\n    x",
		"expected a\nfound b\nand more":                         "expected a\nfound b\nand more",
	} {
		if got := compactNote(in); got != want {
			t.Errorf("compactNote(%q) = %q, want %q", in, got, want)
		}
	}
}
