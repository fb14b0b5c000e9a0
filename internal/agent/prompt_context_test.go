package agent

import (
	"strings"
	"testing"
)

func TestEnclosingContextAnchorsOnChanges(t *testing.T) {
	var src strings.Builder
	src.WriteString("impl S {\n    fn a(&self) {\n        one();\n        two();\n    }\n\n    fn b(&self) {}\n")
	for _, f := range []string{"c", "d", "e", "f", "g", "h", "i"} {
		src.WriteString("    fn " + f + "(&self) {}\n")
	}
	src.WriteString("}\n")
	tests := []struct {
		name, hunk string
		want       []string
		never      []string
	}{
		{
			// Git's leading context reaches into fn a; the change is in the impl.
			name:  "added",
			hunk:  "@@ -4,6 +4,7 @@\n         two();\n     }\n \n+    fn b(&self) {}\n     fn c(&self) {}\n     fn d(&self) {}\n     fn e(&self) {}\n",
			want:  []string{"1 impl S {\n"},
			never: []string{"one();", "fn a", "4         two();"},
		},
		{
			// A deletion is anchored on the head line after it.
			name:  "deleted",
			hunk:  "@@ -2,5 +2,4 @@\n     fn a(&self) {\n         one();\n-        zero();\n         two();\n     }\n",
			want:  []string{"1 impl S {\n"},
			never: []string{"fn c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDiff("diff --git a/src/s.rs b/src/s.rs\n--- a/src/s.rs\n+++ b/src/s.rs\n" + tt.hunk)
			if err != nil {
				t.Fatal(err)
			}
			got := enclosingContext("src/s.rs", src.String(), d.Files[0].Hunks)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("context lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(got, n) {
					t.Errorf("context holds %q:\n%s", n, got)
				}
			}
		})
	}
}
