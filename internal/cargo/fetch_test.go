package cargo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNothingToFetch(t *testing.T) {
	tests := []struct {
		name, lock string
		want       bool
	}{
		{"local only", "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n", true},
		{"registry", "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", false},
		{"git", "[[package]]\nname = \"x\"\nsource = \"git+https://example.com/x#abc\"\n", false},
		{"no lock file", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.lock != "" {
				if err := os.WriteFile(filepath.Join(dir, "Cargo.lock"), []byte(tt.lock), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := nothingToFetch(dir); got != tt.want {
				t.Errorf("nothingToFetch = %v, want %v", got, tt.want)
			}
		})
	}
}
