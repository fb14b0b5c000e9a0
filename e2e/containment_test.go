package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/symposium-dev/symposium/internal/cachedir"
)

// The worker fetches as production does: a git dependency on a loopback
// address is refused with a finding and nothing connects to it. Closing
// the pull request removes its build dirs.
func TestFetchRefusedAndClosedCleanup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()

	e := start(t)
	e.openSample()
	manifest := sampleHead(t, "Cargo.toml")
	if !strings.Contains(manifest, "[dependencies]") {
		manifest += "\n[dependencies]\n"
	}
	manifest += "internal = { git = \"http://" + ln.Addr().String() + "/x.git\" }\n"
	head := e.push(map[string]string{"Cargo.toml": manifest}, "depend on an internal address")
	e.send("synchronize")
	e.wait()

	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections reached %s", n, ln.Addr())
	}
	runs := e.checkRuns(head)
	if len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Fatalf("check runs on the head: %+v", runs)
	}
	var refused bool
	for _, a := range e.gh.Annotations(e.full, runs[0].GetID()) {
		if a.GetPath() == "Cargo.toml" && strings.Contains(a.GetMessage()+a.GetTitle(), "refused") {
			refused = true
		}
	}
	if !refused {
		t.Errorf("no refusal finding on Cargo.toml: %v", e.gh.Annotations(e.full, runs[0].GetID()))
	}

	dirs := cachedir.ForPR(filepath.Join(dataDir, "worker"), e.repoID, e.number)
	if _, err := os.Stat(dirs.Target); err != nil {
		t.Fatalf("the pull request's target dir: %v", err)
	}
	e.send("closed")
	gone := func(p string) bool { _, err := os.Stat(p); return os.IsNotExist(err) }
	e.waitFor("the closed pull request's dirs to go", func() bool { return gone(dirs.Target) && gone(dirs.Source) })
	if gone(dirs.CargoHome) {
		t.Error("the repository's cargo home was removed with the pull request")
	}
}

// A build script that writes a rustc-wrapper into the cargo home (which
// every later build and fetch of the repository would run) fails through
// the worker: the cargo home is read-only in builds, and the next push is
// reviewed as if the hostile one had never been.
func TestBuildCannotPoisonTheNextReview(t *testing.T) {
	e := start(t)
	e.openSample()
	hostile := e.push(map[string]string{"build.rs": `fn main() {
    if let Ok(home) = std::env::var("CARGO_HOME") {
        let _ = std::fs::write(format!("{home}/config.toml"), "[build]\nrustc-wrapper = \"/nonexistent/pwned\"\n");
    }
}
`}, "a build script that writes the cargo home")
	e.send("synchronize")
	e.wait()
	if runs := e.checkRuns(hostile); len(runs) != 1 || runs[0].GetStatus() != "completed" {
		t.Fatalf("check runs on the hostile head: %+v", runs)
	}
	dirs := cachedir.ForPR(filepath.Join(dataDir, "worker"), e.repoID, e.number)
	if b, err := os.ReadFile(filepath.Join(dirs.CargoHome, "config.toml")); err == nil && strings.Contains(string(b), "pwned") {
		t.Fatalf("the build wrote the cargo home:\n%s", b)
	}

	clean := e.push(map[string]string{"build.rs": "fn main() {}\n"}, "a harmless build script")
	e.send("synchronize")
	e.wait()
	e.waitFor("the next push's check run", func() bool {
		runs := e.checkRuns(clean)
		return len(runs) == 1 && runs[0].GetStatus() == "completed"
	})
	run := e.checkRuns(clean)[0]
	if run.GetConclusion() == "failure" || strings.Contains(run.GetOutput().GetSummary(), "pwned") {
		t.Errorf("the next push's review was affected: %s\n%s", run.GetConclusion(), run.GetOutput().GetSummary())
	}
}

// TestFetchFailsBecauseOfThePullRequest: through the worker, heads whose
// manifests make `cargo fetch` fail — a duplicate `[dependencies]` table,
// a path dependency leaving the checkout — are reviewed on the first
// attempt (no retry, no "could not be completed"): the failure is a
// finding on the manifest's line with cargo's words and no worker path,
// and the check run is neutral and says the review is incomplete.
func TestFetchFailsBecauseOfThePullRequest(t *testing.T) {
	e := start(t)
	e.openSample()
	manifest := sampleHead(t, "Cargo.toml")
	steps := []struct {
		name, manifest, want string
	}{
		{"duplicate dependencies table", withDependency(manifest, "x = \"1\"") + "\n[dependencies]\n", "duplicate key"},
		{"path dependency outside the checkout", withDependency(manifest, "far = { path = \"../../nothere\" }"), "nothere"},
	}
	for _, step := range steps {
		before := len(logs.String())
		head := e.push(map[string]string{"Cargo.toml": step.manifest}, step.name)
		run := e.reviewed(head)
		out := run.GetOutput()
		t.Logf("%s: %s %q\n%s", step.name, run.GetConclusion(), out.GetTitle(), out.GetSummary())
		if run.GetConclusion() != "neutral" || !strings.HasPrefix(out.GetTitle(), "Incomplete review") ||
			!strings.Contains(out.GetSummary(), "cargo could not fetch the dependencies because of this pull request") {
			t.Errorf("%s: check run %s %q, want neutral and incomplete:\n%s", step.name, run.GetConclusion(), out.GetTitle(), out.GetSummary())
		}
		var found bool
		for _, a := range e.gh.Annotations(e.full, run.GetID()) {
			if a.GetPath() == "Cargo.toml" && strings.Contains(a.GetTitle(), "cargo::fetch-failed") && strings.Contains(a.GetMessage(), step.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no cargo::fetch-failed annotation on Cargo.toml saying %q: %v", step.name, step.want, e.gh.Annotations(e.full, run.GetID()))
		}
		if posted := e.posted(); strings.Contains(posted, dataDir) || strings.Contains(posted, os.TempDir()+"/") {
			t.Errorf("%s: a worker path was posted:\n%s", step.name, posted)
		}
		if strings.Contains(logs.String()[before:], "review failed; will retry") {
			t.Errorf("%s: the review was retried", step.name)
		}
	}
}
