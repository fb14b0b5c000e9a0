package cargo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull request's toolchain file picks a channel only when it is
// installed with clippy; a path, or a channel not installed, leaves the
// worker's toolchain.
func TestPinnedToolchain(t *testing.T) {
	def, err := workerToolchain()
	if err != nil {
		t.Fatal(err)
	}
	nightlyInstalled := false
	if _, err := os.Stat(filepath.Join(rustupHome(), "toolchains", "nightly-"+hostTriple(def.name), "bin", "cargo-clippy")); err == nil {
		nightlyInstalled = true
	}
	tests := []struct {
		name, file, content string
		wantNightly         bool
	}{
		{"no file", "", "", false},
		{"path", "rust-toolchain.toml", "[toolchain]\npath = \"/tmp/evil\"\n", false},
		{"channel not installed", "rust-toolchain.toml", "[toolchain]\nchannel = \"1.2.3\"\n", false},
		{"channel with a slash", "rust-toolchain.toml", "[toolchain]\nchannel = \"../../evil\"\n", false},
		{"installed channel", "rust-toolchain.toml", "[toolchain]\nchannel = \"nightly\"\n", nightlyInstalled},
		{"legacy file", "rust-toolchain", "nightly\n", nightlyInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				writeTree(t, dir, map[string]string{tt.file: tt.content})
			}
			tc, err := pinnedToolchain(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.HasPrefix(tc.name, "nightly"); got != tt.wantNightly || (!got && tc != def) {
				t.Errorf("toolchain %+v, want nightly %v (default %+v)", tc, tt.wantNightly, def)
			}
			if _, err := os.Stat(filepath.Join(tc.bin, "cargo")); err != nil {
				t.Errorf("no cargo in %s: %v", tc.bin, err)
			}
		})
	}
}
