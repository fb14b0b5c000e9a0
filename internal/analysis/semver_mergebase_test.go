package analysis

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/review"
)

// TestSemverAgainstTheMergeBase checks that the semver check compares the
// head with the merge base, as the diff does: the base branch adding a
// public function after the pull request branched is not a removal by the
// pull request.
func TestSemverAgainstTheMergeBase(t *testing.T) {
	if !cargo.NightlyAvailable() {
		t.Skip("no nightly toolchain: rustdoc's comparison cannot run")
	}
	const lib = "/// Old docs.\npub struct Kept;\n\npub fn kept() -> u32 {\n    1\n}\n"
	dir := fixture{
		base: map[string]string{"Cargo.toml": manifest("fx_mb"), "src/lib.rs": lib},
		// A removed line outside any body: the pre-filter lets the check run.
		head: map[string]string{"src/lib.rs": strings.Replace(lib, "/// Old docs.", "/// New docs.", 1)},
	}.create(t)
	// The base branch moves on: a new public function in another file.
	git(t, dir, "checkout", "-q", "main")
	if err := os.WriteFile(filepath.Join(dir, "src", "extra.rs"), []byte("pub fn added_on_main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte("pub mod extra;\n\n"+lib), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "main moves on")

	cfg := config.DefaultRepo()
	cfg.Semver.Tool = config.SemverToolRustdoc
	res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t),
		TargetDir: filepath.Join(t.TempDir(), "target"), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Comments {
		if c.Source == review.SourceSemver {
			t.Errorf("semver finding against the base branch's tip: %+v", c)
		}
	}
	if strings.Contains(res.Summary, "added_on_main") || strings.Contains(res.Summary, "breaking change") {
		t.Errorf("summary reports the base branch's own change as the pull request's:\n%s", res.Summary)
	}
}
