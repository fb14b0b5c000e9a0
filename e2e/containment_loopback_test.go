package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/demo"
)

// loopbackTrap listens on the host's loopback, IPv4 and IPv6, and on every
// address, and records each connection it accepts.
type loopbackTrap struct {
	v4, v6, any int // ports

	mu       sync.Mutex
	accepted []string
}

func newLoopbackTrap(t *testing.T) *loopbackTrap {
	t.Helper()
	trap := &loopbackTrap{}
	listen := func(network, addr string) int {
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Fatalf("listen on %s: %v", addr, err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				trap.mu.Lock()
				trap.accepted = append(trap.accepted, c.RemoteAddr().String()+" -> "+c.LocalAddr().String())
				trap.mu.Unlock()
				c.Close()
			}
		}()
		return ln.Addr().(*net.TCPAddr).Port
	}
	trap.v4 = listen("tcp4", "127.0.0.1:0")
	trap.v6 = listen("tcp6", "[::1]:0")
	// Every address, both families: 127.0.0.2, ::ffff:127.0.0.1, the
	// host's own addresses.
	trap.any = listen("tcp", ":0")
	return trap
}

// check fails the test when anything connected.
func (trap *loopbackTrap) check(t *testing.T, step string) {
	t.Helper()
	trap.mu.Lock()
	defer trap.mu.Unlock()
	if len(trap.accepted) > 0 {
		t.Errorf("%s: pull-request code reached the host's loopback: %v", step, trap.accepted)
	}
}

// targets are the addresses pull-request code tries: the traps, another
// loopback address of the /8, the mapped IPv4 form, the host's own
// non-loopback addresses and the Redis the worker uses.
func (trap *loopbackTrap) targets(t *testing.T) []string {
	t.Helper()
	out := []string{
		fmt.Sprintf("127.0.0.1:%d", trap.v4), fmt.Sprintf("[::1]:%d", trap.v6),
		fmt.Sprintf("127.0.0.1:%d", trap.any), fmt.Sprintf("127.0.0.2:%d", trap.any),
		fmt.Sprintf("127.255.255.254:%d", trap.any), fmt.Sprintf("[::1]:%d", trap.any),
		fmt.Sprintf("[::ffff:127.0.0.1]:%d", trap.any), fmt.Sprintf("0.0.0.0:%d", trap.any),
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				out = append(out, fmt.Sprintf("%s:%d", ipn.IP, trap.any))
			}
		}
	}
	if u, err := url.Parse(redisURL()); err == nil && u.Port() != "" {
		out = append(out, "127.0.0.1:"+u.Port())
	}
	return out
}

// probeFn is Rust code that tries each target and returns one line per
// target; it sends a Redis command on any connection it gets.
func probeFn(targets []string) string {
	quoted := make([]string, len(targets))
	for i, a := range targets {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	return `fn probe_loopback() -> String {
    use std::io::Write;
    let mut out = String::new();
    for t in [` + strings.Join(quoted, ", ") + `] {
        let r = match t.parse::<std::net::SocketAddr>() {
            Ok(a) => match std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)) {
                Ok(mut s) => {
                    let _ = s.write_all(b"SET containment_pwned 1\r\n");
                    "CONNECTED".to_string()
                }
                Err(e) => format!("failed: {e}"),
            },
            Err(e) => format!("bad address: {e}"),
        };
        out.push_str(&format!("{t} {r}\n"));
    }
    out
}
`
}

// probeCrate is the files of a crate whose build script, proc macro and
// test try every target and record what they got in OUT_DIR/probe-*.txt.
func probeCrate(manifest, lib string, targets []string) map[string]string {
	fn := probeFn(targets)
	return map[string]string{
		"Cargo.toml": withDependency(manifest, "probe = { path = \"probe\" }"),
		"build.rs": fn + `
fn main() {
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/probe-build.txt"), probe_loopback()).unwrap();
}
`,
		"probe/Cargo.toml": "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\nproc-macro = true\n",
		"probe/src/lib.rs": fn + `
#[proc_macro]
pub fn probe(_: proc_macro::TokenStream) -> proc_macro::TokenStream {
    if let Ok(out) = std::env::var("OUT_DIR") {
        let _ = std::fs::write(format!("{out}/probe-macro.txt"), probe_loopback());
    }
    proc_macro::TokenStream::new()
}
`,
		"src/lib.rs": lib + "\nprobe::probe!();\n\n#[cfg(test)]\nmod probe_test {\n" + indent(fn) + `
    #[test]
    fn loopback() {
        std::fs::write(concat!(env!("OUT_DIR"), "/probe-test.txt"), probe_loopback()).unwrap();
    }
}
`,
	}
}

// withDependency adds dep to the [dependencies] table that ends manifest,
// or to a new one.
func withDependency(manifest, dep string) string {
	if strings.HasSuffix(strings.TrimSpace(manifest), "[dependencies]") {
		return strings.TrimSpace(manifest) + "\n" + dep + "\n"
	}
	return manifest + "\n[dependencies]\n" + dep + "\n"
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// probeResults reads the probe files under dir, by name.
func probeResults(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasPrefix(d.Name(), "probe-") && strings.HasSuffix(d.Name(), ".txt") {
			b, _ := os.ReadFile(p)
			out[d.Name()] += string(b)
		}
		return nil
	})
	return out
}

// checkProbes fails the test unless each of want ran and none connected.
func checkProbes(t *testing.T, step, dir string, want ...string) {
	t.Helper()
	got := probeResults(t, dir)
	for _, name := range want {
		res, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: %s not found under %s: the probe did not run", step, name, dir)
		case strings.Contains(res, "CONNECTED"):
			t.Errorf("%s: %s connected:\n%s", step, name, res)
		case !strings.Contains(res, "failed: "):
			t.Errorf("%s: %s:\n%s", step, name, res)
		default:
			t.Logf("%s: %s:\n%s", step, name, lastLines(res, 4))
		}
	}
}

// checkRedisUntouched fails the test when the probes' Redis command ran.
func checkRedisUntouched(t *testing.T) {
	t.Helper()
	opts, err := redis.ParseURL(redisURL())
	if err != nil {
		return
	}
	opts.DB = 0 // where a bare SET lands
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if n, err := rdb.Exists(context.Background(), "containment_pwned").Result(); err == nil && n > 0 {
		t.Errorf("pull-request code wrote to the worker's Redis")
	}
}

// TestNoLoopbackFromPullRequestCode: through the worker, nothing a pull
// request controls reaches any 127.0.0.0/8 or ::1 port of the host (nor
// its other addresses, nor its Redis): not git dependencies on loopback
// URLs, in any spelling, during fetch (even one the operator allows by
// name); not a build script, a proc macro, a test or clippy during the
// review; not the build script, proc macro and tests `/symposium fix` runs
// with `[tests] run = true`.
func TestNoLoopbackFromPullRequestCode(t *testing.T) {
	trap := newLoopbackTrap(t)
	targets := trap.targets(t)

	// Fetch. One attempt more after a failure is enough here.
	e := startWith(t, func(o *demo.StackOptions) { o.MaxRetry = 1 })
	e.openSample()
	manifest := sampleHead(t, "Cargo.toml")
	lib := sampleHead(t, "src/lib.rs")
	// Loopback URLs in every spelling are refused before fetch runs, with
	// a finding each.
	var deps []string
	spellings := []string{"127.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]", "foo.localhost"}
	for i, host := range spellings {
		deps = append(deps, fmt.Sprintf("dep%d = { git = \"http://%s:%d/x.git\" }", i, host, trap.any))
	}
	head := e.push(map[string]string{"Cargo.toml": withDependency(manifest, strings.Join(deps, "\n"))}, "git dependencies on loopback URLs")
	run := e.reviewed(head)
	trap.check(t, "fetch")
	if anns := e.gh.Annotations(e.full, run.GetID()); len(anns) < len(spellings) {
		t.Errorf("fetch: %d annotations, want a refusal for each of %d URLs: %v", len(anns), len(spellings), anns)
	}
	// A host the operator allows by name passes that check: the sandbox's
	// network, which has no way to the host's loopback, is what stops it.
	// The fetch fails, is retried and reported as a failed review, not as a
	// finding: only that the review ends is asserted.
	t.Setenv("SYMPOSIUM_FETCH_ALLOW_HOSTS", "localhost")
	dep := fmt.Sprintf("dep = { git = \"http://localhost:%d/x.git\" }", trap.any)
	head = e.push(map[string]string{"Cargo.toml": withDependency(manifest, dep)}, "a git dependency on an allowed loopback host")
	e.send("synchronize")
	e.wait()
	e.waitFor("the check run of "+head, func() bool {
		runs := e.checkRuns(head)
		return len(runs) == 1 && runs[0].GetStatus() == "completed"
	})
	out := e.checkRuns(head)[0].GetOutput()
	if !strings.Contains(out.GetSummary(), "failed to connect to localhost") {
		t.Errorf("fetch from an allowed localhost: %s\n%s", out.GetTitle(), out.GetSummary())
	}
	trap.check(t, "fetch from an allowed localhost")
	os.Unsetenv("SYMPOSIUM_FETCH_ALLOW_HOSTS")

	// Build script, proc macro, clippy, rustfmt.
	buildHead := e.push(probeCrate(manifest, lib, targets), "probes in the build script, a proc macro and a test")
	run = e.reviewed(buildHead)
	t.Logf("build: %s %q", run.GetConclusion(), run.GetOutput().GetTitle())
	trap.check(t, "review")
	checkProbes(t, "review", filepath.Join(dataDir, "worker", "target"), "probe-build.txt", "probe-macro.txt")

	// /symposium fix, with the tests run.
	s := startFixStack(t)
	base := map[string]string{".github/symposium.toml": "[tests]\nrun = true\n"}
	for k, v := range fixBase {
		base[k] = v
	}
	files := probeCrate(fixManifest, fixBase["src/lib.rs"], targets)
	files["src/other.rs"] = fixHead["src/other.rs"]
	pr := s.seedPR(t, prSpec{base: base, head: files})
	s.comment(t, pr, "maintainer", "User", "/symposium fix")
	reply := s.waitReplies(t, pr, 1)[0].GetBody()
	t.Logf("fix: %s", reply)
	trap.check(t, "fix")
	checkProbes(t, "fix", s.dataDir, "probe-build.txt", "probe-macro.txt", "probe-test.txt")
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 3 {
		t.Errorf("branch = %v, want one fix commit (the probes fail quietly, the tests pass); reply:\n%s", log, reply)
	}
	checkRedisUntouched(t)
}
