package analysis

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Clippy output beyond the cap degrades the review: the findings before the
// cut are kept, the summary says the review is incomplete, and Run returns
// no error (which would make the task retry).
func TestRunIncompleteOutput(t *testing.T) {
	var lib strings.Builder
	for i := range 60 {
		fmt.Fprintf(&lib, "pub fn f%d(v: &[u8]) -> bool {\n    v.len() == 0\n}\n", i)
	}
	dir := fixture{
		base: map[string]string{"Cargo.toml": manifest("noisy"), "src/lib.rs": "pub fn a() {}\n"},
		head: map[string]string{"src/lib.rs": lib.String()},
	}.create(t)
	res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t),
		TargetDir: t.TempDir(), MaxOutputBytes: 40 << 10})
	if err != nil {
		t.Fatalf("Run over the output cap: %v", err)
	}
	if res.Incomplete == "" || !strings.Contains(res.Summary, "the review is incomplete") {
		t.Errorf("incomplete = %q; summary:\n%s", res.Incomplete, res.Summary)
	}
	if n := res.Stats.DiagnosticsTotal; n == 0 || n >= 60 {
		t.Errorf("%d diagnostics, want the part before the cut", n)
	}
}
