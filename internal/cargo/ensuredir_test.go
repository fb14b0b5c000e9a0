package cargo

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommandReplacesALinkedTargetDir checks that a target dir a build
// replaced with a link (the semver check's dir inside the target dir, say)
// is neither created through nor handed to the sandbox as the link.
func TestCommandReplacesALinkedTargetDir(t *testing.T) {
	outside := t.TempDir()
	target := t.TempDir()
	semver := filepath.Join(target, "semver")
	if err := os.Symlink(outside, semver); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd, err := command(dir, Options{Runner: &countingRunner{}, TargetDir: semver}, []string{"cargo", "check"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(semver); err != nil || !fi.IsDir() {
		t.Fatalf("target dir after command: %v %v, want a real directory", fi, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("created through the link: %v", entries)
	}
	for _, w := range cmd.Writable {
		if w == outside {
			t.Errorf("the link's target is writable in the sandbox: %v", cmd.Writable)
		}
	}
}

// TestRustdocOutputThroughALink checks that rustdoc's output is neither
// read nor removed through a link a build left in the target dir.
func TestRustdocOutputThroughALink(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "lib.json"), []byte(`{"secret":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(target, "doc")); err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("doc", "lib.json")
	if data, err := readOutput(target, rel, 1<<20); err == nil {
		t.Errorf("read through the link: %q", data)
	}
	removeOutput(target, rel)
	if _, err := os.Stat(filepath.Join(outside, "lib.json")); err != nil {
		t.Errorf("removed through the link: %v", err)
	}
}
