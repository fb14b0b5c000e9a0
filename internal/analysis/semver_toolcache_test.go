package analysis

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// spyRunner runs commands with the real runner and records their
// arguments; a command fail matches exits 101 instead of running.
type spyRunner struct {
	sandbox.Runner
	fail func(args []string) bool

	mu    sync.Mutex
	calls [][]string
}

func (s *spyRunner) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	s.mu.Lock()
	s.calls = append(s.calls, slices.Clone(cmd.Args))
	s.mu.Unlock()
	if s.fail != nil && s.fail(cmd.Args) {
		return sandbox.Result{ExitCode: 101, Stderr: []byte("error: failed on purpose\n")}, nil
	}
	return s.Runner.Run(ctx, cmd)
}

// baselineDocs counts the documentations of a base for the tool.
func (s *spyRunner) baselineDocs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.calls {
		if len(a) > 1 && a[0] == "cargo" && a[1] == "doc" {
			n++
		}
	}
	return n
}

// toolRuns returns the baseline argument of each run of the tool
// ("--baseline-rustdoc FILE" or "--baseline-root DIR").
func (s *spyRunner) toolRuns() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.calls {
		if len(a) < 3 || a[1] != "semver-checks" {
			continue
		}
		for i, arg := range a {
			if (arg == "--baseline-rustdoc" || arg == "--baseline-root") && i+1 < len(a) {
				out = append(out, arg+" "+a[i+1])
			}
		}
	}
	return out
}

// TestSemverToolBaselineCache: the base's rustdoc JSON for
// cargo-semver-checks is made once per base revision and kept beside the
// target dir; a second review on the same base passes it again without
// documenting the base, a review on another base documents that one (and
// drops the older file). The tool gets the base tree when the pull request
// changes a manifest, when the tool is older than v0.25, when documenting
// the base fails, and when the tool does not take the file.
func TestSemverToolBaselineCache(t *testing.T) {
	const lib = "pub fn old_api() {}\n\npub fn kept() -> u32 {\n    1\n}\n"
	const headLib = "pub fn kept() -> u32 {\n    1\n}\n"
	const finding = "`function fx_cache::old_api, previously in file src/lib.rs:1`"
	review1 := func(t *testing.T, dir, target string, spy *spyRunner) review.Result {
		t.Helper()
		res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: spy, TargetDir: target, Config: config.DefaultRepo()})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	hasFinding := func(t *testing.T, res review.Result) {
		t.Helper()
		if !strings.Contains(res.Summary, "found by cargo-semver-checks") || !strings.Contains(res.Summary, finding) {
			t.Errorf("no finding of the tool with %s:\n%s", finding, res.Summary)
		}
	}
	entries := func(t *testing.T, target string) []string {
		t.Helper()
		des, _ := os.ReadDir(cachedir.SemverCache(target))
		var out []string
		for _, de := range des {
			if strings.Contains(de.Name(), "-tool-") {
				out = append(out, de.Name())
			}
		}
		return out
	}

	t.Run("once per base", func(t *testing.T) {
		installFakeSemverChecks(t, "")
		dir := fixture{base: map[string]string{"Cargo.toml": manifest("fx_cache"), "src/lib.rs": lib}, head: map[string]string{"src/lib.rs": headLib}}.create(t)
		target := filepath.Join(t.TempDir(), "target")
		spy := &spyRunner{Runner: testRunner(t)}

		hasFinding(t, review1(t, dir, target, spy))
		runs := spy.toolRuns()
		if spy.baselineDocs() != 1 || len(runs) != 1 || !strings.HasPrefix(runs[0], "--baseline-rustdoc ") {
			t.Fatalf("first review: %d documentations of the base, tool runs %q; want 1 and one with --baseline-rustdoc", spy.baselineDocs(), runs)
		}
		file := strings.TrimPrefix(runs[0], "--baseline-rustdoc ")
		if filepath.Dir(file) != cachedir.SemverCache(target) {
			t.Errorf("baseline file %s is not in the semver cache %s", file, cachedir.SemverCache(target))
		}

		hasFinding(t, review1(t, dir, target, spy))
		if runs := spy.toolRuns(); spy.baselineDocs() != 1 || len(runs) != 2 || runs[1] != runs[0] {
			t.Errorf("same base: %d documentations of the base, tool runs %q; want still 1 and the same file", spy.baselineDocs(), runs)
		}

		// The base moves on: main gets a commit, and the pull request is
		// rebased onto it.
		git(t, dir, "checkout", "-q", "main")
		if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("readme\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "-m", "readme")
		git(t, dir, "rebase", "-q", "main", "pr")
		hasFinding(t, review1(t, dir, target, spy))
		runs = spy.toolRuns()
		if spy.baselineDocs() != 2 || len(runs) != 3 || runs[2] == runs[0] || !strings.HasPrefix(runs[2], "--baseline-rustdoc ") {
			t.Errorf("new base: %d documentations of the base, tool runs %q; want 2 and a new file", spy.baselineDocs(), runs)
		}
		if got := entries(t, target); len(got) != 2 { // the JSON and its meta file
			t.Errorf("cache entries %q, want the new base's only", got)
		}
	})

	fallbacks := []struct {
		name      string
		version   string            // the tool's
		mode      string            // the fake's
		head      map[string]string // beyond the removal
		fail      func([]string) bool
		wantDocs  int
		wantTools []string // baseline flags in order
	}{
		{name: "manifest changed", head: map[string]string{"Cargo.toml": manifest("fx_cache") + "\n[features]\nx = []\n"},
			wantTools: []string{"--baseline-root"}},
		{name: "cargo config changed", head: map[string]string{".cargo/config.toml": "[net]\nretry = 2\n"},
			wantTools: []string{"--baseline-root"}},
		{name: "tool older than 0.25", version: "0.24.2", wantTools: []string{"--baseline-root"}},
		{name: "documenting the base fails", fail: func(a []string) bool { return len(a) > 1 && a[1] == "doc" },
			wantDocs: 1, wantTools: []string{"--baseline-root"}},
		{name: "tool refuses the file", mode: "error-rustdoc", wantDocs: 1, wantTools: []string{"--baseline-rustdoc", "--baseline-root"}},
	}
	for _, tc := range fallbacks {
		t.Run(tc.name, func(t *testing.T) {
			if tc.version == "" {
				tc.version = "0.43.0"
			}
			installFakeSemverChecksVersion(t, tc.mode, tc.version)
			head := map[string]string{"src/lib.rs": headLib}
			for k, v := range tc.head {
				head[k] = v
			}
			dir := fixture{base: map[string]string{"Cargo.toml": manifest("fx_cache"), "src/lib.rs": lib}, head: head}.create(t)
			target := filepath.Join(t.TempDir(), "target")
			spy := &spyRunner{Runner: testRunner(t), fail: tc.fail}
			hasFinding(t, review1(t, dir, target, spy))
			var flags []string
			for _, r := range spy.toolRuns() {
				flags = append(flags, strings.Fields(r)[0])
			}
			if spy.baselineDocs() != tc.wantDocs || !slices.Equal(flags, tc.wantTools) {
				t.Errorf("%d documentations of the base, tool baselines %q; want %d, %q", spy.baselineDocs(), flags, tc.wantDocs, tc.wantTools)
			}
			if got := entries(t, target); len(got) != 0 {
				t.Errorf("cache entries %q, want none", got)
			}
		})
	}
}
