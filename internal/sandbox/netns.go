package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/symposium-dev/symposium/internal/netpolicy"
)

// The addresses slirp4netns gives the private network: the command's
// interface, the gateway (the host's loopback unless disabled, which it is)
// and the DNS forwarder.
const (
	slirpGateway = "10.0.2.2"
	slirpDNS     = "10.0.2.3"
	slirpDevice  = "tap0"
)

// ErrNoUserNetwork is returned (wrapped) by Run for a Command with Network
// set when the user-mode network it needs cannot be set up. Run never falls
// back to the host's network.
var ErrNoUserNetwork = errors.New("sandbox: no user-mode network for the registry network")

// registryNet is what Network=true needs on the host: slirp4netns for the
// user-mode network, unshare(1) for the network namespace the routes live
// in, and ip(8) to add them.
type registryNet struct {
	slirp, unshare, ip string
	policy             netpolicy.Policy
}

// findRegistryNet looks the tools up; the error says what to install.
func findRegistryNet() (*registryNet, error) {
	var n registryNet
	var missing []string
	for _, t := range []struct {
		name, pkg string
		dst       *string
	}{{"slirp4netns", "slirp4netns", &n.slirp}, {"unshare", "util-linux", &n.unshare}, {"ip", "iproute2", &n.ip}} {
		p, err := exec.LookPath(t.name)
		if err != nil {
			missing = append(missing, t.name+" (Debian package "+t.pkg+")")
			continue
		}
		*t.dst = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: install %s", ErrNoUserNetwork, strings.Join(missing, ", "))
	}
	n.policy = netpolicy.FromEnv()
	return &n, nil
}

// netScript runs first in the command's fresh user and network namespaces,
// as root of that user namespace: it says it is ready (fd 4), waits for the
// host to attach slirp4netns (fd 3), adds the routes that make internal
// ranges unreachable, confirms, and only then starts bwrap. The command
// inside bwrap runs in a user namespace nested in this one, without
// capabilities here, so it cannot change the routes.
const netScript = `ip=$1 routes=$2; shift 2
echo ready >&4
read -r _ <&3 || exit 125
"$ip" -batch - <<ROUTES || exit 125
$routes
ROUTES
echo ok >&4
exec 3<&- 4>&-
exec "$@"`

// netRun is the registry network of one command.
type netRun struct {
	n      *registryNet
	dir    string   // holds resolv.conf and hosts for the sandbox
	routes []string // ip -batch commands
	slirp  *exec.Cmd
	// gate (host end of fd 3) releases the script; ready (host end of fd 4)
	// hears from it. The child ends are closed once the command started.
	gate, ready       *os.File
	gateChild, readyC *os.File
}

// prepare resolves the operator's allowed hosts and writes the sandbox's
// resolv.conf and hosts files.
func (n *registryNet) prepare(ctx context.Context) (*netRun, error) {
	nr := &netRun{n: n}
	for _, p := range netpolicy.InternalPrefixes() {
		if p.Addr().Is4() {
			nr.routes = append(nr.routes, "route add prohibit "+p.String())
		}
	}
	hosts := "127.0.0.1 localhost\n::1 localhost\n"
	resolver := n.policy.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	for _, h := range n.policy.AllowHosts {
		addrs, err := resolver.LookupNetIP(ctx, "ip4", h)
		if err != nil {
			slog.WarnContext(ctx, "sandbox: allowed host does not resolve", "host", h, "err", err)
			continue
		}
		for _, a := range addrs {
			a = a.Unmap()
			if a.IsLoopback() || a.IsUnspecified() {
				slog.WarnContext(ctx, "sandbox: allowed host is on the worker itself; the registry network cannot reach it", "host", h, "addr", a)
				continue
			}
			if netpolicy.Internal(a) {
				nr.routes = append(nr.routes, "route add "+netip.PrefixFrom(a, 32).String()+" via "+slirpGateway+" dev "+slirpDevice)
			}
			hosts += a.String() + " " + h + "\n"
		}
	}
	dir, err := os.MkdirTemp("", "symposium-net-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	nr.dir = dir
	files := map[string]string{"resolv.conf": "nameserver " + slirpDNS + "\n", "hosts": hosts}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			nr.close()
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		nr.close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return nr, nil
}

// argv prefixes the bwrap command line with the namespace and routes.
func (nr *netRun) argv(bwrap []string) []string {
	argv := []string{nr.n.unshare, "--user", "--map-root-user", "--net", "--",
		"/bin/sh", "-c", netScript, "sh", nr.n.ip, strings.Join(nr.routes, "\n")}
	return append(argv, bwrap...)
}

// files returns the sandbox-side /etc files replacing the host's.
func (nr *netRun) files() map[string]string {
	return map[string]string{
		"/etc/resolv.conf": filepath.Join(nr.dir, "resolv.conf"),
		"/etc/hosts":       filepath.Join(nr.dir, "hosts"),
	}
}

// pipes makes fds 3 and 4 of the command.
func (nr *netRun) pipes(cmd *exec.Cmd) error {
	gr, gw, err := os.Pipe()
	if err != nil {
		return err
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		gr.Close()
		gw.Close()
		return err
	}
	nr.gate, nr.gateChild, nr.ready, nr.readyC = gw, gr, rr, rw
	cmd.ExtraFiles = []*os.File{gr, rw}
	return nil
}

// start attaches slirp4netns to the started command pid and lets the script
// add its routes; it returns once they are in place.
func (nr *netRun) start(ctx context.Context, pid int) error {
	nr.gateChild.Close()
	nr.readyC.Close()
	lines := make(chan string, 2)
	go func() {
		sc := bufio.NewScanner(nr.ready)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if err := expect(ctx, lines, "ready"); err != nil {
		return err
	}
	sr, sw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoUserNetwork, err)
	}
	defer sr.Close()
	args := []string{"--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp", "--ready-fd=3"}
	args = append(args, strconv.Itoa(pid), slirpDevice)
	slirp := exec.Command(nr.n.slirp, args...)
	slirp.ExtraFiles = []*os.File{sw}
	var slirpErr strings.Builder
	slirp.Stderr = &limitedWriter{w: &slirpErr, n: 4096}
	slirp.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := slirp.Start(); err != nil {
		sw.Close()
		return fmt.Errorf("%w: start slirp4netns: %w", ErrNoUserNetwork, err)
	}
	sw.Close()
	nr.slirp = slirp
	readyc := make(chan error, 1)
	go func() {
		b := make([]byte, 1)
		_, err := io.ReadFull(sr, b)
		readyc <- err
	}()
	select {
	case err := <-readyc:
		if err != nil {
			return fmt.Errorf("%w: slirp4netns did not start: %s", ErrNoUserNetwork, strings.TrimSpace(slirpErr.String()))
		}
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrNoUserNetwork, ctx.Err())
	}
	if _, err := nr.gate.Write([]byte("go\n")); err != nil {
		return fmt.Errorf("%w: %w", ErrNoUserNetwork, err)
	}
	return expect(ctx, lines, "ok")
}

func expect(ctx context.Context, lines <-chan string, want string) error {
	select {
	case got, ok := <-lines:
		if !ok || got != want {
			return fmt.Errorf("%w: the network namespace was not set up (see the command's stderr)", ErrNoUserNetwork)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrNoUserNetwork, ctx.Err())
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%w: timed out setting up the network namespace", ErrNoUserNetwork)
	}
}

// close stops slirp4netns and removes the files.
func (nr *netRun) close() {
	for _, f := range []*os.File{nr.gate, nr.ready, nr.gateChild, nr.readyC} {
		if f != nil {
			f.Close()
		}
	}
	if nr.slirp != nil {
		_ = nr.slirp.Process.Kill()
		_ = nr.slirp.Wait()
	}
	if nr.dir != "" {
		_ = os.RemoveAll(nr.dir)
	}
}

// limitedWriter keeps the first n bytes.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}
