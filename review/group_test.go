package review

import (
	"fmt"
	"strings"
	"testing"
)

// TestGroupedRustfmtStaysUnderTheBodyLimit formats a large new file line
// by line: the grouped suggestions split so each comment stays postable,
// and together they still cover every region.
func TestGroupedRustfmtStaysUnderTheBodyLimit(t *testing.T) {
	const n = 2500
	var head, patch strings.Builder
	fmt.Fprintf(&patch, "diff --git a/src/big.rs b/src/big.rs\nnew file mode 100644\n--- /dev/null\n+++ b/src/big.rs\n@@ -0,0 +1,%d @@\n", n)
	var diags []Diagnostic
	for i := 1; i <= n; i++ {
		line := fmt.Sprintf("fn f%d(){}", i)
		head.WriteString(line + "\n")
		patch.WriteString("+" + line + "\n")
		sp := Span{Path: "src/big.rs", LineStart: i, LineEnd: i, ColumnStart: 1, ColumnEnd: len(line) + 1, Primary: true}
		e := sp
		e.Primary = false
		diags = append(diags, Diagnostic{Source: SourceRustfmt, Rule: "rustfmt", Severity: SeverityWarning, Message: "rustfmt would reformat this line",
			Spans: []Span{sp}, Fixes: []Fix{{Message: "format with rustfmt", Applicability: MachineApplicable,
				Edits: []Edit{{Span: e, Replacement: fmt.Sprintf("fn f%d() {}", i)}}}}})
	}
	res := Build(Input{Diff: mustParse(t, patch.String()), Diagnostics: diags, Options: Options{MaxComments: 100},
		HeadFiles: func(string) ([]byte, bool) { return []byte(head.String()), true }})
	if len(res.Comments) < 2 || len(res.Comments) > 10 {
		t.Fatalf("%d comments", len(res.Comments))
	}
	covered, fps := 0, 0
	for _, c := range res.Comments {
		if len(c.Body) > 60000 || c.Suggestion == nil {
			t.Errorf("comment %d-%d: %d bytes, suggestion %v", c.StartLine, c.Line, len(c.Body), c.Suggestion != nil)
		}
		covered += c.Line - c.StartLine + 1
		fps += len(ParseMarkers(c.Body))
	}
	if covered != n || fps != n {
		t.Errorf("comments cover %d lines and carry %d fingerprints, want %d", covered, fps, n)
	}
}
