package analysis

import (
	"context"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/review"
)

// TestAPIFiles: the semver check runs only when a change can break the
// public API.
func TestAPIFiles(t *testing.T) {
	lib := "pub fn a(x: u32) -> u32 {\n    x + 1\n}\n\npub enum E {\n    A,\n}\n"
	tests := []struct {
		name string
		head map[string]string
		want string
	}{
		{"body only", map[string]string{"src/lib.rs": strings.Replace(lib, "x + 1", "x + 2", 1)}, ""},
		{"comment and test", map[string]string{"src/lib.rs": "/// Adds one.\n" + lib, "tests/t.rs": "#[test]\nfn t() {}\n"}, ""},
		{"signature", map[string]string{"src/lib.rs": strings.Replace(lib, "x: u32", "x: u64", 1)}, "src/lib.rs"},
		{"variant", map[string]string{"src/lib.rs": strings.Replace(lib, "    A,\n", "    A,\n    B,\n", 1)}, "src/lib.rs"},
		{"removed item", map[string]string{"src/lib.rs": "pub fn a(x: u32) -> u32 {\n    x + 1\n}\n"}, "src/lib.rs"},
		{"new items only", map[string]string{"src/m.rs": "pub fn m() {}\n", "src/lib.rs": "pub mod m;\n" + lib + "\npub fn b() {}\n"}, ""},
		{"deleted file", map[string]string{"src/lib.rs": "", "src/main.rs": "fn main() {}\n"}, "src/lib.rs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := fixture{base: map[string]string{"Cargo.toml": manifest("fx_api"), "src/lib.rs": lib}, head: tc.head}.create(t)
			base, head := git(t, dir, "rev-parse", "main"), git(t, dir, "rev-parse", "pr")
			_, raw, err := gitrepo.PullRequestDiff(ctx, dir, base, head)
			if err != nil {
				t.Fatal(err)
			}
			diff, err := review.ParseDiff(raw)
			if err != nil {
				t.Fatal(err)
			}
			got := apiFiles(ctx, depthInput{req: Request{RepoDir: dir}, diff: diff, heads: newHeadFiles(ctx, dir, head), mergeBase: base})
			if strings.Join(got, ",") != tc.want {
				t.Errorf("apiFiles = %v, want %q", got, tc.want)
			}
		})
	}
}
