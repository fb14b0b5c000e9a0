package semvercheck

import "testing"

func TestOutsideFnBodies(t *testing.T) {
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
		want  bool
	}{
		{[]int{3, 4}, false}, // inside a fn body
		{[]int{1}, false},    // a comment
		{[]int{6}, false},    // blank
		{[]int{2}, true},     // the signature
		{[]int{10}, false},   // a default method's body
		{[]int{8}, true},     // a required trait method
		{[]int{15}, true},    // an enum variant
		{[]int{3, 15}, true}, // one outside is enough
	}
	for _, tc := range tests {
		if got := OutsideFnBodies([]byte(src), tc.lines); got != tc.want {
			t.Errorf("lines %v: %v, want %v", tc.lines, got, tc.want)
		}
	}
	for p, want := range map[string]bool{"src/lib.rs": true, "a/src/x/y.rs": true, "tests/t.rs": false, "src/main.rs": false, "src/bin/x.rs": false, "build.rs": false, "examples/e.rs": false, "README.md": false} {
		if got := LibSource(p); got != want {
			t.Errorf("LibSource(%s) = %v", p, got)
		}
	}
}
