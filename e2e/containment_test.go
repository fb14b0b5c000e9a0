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
