package review

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, s string) *Diff {
	t.Helper()
	d, err := ParseDiff([]byte(s))
	if err != nil {
		t.Fatalf("ParseDiff: %v", err)
	}
	return d
}

func TestParseDiffMixed(t *testing.T) {
	raw, err := os.ReadFile("testdata/mixed.diff")
	if err != nil {
		t.Fatal(err)
	}
	d := mustParse(t, string(raw))

	tests := []struct {
		path                      string
		oldPath                   string
		isNew, isDelete, isRename bool
		isBinary, modeChanged     bool
		added                     []int
		inHunk, notInHunk         []int
	}{
		{path: "added.txt", isNew: true, added: []int{1}, inHunk: []int{1}},
		{path: "bin.dat", oldPath: "bin.dat", isBinary: true, notInHunk: []int{1}},
		{path: "m.txt", oldPath: "m.txt", added: []int{2, 11}, inHunk: []int{1, 5, 8, 11}, notInHunk: []int{6, 7, 12}},
		{path: "moved.txt", oldPath: "ren.txt", isRename: true, added: []int{4}, inHunk: []int{1, 4}},
		{path: "new.txt", oldPath: "old.txt", isRename: true, notInHunk: []int{1}},
		{path: "run.sh", oldPath: "run.sh", modeChanged: true, notInHunk: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, ok := d.File(tt.path)
			if !ok {
				t.Fatalf("no file %s", tt.path)
			}
			if f.OldPath != tt.oldPath || f.IsNew != tt.isNew || f.IsRename != tt.isRename ||
				f.IsBinary != tt.isBinary || f.ModeChanged() != tt.modeChanged || f.IsDelete {
				t.Errorf("got %+v", f)
			}
			if got := f.AddedLines(); !slices.Equal(got, tt.added) {
				t.Errorf("added = %v, want %v", got, tt.added)
			}
			for _, n := range tt.added {
				if !d.IsAdded(tt.path, n) {
					t.Errorf("line %d not added", n)
				}
			}
			for _, n := range tt.inHunk {
				if d.HunkAt(tt.path, n) < 0 {
					t.Errorf("line %d not in a hunk", n)
				}
			}
			for _, n := range tt.notInHunk {
				if d.HunkAt(tt.path, n) >= 0 || d.IsAdded(tt.path, n) {
					t.Errorf("line %d in a hunk", n)
				}
			}
		})
	}
	if _, ok := d.File("d.txt"); ok {
		t.Error("deleted file indexed by head path")
	}
	var deleted *FileDiff
	for _, f := range d.Files {
		if f.IsDelete {
			deleted = f
		}
	}
	if deleted == nil || deleted.Path() != "d.txt" || deleted.NewPath != "" {
		t.Errorf("deleted file = %+v", deleted)
	}
	m, _ := d.File("m.txt")
	last := m.Hunks[1].Lines[len(m.Hunks[1].Lines)-1]
	if !last.NoNewline || last.Text != "k" || last.NewLine != 11 {
		t.Errorf("last line = %+v", last)
	}
	if got, want := d.ChangedPaths(), []string{"added.txt", "bin.dat", "m.txt", "moved.txt", "new.txt", "run.sh"}; !slices.Equal(got, want) {
		t.Errorf("ChangedPaths = %v, want %v", got, want)
	}
}

func TestParseDiffErrors(t *testing.T) {
	for name, in := range map[string]string{
		"bad counts": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n",
		"overlap":    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n b\n@@ -1,1 +1,1 @@\n a\n",
	} {
		if _, err := ParseDiff([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	d, err := ParseDiff(nil)
	if err != nil || len(d.Files) != 0 {
		t.Errorf("empty diff: %v %v", d, err)
	}
}

// script builds a one-file diff from a sequence of operations ('c' context,
// 'a' added, 'd' deleted) split into hunks at 'h', and returns the added
// head lines and the head lines inside hunks.
func script(ops string) (diff string, added, inHunk []int) {
	var b strings.Builder
	b.WriteString("diff --git a/f.rs b/f.rs\n--- a/f.rs\n+++ b/f.rs\n")
	oldN, newN := 1, 1
	for _, chunk := range strings.Split(ops, "h") {
		var body strings.Builder
		oldStart, newStart, oldC, newC := oldN, newN, 0, 0
		var hunkAdded, hunkLines []int
		for i, op := range chunk {
			switch op {
			case 'c':
				fmt.Fprintf(&body, " line %d\n", i)
				hunkLines = append(hunkLines, newN)
				oldN, newN, oldC, newC = oldN+1, newN+1, oldC+1, newC+1
			case 'a':
				fmt.Fprintf(&body, "+added %d\n", i)
				hunkAdded = append(hunkAdded, newN)
				hunkLines = append(hunkLines, newN)
				newN, newC = newN+1, newC+1
			case 'd':
				fmt.Fprintf(&body, "-deleted %d\n", i)
				oldN, oldC = oldN+1, oldC+1
			}
		}
		if len(hunkAdded) == 0 && !strings.ContainsRune(chunk, 'd') {
			// Context only is no hunk: the lines stay unchanged.
			oldN, newN = oldStart+oldC, newStart+newC
			continue
		}
		added = append(added, hunkAdded...)
		inHunk = append(inHunk, hunkLines...)
		os, ns := oldStart, newStart
		if oldC == 0 {
			os--
		}
		if newC == 0 {
			ns--
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n%s", os, oldC, ns, newC, body.String())
		// A gap of unchanged lines between hunks.
		oldN, newN = oldN+2, newN+2
	}
	return b.String(), added, inHunk
}

func FuzzParseDiff(f *testing.F) {
	f.Add("cacdc", []byte("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"))
	f.Add("ddhaahcac", []byte{})
	raw, _ := os.ReadFile("testdata/mixed.diff")
	f.Add("a", raw)
	f.Fuzz(func(t *testing.T, ops string, arbitrary []byte) {
		// Arbitrary input: no panic, and the index agrees with the hunks.
		if d, err := ParseDiff(arbitrary); err == nil {
			for _, fd := range d.Files {
				for hi, h := range fd.Hunks {
					for _, l := range h.Lines {
						if l.Kind == LineDeleted {
							continue
						}
						if got := fd.HunkAt(l.NewLine); got != hi {
							t.Fatalf("%s: HunkAt(%d) = %d, want %d", fd.Path(), l.NewLine, got, hi)
						}
						if fd.IsAdded(l.NewLine) != (l.Kind == LineAdded) {
							t.Fatalf("%s: IsAdded(%d) wrong", fd.Path(), l.NewLine)
						}
					}
				}
			}
		}
		// Scripted input: the mapping is exactly what the script says.
		clean := strings.Map(func(r rune) rune {
			if strings.ContainsRune("cadh", r) {
				return r
			}
			return -1
		}, ops)
		diff, added, inHunk := script(clean)
		d, err := ParseDiff([]byte(diff))
		if err != nil {
			t.Fatalf("script %q: %v\n%s", clean, err, diff)
		}
		fd, ok := d.File("f.rs")
		if len(added)+len(inHunk) > 0 && !ok {
			t.Fatalf("script %q: no file", clean)
		}
		if !ok {
			return
		}
		if got := fd.AddedLines(); !slices.Equal(got, added) {
			t.Fatalf("script %q: added %v, want %v", clean, got, added)
		}
		maxLine := 1
		if len(inHunk) > 0 {
			maxLine = inHunk[len(inHunk)-1] + 3
		}
		for n := 0; n <= maxLine; n++ {
			if want := slices.Contains(inHunk, n); (fd.HunkAt(n) >= 0) != want {
				t.Fatalf("script %q: HunkAt(%d) in hunk = %v, want %v", clean, n, !want, want)
			}
			if want := slices.Contains(added, n); fd.IsAdded(n) != want {
				t.Fatalf("script %q: IsAdded(%d) = %v, want %v", clean, n, !want, want)
			}
		}
	})
}

func BenchmarkParseDiff10k(b *testing.B) {
	diff := bigDiff(10000)
	b.SetBytes(int64(len(diff)))
	b.ResetTimer()
	for b.Loop() {
		d, err := ParseDiff(diff)
		if err != nil {
			b.Fatal(err)
		}
		for n := 1; n <= 10000; n++ {
			d.IsAdded("src/lib.rs", n)
			d.HunkAt("src/lib.rs", n)
		}
	}
}

// bigDiff returns a diff of one file with n changed lines: every third line
// replaced, in hunks of about 30 lines.
func bigDiff(n int) []byte {
	var b strings.Builder
	b.WriteString("diff --git a/src/lib.rs b/src/lib.rs\nindex 1111111..2222222 100644\n--- a/src/lib.rs\n+++ b/src/lib.rs\n")
	line := 1
	for written := 0; written < n; {
		fmt.Fprintf(&b, "@@ -%d,30 +%d,30 @@ fn f() {\n", line, line)
		for i := 0; i < 30; i++ {
			if i%3 == 1 {
				fmt.Fprintf(&b, "-    let x%d = old(%d);\n+    let x%d = new(%d);\n", line+i, i, line+i, i)
				written += 2
			} else {
				fmt.Fprintf(&b, "     let y%d = same(%d);\n", line+i, i)
				written++
			}
		}
		line += 40
	}
	return []byte(b.String())
}

func TestParseFilePatch(t *testing.T) {
	patch := "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n@@ -10,2 +11,2 @@\n x\n-y\n+Y"
	f, err := ParseFilePatch("src/@x #1.rs", patch)
	if err != nil {
		t.Fatal(err)
	}
	if f.NewPath != "src/@x #1.rs" || len(f.Hunks) != 2 {
		t.Fatalf("got %+v", f)
	}
	for _, tt := range []struct {
		side string
		line int
		want int
	}{
		{SideRight, 1, 0}, {SideRight, 4, 0}, {SideRight, 5, -1}, {SideRight, 12, 1},
		{SideLeft, 2, 0}, {SideLeft, 4, -1}, {SideLeft, 11, 1},
	} {
		if got := f.HunkAtSide(tt.side, tt.line); got != tt.want {
			t.Errorf("HunkAtSide(%s, %d) = %d, want %d", tt.side, tt.line, got, tt.want)
		}
	}
	if !f.IsAdded(3) || f.IsAdded(4) {
		t.Error("IsAdded is wrong")
	}
	if empty, err := ParseFilePatch("bin.dat", ""); err != nil || len(empty.Hunks) != 0 {
		t.Errorf("empty patch: %+v %v", empty, err)
	}
	if _, err := ParseFilePatch("a", "@@ -1,3 +1,3 @@\n a\n"); err == nil {
		t.Error("a truncated patch was accepted")
	}
}

func TestAnchor(t *testing.T) {
	d := mustParse(t, libDiff) // lines 3, 4 and 5 of src/lib.rs are added
	s := ""
	for _, tt := range []struct {
		name              string
		c                 Comment
		filter            Filter
		ok                bool
		wantStart, wantLn int
	}{
		{"already on added lines", Comment{Path: "src/lib.rs", StartLine: 3, Line: 5}, FilterAdded, true, 3, 5},
		{"ends on context", Comment{Path: "src/lib.rs", StartLine: 4, Line: 6}, FilterAdded, true, 4, 5},
		{"starts on context", Comment{Path: "src/lib.rs", StartLine: 1, Line: 3}, FilterAdded, true, 3, 3},
		{"nothing added", Comment{Path: "src/lib.rs", StartLine: 1, Line: 2}, FilterAdded, false, 1, 2},
		{"suggestion kept", Comment{Path: "src/lib.rs", StartLine: 4, Line: 6, Suggestion: &s}, FilterAdded, false, 4, 6},
		{"wider filter", Comment{Path: "src/lib.rs", StartLine: 1, Line: 2}, FilterDiffContext, true, 1, 2},
	} {
		c := tt.c
		if ok := Anchor(&c, d, tt.filter); ok != tt.ok || c.StartLine != tt.wantStart || c.Line != tt.wantLn {
			t.Errorf("%s: Anchor = %v, lines %d..%d; want %v, %d..%d", tt.name, ok, c.StartLine, c.Line, tt.ok, tt.wantStart, tt.wantLn)
		}
	}
}
