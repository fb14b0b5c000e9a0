package cargo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestLineWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		limit  int
		want   string
		trunc  bool
	}{
		{"whole lines", []string{"a\n", "b\n"}, 100, "a\nb\n", false},
		{"line split across writes", []string{"a", "b\nc", "d\n"}, 100, "ab\ncd\n", false},
		{"cut mid-line keeps whole lines", []string{"aaa\nbbb\n", "ccc\n"}, 10, "aaa\nbbb\n", true},
		{"cut before the first newline", []string{"aaaa", "bbbb\n"}, 5, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			lw := &lineWriter{w: &out, limit: tt.limit}
			for _, w := range tt.writes {
				if n, err := lw.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := out.String(); got != tt.want || lw.truncated != tt.trunc {
				t.Errorf("passed on %q (truncated %v), want %q (%v)", got, lw.truncated, tt.want, tt.trunc)
			}
		})
	}
}

// Clippy's output beyond the cap keeps the findings before the cut and
// marks the report incomplete, without an error.
func TestClippyOutputOverCap(t *testing.T) {
	dir := t.TempDir()
	var lib strings.Builder
	for i := range 60 {
		fmt.Fprintf(&lib, "pub fn f%d(v: &[u8]) -> bool {\n    v.len() == 0\n}\n", i)
	}
	writeTree(t, dir, map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "noisy"), "src/lib.rs": lib.String()})
	opts := testOptions(t)
	full, err := ClippyReport(context.Background(), dir, opts)
	if err != nil || full.Incomplete != "" || len(full.Diagnostics) != 60 {
		t.Fatalf("uncapped: %d diagnostics, incomplete %q, err %v", len(full.Diagnostics), full.Incomplete, err)
	}
	opts.MaxOutputBytes = 40 << 10
	rep, err := ClippyReport(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("ClippyReport over the cap: %v", err)
	}
	if rep.Incomplete == "" || !strings.Contains(rep.Incomplete, "40960 bytes") {
		t.Errorf("Incomplete = %q", rep.Incomplete)
	}
	if n := len(rep.Diagnostics); n == 0 || n >= 60 {
		t.Fatalf("%d diagnostics kept, want some but not all", n)
	}
	for i, d := range rep.Diagnostics {
		if !equalJSON(d, full.Diagnostics[i]) {
			t.Errorf("diagnostic %d differs from the uncapped run:\n%s\n%s", i, mustJSON(d), mustJSON(full.Diagnostics[i]))
		}
	}
	if diags, err := Clippy(context.Background(), dir, opts); !errors.Is(err, ErrOutputTruncated) || len(diags) != len(rep.Diagnostics) {
		t.Errorf("Clippy = %d diagnostics, %v; want the partial ones and ErrOutputTruncated", len(diags), err)
	}
}
