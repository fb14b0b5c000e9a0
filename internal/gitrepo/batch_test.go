package gitrepo

import (
	"context"
	"strings"
	"testing"
)

func TestShowFiles(t *testing.T) {
	ctx := context.Background()
	dir, _, head := localRepo(t)
	put(t, dir, "big.txt", strings.Repeat("x", 100))
	put(t, dir, "empty.rs", "")
	put(t, dir, "a b.rs", "spaced\n")
	gitIn(t, dir, "checkout", "-q", head)
	put(t, dir, "big.txt", strings.Repeat("x", 100))
	put(t, dir, "empty.rs", "")
	put(t, dir, "a b.rs", "spaced\n")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "more")

	paths := []string{"src/lib.rs", "big.txt", "missing.rs", "src", "link", "empty.rs", "a b.rs", "bad\nname", "run.sh", "src/lib.rs"}
	got, large, err := ShowFiles(ctx, dir, "HEAD", paths, 50)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"src/lib.rs": "fn a() {}\nfn b() {}\n",
		"link":       "src/lib.rs", // a link's blob is its target, as Show gives it
		"empty.rs":   "",
		"a b.rs":     "spaced\n",
		"run.sh":     "#!/bin/sh\n",
	}
	if len(got) != len(want) {
		t.Errorf("got %d files, want %d: %q", len(got), len(want), got)
	}
	for p, w := range want {
		if b, ok := got[p]; !ok || string(b) != w {
			t.Errorf("%s = %q (%v), want %q", p, b, ok, w)
		}
	}
	if got["empty.rs"] == nil {
		t.Error("an empty file reads as nil")
	}
	if len(large) != 1 || large[0] != "big.txt" {
		t.Errorf("too large = %q, want big.txt", large)
	}
	// The same as Show, file by file, under the cap.
	for _, p := range paths {
		b, ok, err := Show(ctx, dir, "HEAD", p)
		if err != nil || !ok || p == "big.txt" {
			continue
		}
		if string(got[p]) != string(b) {
			t.Errorf("%s: ShowFiles %q, Show %q", p, got[p], b)
		}
	}

	if _, _, err := ShowFiles(ctx, dir, "--output=x", paths, 0); err == nil {
		t.Error("a revision git could take for an option was accepted")
	}
	if got, _, err := ShowFiles(ctx, dir, "HEAD", nil, 0); err != nil || len(got) != 0 {
		t.Errorf("no paths: %v %v", got, err)
	}
	if _, _, err := ShowFiles(ctx, t.TempDir(), "HEAD", paths, 0); err == nil {
		t.Error("reading from a directory that is no repository succeeded")
	}
}
