package analysis

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

func TestHeadFilesPrefetch(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	for name, content := range map[string]string{
		"src/a.rs": "fn a() {}\n",
		"src/b.rs": "fn b() {}\n",
		"huge.rs":  strings.Repeat("/", safefs.MaxFileSize+1),
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "head")
	sha := git(t, dir, "rev-parse", "HEAD")

	h := newHeadFiles(context.Background(), dir, sha)
	diags := []review.Diagnostic{
		{Spans: []review.Span{{Path: "src/a.rs", LineStart: 1, Primary: true}}},
		{Spans: []review.Span{{Path: "src/b.rs", LineStart: 1, Primary: true}}},
		{Spans: []review.Span{{Path: "src/a.rs", LineStart: 1, Primary: true}}},
		{Spans: []review.Span{{Path: "gone.rs", LineStart: 1, Primary: true}}},
		{Spans: []review.Span{{Path: "huge.rs", LineStart: 1, Primary: true}}},
		{Message: "no location"},
	}
	h.prefetch(diagnosticPaths(diags))
	// Every read below comes from the one batch: git is out of reach now.
	h.dir = filepath.Join(t.TempDir(), "not-a-repository")
	for p, want := range map[string]string{"src/a.rs": "fn a() {}\n", "src/b.rs": "fn b() {}\n"} {
		if b, ok := h.read(p); !ok || string(b) != want {
			t.Errorf("read(%s) = %q, %v", p, b, ok)
		}
	}
	for _, p := range []string{"gone.rs", "huge.rs"} {
		if b, ok := h.read(p); ok {
			t.Errorf("read(%s) = %d bytes, want missing (absent or over the cap)", p, len(b))
		}
	}
	// A path not prefetched is read on its own (and here fails: missing).
	if _, ok := h.read("src/c.rs"); ok {
		t.Error("read of a path git cannot give succeeded")
	}
}
