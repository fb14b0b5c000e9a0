package analysis

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/review"
)

// A head whose fetch fails because of its own manifests is reviewed, not
// failed: Run returns no error (the task is not retried), the failure is
// a finding on the manifest line with cargo's words and no worker path,
// clippy does not run, rustfmt still does, and the result is incomplete.
func TestRunFetchFailsBecauseOfThePullRequest(t *testing.T) {
	base := map[string]string{"Cargo.toml": manifest("fetchfail"), "src/lib.rs": "pub fn one() -> u32 {\n    1\n}\n"}
	tests := []struct {
		name     string
		head     map[string]string
		wantLine int
		wantText string
		// rustfmt formats the changed file unless the manifest it reads
		// the edition from is unreadable (then it says so).
		wantRustfmt bool
	}{
		{"duplicate dependencies table", map[string]string{
			"Cargo.toml": manifest("fetchfail") + "x = { git = \"https://nonexistent.invalid/x.git\" }\n\n[dependencies]\n",
			"src/lib.rs": "pub fn one() -> u32 {\n    return  1;\n}\n",
		}, 9, "duplicate key", false},
		{"missing path dependency", map[string]string{
			"Cargo.toml": manifest("fetchfail") + "far = { path = \"../nothere\" }\n",
			"src/lib.rs": "pub fn one() -> u32 {\n    return  1;\n}\n",
		}, 7, "../nothere", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture{base: base, head: tt.head}.create(t)
			work := t.TempDir()
			req := Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t), Fetch: true,
				TargetDir: filepath.Join(work, "target"), CargoHome: filepath.Join(work, "home"), SourceDir: filepath.Join(work, "src")}
			res, err := Run(context.Background(), req)
			if err != nil {
				t.Fatalf("Run: %v (a failure of the pull request's is no error)", err)
			}
			var fetch, clippy, rustfmt int
			for _, f := range res.Findings {
				switch {
				case f.Rule == cargo.RuleFetchFailed:
					fetch++
					if f.Path != "Cargo.toml" || f.Line != tt.wantLine || f.Severity != review.SeverityError || !strings.Contains(f.Message, tt.wantText) {
						t.Errorf("fetch finding %+v, want Cargo.toml:%d saying %q", f, tt.wantLine, tt.wantText)
					}
				case f.Source == review.SourceRustfmt:
					rustfmt++
				case f.Source == review.SourceClippy || f.Source == review.SourceRustc:
					clippy++
				}
			}
			if fetch != 1 || clippy != 0 || (rustfmt > 0) != tt.wantRustfmt || !strings.Contains(res.Summary, "rustfmt") {
				t.Errorf("findings: %d fetch, %d compiler/clippy, %d rustfmt; want 1, 0 and rustfmt %v:\n%s", fetch, clippy, rustfmt, tt.wantRustfmt, res.Summary)
			}
			if res.Incomplete == "" || !strings.Contains(res.Summary, "cargo could not fetch the dependencies because of this pull request") {
				t.Errorf("incomplete = %q; summary:\n%s", res.Incomplete, res.Summary)
			}
			out, _ := json.Marshal(res)
			for _, leak := range []string{work, dir} {
				if strings.Contains(string(out)+res.Summary, leak) {
					t.Errorf("worker path %s in the result:\n%s", leak, out)
				}
			}
		})
	}
}

// A workspace cargo refuses without fetching (a member's manifest is
// broken) is not an error either: the large-workspace member listing falls
// back to the whole workspace, and clippy's cargo error is a finding
// without a worker path.
func TestRunBrokenWorkspaceWithoutFetch(t *testing.T) {
	base := map[string]string{
		"Cargo.toml":   "[workspace]\nmembers = [\"a\"]\n",
		"a/Cargo.toml": manifest("a"),
		"a/src/lib.rs": "pub fn one() -> u32 {\n    1\n}\n",
	}
	dir := fixture{base: base, head: map[string]string{"a/Cargo.toml": manifest("a") + "[dependencies]\n"}}.create(t)
	work := t.TempDir()
	res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t),
		TargetDir: filepath.Join(work, "target"), SourceDir: filepath.Join(work, "src")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !strings.Contains(res.Summary, "duplicate key") || !res.CompileError {
		t.Errorf("summary:\n%s", res.Summary)
	}
	if strings.Contains(res.Summary, work) {
		t.Errorf("worker path in the summary:\n%s", res.Summary)
	}
}
