package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteCrate checks the generated crate: 10k+ lines, written the same
// way twice, and each head differs from the base in exactly the modules its
// edits name. (Whether it compiles is checked by the benchmark itself: bare
// clippy must check it.)
func TestWriteCrate(t *testing.T) {
	read := func(head string) map[string]string {
		dir := t.TempDir()
		writeCrate(dir, head)
		if n := crateLines(dir); n < 10000 {
			t.Errorf("%s: %d lines, want 10k+", head, n)
		}
		files := map[string]string{}
		for _, name := range []string{"Cargo.toml", "Cargo.lock", "src/lib.rs"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = string(b)
		}
		for m := range crateModules {
			name := fmt.Sprintf("src/m%02d.rs", m)
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = string(b)
		}
		return files
	}
	base := read("")
	for name, content := range read("") {
		if base[name] != content {
			t.Errorf("%s differs between two writes of the base", name)
		}
	}
	for _, head := range pushHeads {
		want := map[string]bool{}
		for _, e := range headEdits[head] {
			want[fmt.Sprintf("src/m%02d.rs", e[0])] = true
		}
		for name, content := range read(head) {
			if changed := content != base[name]; changed != want[name] {
				t.Errorf("%s: %s changed=%v, want %v", head, name, changed, want[name])
			}
		}
	}
}
