package analysis

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commitLinks adds symbolic links (path → target) to the pr branch of dir.
func commitLinks(t *testing.T, dir string, links map[string]string) {
	t.Helper()
	for name, target := range links {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "links")
}

// TestRunDoesNotFollowLinks: links in the head to a host file, to a device
// and in place of the manifests are never read on the host; each gets a
// note, and nothing of the host file reaches the result.
func TestRunDoesNotFollowLinks(t *testing.T) {
	runner := testRunner(t)
	secret := filepath.Join(t.TempDir(), "secret.rs")
	if err := os.WriteFile(secret, []byte("pub fn  leaked( ){ let SECRET_7f3a = 1; }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"Cargo.toml": manifest("links"), "src/lib.rs": "pub fn one() -> u32 {\n    1\n}\n"}
	for _, tc := range []struct {
		name  string
		links map[string]string
		notes []string
	}{
		{"sources", map[string]string{"src/x.rs": secret, "src/zero.rs": "/dev/zero"},
			[]string{"`src/x.rs` is a symbolic link: not followed.", "`src/zero.rs` is a symbolic link: not followed."}},
		{"manifest", map[string]string{"Cargo.toml": secret},
			[]string{"`Cargo.toml` is a symbolic link: not followed, so nothing was analysed."}},
		{"lock file", map[string]string{"Cargo.lock": "/dev/zero"},
			[]string{"`Cargo.lock` is a symbolic link: not followed, so nothing was analysed."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fixture{base: base, head: map[string]string{"src/lib.rs": "pub fn one() -> u32 {\n    return 1;\n}\n"}}.create(t)
			commitLinks(t, dir, tc.links)
			res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: runner, TargetDir: targetDir})
			if err != nil {
				t.Fatal(err)
			}
			out, _ := json.Marshal(res)
			if strings.Contains(string(out), "SECRET_7f3a") || strings.Contains(string(out), "leaked") {
				t.Errorf("the host file's content reached the result:\n%s", out)
			}
			for _, n := range tc.notes {
				if !strings.Contains(res.Summary, n) {
					t.Errorf("summary lacks %q:\n%s", n, res.Summary)
				}
			}
			// A refused root manifest or lock file leaves nothing built:
			// the review says it is incomplete, never that the head is clean.
			_, refused := tc.links["Cargo.toml"]
			if _, lock := tc.links["Cargo.lock"]; lock || refused {
				if res.Incomplete == "" || strings.Contains(res.Summary, "have nothing to say") {
					t.Errorf("incomplete = %q; summary:\n%s", res.Incomplete, res.Summary)
				}
			} else if res.Incomplete != "" {
				t.Errorf("incomplete = %q for links beside a regular manifest", res.Incomplete)
			}
			for _, c := range res.Comments {
				if _, linked := tc.links[c.Path]; linked {
					t.Errorf("comment on a link: %+v", c)
				}
			}
		})
	}
}
