package cargo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTargetDirSharedBetweenTrees: two trees of one package share a target
// dir; the older tree, built after the newer one, must get its own
// diagnostics, not a replay of the other tree's.
func TestTargetDirSharedBetweenTrees(t *testing.T) {
	opts := testOptions(t)
	opts.TargetDir = t.TempDir()
	withWarning, fixed := t.TempDir(), t.TempDir()
	cargoToml := fmt.Sprintf(manifest, "shared")
	writeFiles(t, withWarning, map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": "pub fn check(v: &[u8]) -> bool {\n    v.len() == 0\n}\n"})
	writeFiles(t, fixed, map[string]string{"Cargo.toml": cargoToml, "src/lib.rs": "pub fn check(v: &[u8]) -> bool {\n    v.is_empty()\n}\n"})
	// The tree with the warning was laid down long ago (a kept source dir).
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{"Cargo.toml", "src/lib.rs"} {
		if err := os.Chtimes(filepath.Join(withWarning, f), old, old); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for i, tc := range []struct {
		dir  string
		want int
	}{{fixed, 0}, {withWarning, 1}, {withWarning, 1}, {fixed, 0}} {
		diags, err := Clippy(ctx, tc.dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(diags) != tc.want {
			t.Errorf("run %d: %d diagnostics, want %d: %+v", i, len(diags), tc.want, diags)
		}
	}
}

// TestBuildInDoesNotFollowPlantedLinks: a build that replaced the target
// dir's marker and lock with links to host files cannot make the host write
// or create them.
func TestBuildInDoesNotFollowPlantedLinks(t *testing.T) {
	host := t.TempDir()
	victim := filepath.Join(host, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	target, src := t.TempDir(), t.TempDir()
	if err := os.Symlink(victim, filepath.Join(target, targetSourceName)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(host, "created"), filepath.Join(target, targetLockName)); err != nil {
		t.Fatal(err)
	}
	_ = buildIn(context.Background(), target, src, func() error { return nil })
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the host file was written through the marker link: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(host, "created")); err == nil {
		t.Error("the lock link created a host file")
	}
}
