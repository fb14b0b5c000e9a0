package semvercheck

import "testing"

func TestMayBreak(t *testing.T) {
	src := `/// Docs.
pub fn a(x: u32) -> u32 {
    let y = x + 1;
    y
}

pub trait T {
    fn req(&self);
    fn opt(&self) {
        let _ = 1;
    }
}

pub enum E {
    A,
}
`
	tests := []struct {
		lines []int
		added bool
		want  bool
	}{
		{[]int{3, 4}, false, false}, // inside a fn body
		{[]int{1}, false, false},    // a comment
		{[]int{6}, false, false},    // blank
		{[]int{2}, false, true},     // a signature removed or changed
		{[]int{2}, true, false},     // a new fn breaks nobody
		{[]int{10}, true, false},    // a default method's body
		{[]int{8}, true, true},      // a new required trait method
		{[]int{8}, false, true},     // a trait method removed
		{[]int{15}, true, true},     // a new variant
		{[]int{3, 15}, true, true},  // one is enough
		{[]int{14}, true, false},    // a new enum
	}
	for _, tc := range tests {
		if got := MayBreak([]byte(src), tc.lines, tc.added); got != tc.want {
			t.Errorf("lines %v added %v: %v, want %v", tc.lines, tc.added, got, tc.want)
		}
	}
	if !MayBreak([]byte("#[non_exhaustive]\npub enum E { A }\n"), []int{1}, true) {
		t.Error("adding #[non_exhaustive] breaks")
	}
	for p, want := range map[string]bool{"src/lib.rs": true, "a/src/x/y.rs": true, "tests/t.rs": false, "src/main.rs": false, "src/bin/x.rs": false, "build.rs": false, "examples/e.rs": false, "README.md": false} {
		if got := LibSource(p); got != want {
			t.Errorf("LibSource(%s) = %v", p, got)
		}
	}
}
