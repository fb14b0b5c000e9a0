package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// loopbackListener counts the connections that reach a loopback port.
func loopbackListener(t *testing.T) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = &atomic.Int32{}
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
	return ln.Addr().String(), conns
}

// hostileHead commits files onto a new branch pr of the review fixture.
func hostileHead(t *testing.T, files map[string]string) string {
	t.Helper()
	repo := reviewFixture(t)
	reviewGit(t, repo, "checkout", "-q", "-b", "hostile", "main")
	for name, content := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	reviewGit(t, repo, "add", "-A")
	reviewGit(t, repo, "commit", "-q", "-m", "hostile")
	return repo
}

// `symposium review` with fetch (the default): nothing the pull request
// controls reaches a loopback port — neither a rustc-wrapper from its cargo
// configuration nor a git dependency, which is refused with a finding.
func TestReviewFetchReachesNoLoopback(t *testing.T) {
	addr, conns := loopbackListener(t)
	host, port, _ := net.SplitHostPort(addr)
	manifest := "[package]\nname = \"review_cmd\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
	tests := []struct {
		name    string
		files   map[string]string
		refused bool
	}{
		{"rustc-wrapper", map[string]string{
			"x.sh":               fmt.Sprintf("#!/bin/bash\n(echo hi > /dev/tcp/%s/%s) 2>/dev/null\nexec \"$@\"\n", host, port),
			".cargo/config.toml": "[build]\nrustc-wrapper = \"./x.sh\"\n",
		}, false},
		{"git dependency", map[string]string{
			"Cargo.toml": manifest + "\n[dependencies]\nx = { git = \"http://" + addr + "/x.git\" }\n",
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := hostileHead(t, tt.files)
			code, out, stderr := runCommand("review", "--repo", repo, "--base", "main", "--head", "hostile",
				"--sandbox", sandboxMode(), "--cache-dir", t.TempDir(), "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if n := conns.Load(); n != 0 {
				t.Fatalf("%d connections from the pull request reached %s", n, addr)
			}
			var res struct {
				Comments []struct{ Path, Rule, Body string }
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range res.Comments {
				if c.Rule == "cargo::fetch-refused" && c.Path == "Cargo.toml" {
					found = true
				}
			}
			if found != tt.refused {
				t.Errorf("refusal finding = %v, want %v; output:\n%s", found, tt.refused, out)
			}
		})
	}
}

// `symposium fix --commit` fetches the same way: the pull request's
// rustc-wrapper reaches no loopback port.
func TestFixFetchReachesNoLoopback(t *testing.T) {
	addr, conns := loopbackListener(t)
	host, port, _ := net.SplitHostPort(addr)
	repo := hostileHead(t, map[string]string{
		"x.sh":               fmt.Sprintf("#!/bin/bash\n(echo hi > /dev/tcp/%s/%s) 2>/dev/null\nexec \"$@\"\n", host, port),
		".cargo/config.toml": "[build]\nrustc-wrapper = \"./x.sh\"\n",
		"src/lib.rs":         "pub fn old(v: &[u8]) -> bool {\n    v.len() == 0\n}\n\npub fn new(v: &[u16]) -> bool {\n    v.len() == 0\n}\n",
	})
	code, out, stderr := runCommand("fix", "--repo", repo, "--base", "main", "--sandbox", sandboxMode(), "--cache-dir", t.TempDir(), "--commit")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections from the pull request reached %s", n, addr)
	}
	if !strings.Contains(out, "clippy::len_zero") {
		t.Errorf("fix did not run clippy's fix:\n%s\n%s", out, stderr)
	}
}
