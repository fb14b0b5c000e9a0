package analysis

import (
	"context"
	"strings"
	"testing"
)

// TestFindingInAddedMacroBody: a lint inside a macro_rules! body that the
// pull request added is commented on that body line, not at the unchanged
// call site (which would be filtered out).
func TestFindingInAddedMacroBody(t *testing.T) {
	const before = "macro_rules! check {\n    ($v:expr) => {{\n        $v.is_empty()\n    }};\n}\n\npub fn a(v: &[u8]) -> bool {\n    check!(v)\n}\n"
	after := strings.Replace(before, "{{\n", "{{\n        let unused = 1;\n", 1)
	f := fixture{
		base: map[string]string{"Cargo.toml": manifest("fx_macro"), "src/lib.rs": before},
		head: map[string]string{"src/lib.rs": after},
	}
	dir := f.create(t)
	res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t), TargetDir: targetDir})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range res.Comments {
		if c.Rule == "unused_variables" {
			found = c.Path == "src/lib.rs" && c.Line == 3
		}
		if c.Line == 9 {
			t.Errorf("comment at the unchanged call site: %+v", c)
		}
	}
	if !found {
		t.Errorf("no unused_variables comment on the added macro body line 3: %+v", res.Comments)
	}
}
