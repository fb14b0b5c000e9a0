package sandbox

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// connectScript tries a TCP connection to each host:port argument and prints
// "<addr> open" or "<addr> <error>"; bash's /dev/tcp needs no other tool.
const connectScript = `for a in "$@"; do
  h=${a%:*}; p=${a##*:}
  if out=$(timeout 5 bash -c "exec 3<>/dev/tcp/$h/$p" 2>&1); then echo "$a open"; else echo "$a ${out##*: }"; fi
done
grep -q '^nameserver ` + slirpDNS + `$' /etc/resolv.conf && echo resolv-ok
awk '$2 == "00000000" { found = 1 } END { if (found) print "default-route" }' /proc/net/route`

// redisAddr is the host's Redis the tests use (REDIS_URL, else the default).
func redisAddr() string {
	if u, err := url.Parse(os.Getenv("REDIS_URL")); err == nil && u.Host != "" {
		return u.Host
	}
	return "127.0.0.1:6379"
}

func needBash(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
}

// TestRegistryNetworkReachesNoInternalAddress: from inside a Network=true
// sandbox, the host's Redis, another loopback listener, and private,
// link-local (cloud metadata) and CGNAT addresses are all refused at once,
// while the command still has a default route and slirp4netns's DNS.
func TestRegistryNetworkReachesNoInternalAddress(t *testing.T) {
	needBash(t)
	r := newRunner(t, ModeBwrap, DefaultLimits())
	listener, accepted := listen(t)
	targets := []string{redisAddr(), listener, "127.0.0.2:80", "10.1.2.3:80", "169.254.169.254:80",
		"192.168.1.1:80", "172.16.0.1:80", "100.64.0.1:80", slirpGateway + ":" + strings.Split(redisAddr(), ":")[1]}
	start := time.Now()
	res, err := r.Run(context.Background(), Command{
		Args: append([]string{"bash", "-c", connectScript, "bash"}, targets...), Network: true, Timeout: time.Minute,
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run: err %v, exit %d, stderr %q", err, res.ExitCode, res.Stderr)
	}
	out := string(res.Stdout)
	t.Logf("after %s:\n%s", time.Since(start).Round(time.Millisecond), out)
	for _, a := range targets {
		line := lineFor(out, a)
		switch {
		case line == "":
			t.Errorf("%s: not tried", a)
		case strings.HasSuffix(line, " open"):
			t.Errorf("%s: connected from the registry network", a)
		case strings.Contains(line, "timed out") || strings.HasSuffix(line, a+" "):
			t.Errorf("%s: not refused at once: %q", a, line)
		}
	}
	for _, want := range []string{"resolv-ok", "default-route"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	if n := accepted(); n != 0 {
		t.Errorf("the loopback listener accepted %d connections", n)
	}
}

func lineFor(out, addr string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, addr+" ") {
			return l
		}
	}
	return ""
}

// TestRegistryNetworkRoutesCannotBeChanged: the command has no capability
// over its network namespace, not even after making a user namespace of its
// own.
func TestRegistryNetworkRoutesCannotBeChanged(t *testing.T) {
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("ip not installed")
	}
	r := newRunner(t, ModeBwrap, DefaultLimits())
	script := ip + ` route del prohibit 169.254.0.0/16 2>/dev/null && echo LEAK-deleted
unshare -Ur ` + ip + ` route del prohibit 169.254.0.0/16 2>/dev/null && echo LEAK-deleted-in-userns
` + ip + ` route add 169.254.169.254/32 via ` + slirpGateway + ` 2>/dev/null && echo LEAK-added
` + ip + ` route show | grep -c prohibit`
	res, err := r.Run(context.Background(), Command{Args: []string{"sh", "-c", script}, Network: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stdout %q, stderr %q", res.Stdout, res.Stderr)
	if out := strings.TrimSpace(string(res.Stdout)); strings.Contains(out, "LEAK") || out == "0" {
		t.Errorf("stdout = %q (stderr %q)", out, res.Stderr)
	}
}

// TestRegistryNetworkAllowedHost: a host the operator allows gets a route
// exception (its connection is not refused by the route) and a hosts line.
func TestRegistryNetworkAllowedHost(t *testing.T) {
	needBash(t)
	t.Setenv("SYMPOSIUM_FETCH_ALLOW_HOSTS", "192.168.77.1")
	r := newRunner(t, ModeBwrap, DefaultLimits())
	res, err := r.Run(context.Background(), Command{
		Args:    []string{"bash", "-c", connectScript + "\ngrep -c '^192.168.77.1 192.168.77.1$' /etc/hosts", "bash", "192.168.77.1:80", "192.168.77.2:80"},
		Network: true, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Stdout)
	t.Logf("%s", out)
	if l := lineFor(out, "192.168.77.1:80"); strings.Contains(l, "Permission denied") || strings.Contains(l, "unreachable") {
		t.Errorf("allowed host refused by the routes: %q", l)
	}
	if l := lineFor(out, "192.168.77.2:80"); !strings.Contains(l, "Permission denied") {
		t.Errorf("a neighbour of the allowed host: %q", l)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "\n1") {
		t.Errorf("no hosts line for the allowed host:\n%s", out)
	}
}

// TestRegistryNetworkFailsClosed: without slirp4netns, Network=true is an
// error, never the host's network; the rest keeps working.
func TestRegistryNetworkFailsClosed(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bwrap", "prlimit", "unshare", "ip", "sh", "true", "setpriv"} {
		if p, err := exec.LookPath(tool); err == nil {
			if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("PATH", bin)
	r := newRunner(t, ModeBwrap, DefaultLimits())
	_, err := r.Run(context.Background(), Command{Args: []string{"true"}, Network: true})
	if !errors.Is(err, ErrNoUserNetwork) || !strings.Contains(err.Error(), "slirp4netns") {
		t.Fatalf("err = %v, want ErrNoUserNetwork naming slirp4netns", err)
	}
	if res, err := r.Run(context.Background(), Command{Args: []string{"true"}}); err != nil || res.ExitCode != 0 {
		t.Fatalf("without network: %v, exit %d", err, res.ExitCode)
	}
}

// TestBuildSandboxHasNoNetwork: Network=false reaches nothing, not even a
// public address (which, without a route, fails at once).
func TestBuildSandboxHasNoNetwork(t *testing.T) {
	needBash(t)
	r := newRunner(t, ModeBwrap, DefaultLimits())
	listener, accepted := listen(t)
	targets := []string{listener, redisAddr(), "1.1.1.1:443", "10.0.2.2:80"}
	res, err := r.Run(context.Background(), Command{Args: append([]string{"bash", "-c", connectScript, "bash"}, targets...)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range targets {
		if l := lineFor(string(res.Stdout), a); l == "" || strings.HasSuffix(l, " open") {
			t.Errorf("%s: %q", a, l)
		}
	}
	if n := accepted(); n != 0 {
		t.Errorf("listener accepted %d", n)
	}
}

// TestRegistryNetworkResolves: names resolve through slirp4netns's DNS
// forwarder. It needs a name the host itself resolves, so it skips where the
// host has no DNS.
func TestRegistryNetworkResolves(t *testing.T) {
	const name = "proxy.golang.org" // the Go module proxy, reachable wherever tests build
	if _, err := net.LookupHost(name); err != nil {
		t.Skipf("the host cannot resolve %s: %v", name, err)
	}
	r := newRunner(t, ModeBwrap, DefaultLimits())
	res, err := r.Run(context.Background(), Command{Args: []string{"getent", "hosts", name}, Network: true})
	if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), name) {
		t.Fatalf("getent hosts %s: err %v, exit %d, stdout %q, stderr %q", name, err, res.ExitCode, res.Stdout, res.Stderr)
	}
}
