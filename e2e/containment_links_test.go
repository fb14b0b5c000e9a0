package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// linkSecrets are host files outside every sandbox mount that a hostile head
// links to, each holding a marker that must never be posted.
type linkSecrets struct {
	rs, toml string // a Rust file and a cargo config in the worker's data dir
}

const (
	secretRsMarker   = "secret_rs_9d41b7"
	secretTomlMarker = "secret_toml_5e02c3"
)

func writeLinkSecrets(t *testing.T) linkSecrets {
	t.Helper()
	dir := filepath.Join(dataDir, "worker")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := linkSecrets{rs: filepath.Join(dir, "secret-links.rs"), toml: filepath.Join(dir, "secret-links.toml")}
	files := map[string]string{
		s.rs:   "pub fn " + secretRsMarker + "() -> u32 { 1 }\n",
		s.toml: "[build]\nrustflags = [\"--cfg\", \"" + secretTomlMarker + "\"]\n[env]\n" + secretTomlMarker + " = \"1\"\n",
	}
	for p, content := range files {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(p) })
	}
	return s
}

// hostState fingerprints host files a hostile head aims at: the link
// targets, and every file of the worker's data dir outside the sandbox's
// writable dirs (the pull requests' source and target dirs) and fetch's own
// state.
func hostState(t *testing.T, extra ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(p string) {
		fi, err := os.Lstat(p)
		if err != nil {
			out[p] = "missing"
			return
		}
		sum := ""
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			h := sha256.Sum256(b)
			sum = hex.EncodeToString(h[:8])
		} else if fi.Mode()&fs.ModeSymlink != 0 {
			sum, _ = os.Readlink(p)
		}
		out[p] = fi.Mode().String() + " " + sum
	}
	for _, p := range append([]string{"/etc/passwd", "/etc/hostname"}, extra...) {
		add(p)
	}
	worker := filepath.Join(dataDir, "worker")
	_ = filepath.WalkDir(worker, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(worker, p)
		first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if d.IsDir() && (first == "src" || first == "target" || first == "git" || d.Name() == ".symposium-fetch") {
			return filepath.SkipDir
		}
		add(p)
		return nil
	})
	return out
}

func diffState(t *testing.T, before, after map[string]string) {
	t.Helper()
	var changed []string
	for p, v := range before {
		if after[p] != v {
			changed = append(changed, p+": "+v+" -> "+after[p])
		}
	}
	for p, v := range after {
		if _, ok := before[p]; !ok {
			changed = append(changed, p+": new "+v)
		}
	}
	sort.Strings(changed)
	if len(changed) > 0 {
		t.Errorf("host files outside the sandbox's writable dirs changed:\n%s", strings.Join(changed, "\n"))
	}
}

// posted is everything the bot posted on the pull request and its check
// runs, as one text.
func (e *env) posted() string {
	var b strings.Builder
	for _, cr := range e.gh.CheckRuns(e.full) {
		o := cr.GetOutput()
		b.WriteString(cr.GetConclusion() + "\n" + o.GetTitle() + "\n" + o.GetSummary() + "\n" + o.GetText() + "\n")
		for _, a := range e.gh.Annotations(e.full, cr.GetID()) {
			b.WriteString(a.GetPath() + " " + a.GetTitle() + " " + a.GetMessage() + " " + a.GetRawDetails() + "\n")
		}
	}
	for _, r := range e.gh.Reviews(e.full, e.number) {
		b.WriteString(r.GetBody() + "\n")
	}
	for _, c := range e.gh.ReviewComments(e.full, e.number) {
		b.WriteString(c.GetPath() + " " + c.GetBody() + "\n")
	}
	for _, c := range e.gh.IssueComments(e.full, e.number) {
		b.WriteString(c.GetBody() + "\n")
	}
	return b.String()
}

// hostSecrets are strings of the link targets that must never be posted.
func hostSecrets(t *testing.T) []string {
	t.Helper()
	out := []string{secretRsMarker, secretTomlMarker}
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, _, ok := strings.Cut(line, ":"); ok && len(line) > 12 {
				out = append(out, name+":x:", line)
			}
		}
	}
	if b, err := os.ReadFile("/etc/hostname"); err == nil && len(strings.TrimSpace(string(b))) >= 6 {
		out = append(out, strings.TrimSpace(string(b)))
	}
	return out
}

// pushChange commits c on the feature branch and moves the PR's head there.
func (e *env) pushChange(c githubfake.Change) string {
	e.t.Helper()
	sha, err := githubfake.CommitChange(e.ctx, e.bare, "feature", c)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.gh.SetPullRequestHead(e.full, e.number, sha); err != nil {
		e.t.Fatal(err)
	}
	return sha
}

// reviewed sends synchronize for head and returns its one check run, which
// must have completed as a review (not as a failure to review).
func (e *env) reviewed(head string) *github.CheckRun {
	e.t.Helper()
	e.send("synchronize")
	e.wait()
	e.waitFor("the check run of "+head, func() bool {
		runs := e.checkRuns(head)
		return len(runs) == 1 && runs[0].GetStatus() == "completed"
	})
	run := e.checkRuns(head)[0]
	if title := run.GetOutput().GetTitle(); strings.Contains(title, "could not be completed") || strings.Contains(title, "ran out of time") {
		e.t.Errorf("head %s: the review failed as infrastructure: %s\n%s", head[:12], title, run.GetOutput().GetSummary())
	}
	return run
}

// TestReviewOfHeadsWithLinks: through the worker, heads whose symbolic links
// point at host files (absolute, relative escaping the checkout, the
// worker's data dir and cargo home, /), replace a source file, the manifest
// or a cargo config are reviewed to the end: every review completes, notes
// the changed links as not followed, posts nothing of what they point at,
// and changes no host file outside the sandbox's writable dirs; a clean
// head reviewed afterwards gets the review it would have had anyway.
func TestReviewOfHeadsWithLinks(t *testing.T) {
	e := start(t)
	e.openSample()
	e.send("opened")
	e.wait()
	pristine := e.checkRuns(e.built.HeadSHA)
	if len(pristine) != 1 || pristine[0].GetStatus() != "completed" {
		t.Fatalf("check runs of the sample head: %+v", pristine)
	}
	wantAnns := annotationKeys(e.gh.Annotations(e.full, pristine[0].GetID()))

	secrets := writeLinkSecrets(t)
	dirs := cachedir.ForPR(filepath.Join(dataDir, "worker"), e.repoID, e.number)
	homeConfig := filepath.Join(dirs.CargoHome, "config.toml")
	before := hostState(t, secrets.rs, secrets.toml)
	lib := sampleHead(t, "src/lib.rs")

	steps := []struct {
		name  string
		c     githubfake.Change
		notes []string // paths the review must name as links not followed
	}{{
		name: "links beside a regular lib.rs, which uses them as modules",
		c: githubfake.Change{
			Files: map[string]string{
				"src/lib.rs": lib + "\npub mod passwd;\npub mod up;\npub mod secret;\npub mod home;\npub mod sibling;\n" +
					"#[path = \"m/etc/passwd\"]\npub mod root;\n",
				"build.rs": `fn main() {
    // Writes through every link it can: none may reach a host file.
    for p in ["src/passwd.rs", "src/up.rs", "src/secret.rs", "src/home.rs", "src/m/tmp/pwned", ".cargo/config.toml", "rust-toolchain.toml"] {
        let _ = std::fs::write(p, "pwned_4c1d\n");
    }
}
`,
			},
			Links: map[string]string{
				"src/passwd.rs":       "/etc/passwd",
				"src/up.rs":           strings.Repeat("../", 12) + "etc/passwd",
				"src/secret.rs":       secrets.rs,
				"src/home.rs":         homeConfig,
				"src/sibling.rs":      "../Cargo.toml",
				"src/m":               "/",
				".cargo/config.toml":  secrets.toml,
				"rust-toolchain.toml": "/etc/passwd",
			},
			Message: "links to host files",
		},
		notes: []string{"src/passwd.rs", "src/up.rs", "src/secret.rs", "src/home.rs", "src/sibling.rs", "src/m", ".cargo/config.toml", "rust-toolchain.toml"},
	}, {
		name: "lib.rs replaced by a link",
		c: githubfake.Change{
			Links:   map[string]string{"src/lib.rs": "/etc/hostname"},
			Deletes: []string{"build.rs"},
			Message: "lib.rs is a link",
		},
		notes: []string{"src/lib.rs"},
	}, {
		name: "lib.rs linked to another file of the checkout, Cargo.toml to a host file",
		c: githubfake.Change{
			Links:   map[string]string{"src/lib.rs": "sibling.rs", "Cargo.toml": secrets.toml},
			Message: "the manifest is a link",
		},
		notes: []string{"Cargo.toml"},
	}}
	links := map[string]bool{} // every link pushed so far
	for _, step := range steps {
		for p := range step.c.Links {
			links[p] = true
		}
		head := e.pushChange(step.c)
		run := e.reviewed(head)
		got := e.posted()
		t.Logf("%s: %s %q\n%s", step.name, run.GetConclusion(), run.GetOutput().GetTitle(), run.GetOutput().GetSummary())
		for _, p := range step.notes {
			if !strings.Contains(run.GetOutput().GetSummary(), "`"+p+"` is a symbolic link: not followed") {
				t.Errorf("%s: the review does not note %s as a link not followed", step.name, p)
			}
		}
		for _, s := range hostSecrets(t) {
			if strings.Contains(got, s) {
				t.Errorf("%s: the bot posted %q, from a link's target", step.name, s)
			}
		}
		// A finding in a linked file would quote what rustc read through
		// the link: only notes that say it was not followed may name one.
		for _, line := range strings.Split(run.GetOutput().GetSummary(), "\n") {
			for l := range links {
				if (strings.Contains(line, "`"+l+"`") || strings.Contains(line, "`"+l+":") || strings.Contains(line, "`"+l+"/")) &&
					!strings.Contains(line, "not followed") && !strings.Contains(line, "(outdated)") {
					t.Errorf("%s: the summary shows a finding in %s, a link (or behind one): %s", step.name, l, line)
				}
			}
		}
		for _, r := range e.gh.Reviews(e.full, e.number) {
			if r.GetCommitID() != head {
				continue
			}
			for _, c := range e.commentsOf(r.GetID()) {
				if behindLink(c.GetPath(), links) {
					t.Errorf("%s: an inline comment on %s, a link (or behind one):\n%s", step.name, c.GetPath(), c.GetBody())
				}
			}
		}
		for _, a := range e.gh.Annotations(e.full, run.GetID()) {
			if behindLink(a.GetPath(), links) {
				t.Errorf("%s: an annotation on %s, a link (or behind one): %s", step.name, a.GetPath(), a.GetMessage())
			}
		}
		if strings.Contains(got, "pwned_4c1d") {
			t.Errorf("%s: the bot posted what the build script wrote through a link", step.name)
		}
	}
	diffState(t, before, hostState(t, secrets.rs, secrets.toml))

	// A clean head, byte for byte the sample's, gets the sample's review.
	clean := e.pushChange(githubfake.Change{
		Files:   map[string]string{"Cargo.toml": sampleHead(t, "Cargo.toml"), "src/lib.rs": lib},
		Deletes: []string{"src/passwd.rs", "src/up.rs", "src/secret.rs", "src/home.rs", "src/sibling.rs", "src/m", ".cargo", "rust-toolchain.toml"},
		Message: "back to the sample",
	})
	run := e.reviewed(clean)
	if got := annotationKeys(e.gh.Annotations(e.full, run.GetID())); strings.Join(got, "\n") != strings.Join(wantAnns, "\n") {
		t.Errorf("the clean head's annotations:\n%s\nwant the sample's:\n%s", strings.Join(got, "\n"), strings.Join(wantAnns, "\n"))
	}
	if s := run.GetOutput().GetSummary(); strings.Contains(s, "symbolic link") || run.GetConclusion() != pristine[0].GetConclusion() {
		t.Errorf("the clean head's review: %s\n%s", run.GetConclusion(), s)
	}
}

// behindLink reports whether p is one of links or lies below one.
func behindLink(p string, links map[string]bool) bool {
	for l := range links {
		if p == l || strings.HasPrefix(p, l+"/") {
			return true
		}
	}
	return false
}

// annotationKeys lists annotations as sorted "path:line title" lines.
func annotationKeys(anns []*github.CheckRunAnnotation) []string {
	var out []string
	for _, a := range anns {
		out = append(out, a.GetPath()+":"+strconv.Itoa(a.GetStartLine())+" "+a.GetTitle())
	}
	sort.Strings(out)
	return out
}
