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
			want:  []string{"1:impl S {\n"},
			never: []string{"one();", "fn a", "4         two();"},
		},
		{
			// A deletion is anchored on the head line after it.
			name:  "deleted",
			hunk:  "@@ -2,5 +2,4 @@\n     fn a(&self) {\n         one();\n-        zero();\n         two();\n     }\n",
			want:  []string{"1:impl S {\n"},
			never: []string{"fn c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parseDiff("diff --git a/src/s.rs b/src/s.rs\n--- a/src/s.rs\n+++ b/src/s.rs\n" + tt.hunk)
			if err != nil {
				t.Fatal(err)
			}
			got := joinBlocks(enclosingContext(src.String(), d.Files[0].Hunks))
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

func TestPromptFileHeadingOncePerRun(t *testing.T) {
	diff := "diff --git a/src/a.rs b/src/a.rs\n--- a/src/a.rs\n+++ b/src/a.rs\n" +
		"@@ -1,2 +1,3 @@\n fn a() {}\n+fn b() {}\n fn c() {}\n" +
		"@@ -20,2 +21,3 @@\n fn x() {}\n+fn y() {}\n fn z() {}\n" +
		"diff --git a/src/b.rs b/src/b.rs\n--- a/src/b.rs\n+++ b/src/b.rs\n@@ -1,1 +1,2 @@\n fn m() {}\n+fn n() {}\n"
	p, err := BuildPrompt(Request{Diff: diff})
	if err != nil {
		t.Fatal(err)
	}
	want := "### src/a.rs\n1 fn a() {}\n2+fn b() {}\n3 fn c() {}\n…\n21 fn x() {}\n22+fn y() {}\n23 fn z() {}\n### src/b.rs\n1 fn m() {}\n2+fn n() {}\n"
	if !strings.Contains(p.User, want) {
		t.Errorf("hunks rendered as\n%s\nwant\n%s", p.User, want)
	}
}

func TestPromptMergesEnclosingItemsIntoHunks(t *testing.T) {
	src := map[string]string{
		"src/a.rs": "struct S {\n    a: u8,\n    b: u8,\n    c: u8,\n    d: u8,\n    e: u8,\n    f: u8,\n}\n",
		"src/b.rs": "impl T {\n    fn m(&self) {\n" + strings.Repeat("        step();\n", 12) + "        four();\n        step();\n    }\n}\n",
	}
	diff := "diff --git a/src/a.rs b/src/a.rs\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -5,3 +5,4 @@\n     d: u8,\n+    e: u8,\n     f: u8,\n }\n" +
		"diff --git a/src/b.rs b/src/b.rs\n--- a/src/b.rs\n+++ b/src/b.rs\n@@ -14,3 +14,4 @@\n         step();\n+        four();\n         step();\n     }\n"
	p, err := BuildPrompt(Request{Diff: diff, HeadFile: func(path string) ([]byte, bool) { s, ok := src[path]; return []byte(s), ok }})
	if err != nil {
		t.Fatal(err)
	}
	// One heading for the code; each file's enclosing items ("N:") in line
	// order with its hunks, "…" only where lines are skipped.
	want := "## Changed code\n### src/a.rs\n1:struct S {\n2:    a: u8,\n3:    b: u8,\n4:    c: u8,\n5     d: u8,\n6+    e: u8,\n7     f: u8,\n8 }\n" +
		"### src/b.rs\n1:impl T {\n2:    fn m(&self) {\n…\n14         step();\n15+        four();\n16         step();\n17     }\n"
	if !strings.Contains(p.User, want) {
		t.Errorf("prompt\n%s\nwant\n%s", p.User, want)
	}
	if n := strings.Count("\n"+p.User, "\n## "); n != 1 {
		t.Errorf("%d section headings:\n%s", n, p.User)
	}
}

func TestPromptDropsEnclosingItemsWithoutTheirHunks(t *testing.T) {
	src := "impl S {\n    fn a(&self) {\n" + strings.Repeat("        step();\n", 40) + "    }\n}\n"
	var hunk strings.Builder
	hunk.WriteString("diff --git a/src/s.rs b/src/s.rs\n--- a/src/s.rs\n+++ b/src/s.rs\n@@ -3,2 +3,32 @@\n         step();\n")
	for range 30 {
		hunk.WriteString("+        step();\n")
	}
	hunk.WriteString("         step();\n")
	// A budget the enclosing items fit in but the hunk does not.
	p, err := BuildPrompt(Request{Diff: hunk.String(), TokenBudget: EstimateTokens(systemPrompt) + 60 + 20,
		HeadFile: func(string) ([]byte, bool) { return []byte(src), true }})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.User, "## "+hunksSection) || len(p.Omitted) != 2 {
		t.Errorf("enclosing items kept without their hunk (omitted %v):\n%s", p.Omitted, p.User)
	}
}
