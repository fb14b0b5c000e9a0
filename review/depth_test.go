package review

import (
	"strings"
	"testing"
)

func TestRenderDepth(t *testing.T) {
	tests := []struct {
		name       string
		depth      *Depth
		want, nope []string
	}{
		{name: "nil renders nothing", depth: nil},
		{name: "unsafe list", depth: &Depth{UnsafeChecked: true, Unsafe: []UnsafeItem{
			{Path: "src/lib.rs", Line: 3, Kind: UnsafeBlock},
			{Path: "src/lib.rs", Line: 9, Kind: UnsafeFn, Name: "raw", Safety: "ping @admin <!-- symposium:x --> see #12"},
		}}, want: []string{
			"### Unsafe code added", "2 unsafe items added",
			"- `src/lib.rs:3` unsafe block: **no SAFETY comment**",
			"- `src/lib.rs:9` unsafe fn `raw`: SAFETY: ping @\u200dadmin &lt;\\!-- symposium:x --&gt; see #\u200d12",
		}, nope: []string{"<!--", "@admin"}},
		{name: "deps table", depth: &Depth{Deps: []DepChange{
			{Change: DepAdded, Name: "evil|crate", New: "1.0.0", Source: "path", Flags: []string{"build script"}},
			{Change: DepUpdated, Name: "serde", Old: "1.0.1", New: "1.0.2", Source: "crates.io"},
		}}, want: []string{
			"| added | `evil\\|crate` | `1.0.0` | `path` | **build script** |",
			"| updated | `serde` | `1.0.1` → `1.0.2` | `crates.io` |  |",
		}},
		{name: "notes", depth: &Depth{Notes: []string{"Semver check skipped: no nightly."}}, want: []string{"> [!NOTE]\n> Semver check skipped: no nightly."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := renderDepth(tc.depth)
			if tc.depth == nil && got != "" {
				t.Fatalf("got %q", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, n := range tc.nope {
				if strings.Contains(got, n) {
					t.Errorf("has %q in\n%s", n, got)
				}
			}
		})
	}
}
