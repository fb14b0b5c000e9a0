package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestUsageErrorsExit2: every bad flag value, whichever flag, exits 2 and
// says what is wrong once.
func TestUsageErrorsExit2(t *testing.T) {
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	t.Setenv("GITHUB_WEBHOOK_SECRET", "s")
	for _, args := range [][]string{
		{"review", "--repo", repo, "--base", "HEAD", "--sandbox", "foo"},
		{"review", "--repo", repo, "--base", "HEAD", "--format", "xml"},
		{"review", "--repo", repo, "--base", "HEAD", "--filter", "bogus"},
		{"review", "--repo", repo + "/missing", "--base", "HEAD"},
		{"review", "--repo", repo, "--base", "HEAD", "--agent", "bogus"},
		{"fix", "--repo", repo, "--base", "HEAD", "--sandbox", "foo"},
		{"demo", "--sandbox", "foo"},
		{"serve", "--concurrency", "x"},
		{"worker", "--sandbox", "foo"},
		{"review", "--no-such-flag"},
	} {
		var out bytes.Buffer
		code := run(context.Background(), args, &out, &out)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2:\n%s", args, code, out.String())
		}
		first := strings.SplitN(out.String(), "\n", 2)[0]
		for _, word := range []string{"sandbox", "symposium"} {
			if strings.Count(first, word+": ") > 1 {
				t.Errorf("%v: %q says %q twice", args, first, word)
			}
		}
	}
}

// TestBadRevisionSaysWhich: a revision that is not a commit is named, with
// the repository, and nothing else.
func TestBadRevisionSaysWhich(t *testing.T) {
	repo := t.TempDir()
	for _, c := range [][]string{{"init", "-q"}, {"-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, c...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", c, err, out)
		}
	}
	var out bytes.Buffer
	code := run(context.Background(), []string{"review", "--repo", repo, "--base", "nope", "--sandbox", "none", "--cache-dir", t.TempDir()}, &out, &out)
	want := `symposium review: base: "nope" is not a commit in ` + repo + "\n"
	if code != 1 || out.String() != want {
		t.Errorf("exit %d, output %q, want 1 and %q", code, out.String(), want)
	}
}
