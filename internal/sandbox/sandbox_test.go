package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newRunner(t *testing.T, mode string, limits Limits) Runner {
	t.Helper()
	r, err := New(mode, limits)
	if err != nil {
		t.Fatalf("New(%q): %v", mode, err)
	}
	return r
}

func TestRunBasics(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghs_secret_from_the_service")
	for _, mode := range []string{ModeNone, ModeBwrap} {
		t.Run(mode, func(t *testing.T) {
			r := newRunner(t, mode, Limits{OutputBytes: 1000, MemoryBytes: 1 << 30, MaxProcs: 256})
			dir := t.TempDir()
			tests := []struct {
				name      string
				cmd       Command
				stdout    string
				exit      int
				truncated bool
			}{
				{name: "env is only the allow-list",
					cmd:    Command{Args: []string{"sh", "-c", "echo ${GITHUB_TOKEN:-absent} $KEEP"}, Env: []string{"KEEP=kept"}},
					stdout: "absent kept\n"},
				{name: "default PATH",
					cmd:    Command{Args: []string{"sh", "-c", "echo $PATH"}},
					stdout: DefaultPath + "\n"},
				{name: "exit code is a result",
					cmd:  Command{Args: []string{"sh", "-c", "exit 3"}},
					exit: 3},
				{name: "output is capped",
					cmd:       Command{Args: []string{"sh", "-c", "yes | head -c 100000"}},
					stdout:    strings.Repeat("y\n", 500),
					truncated: true},
				{name: "stdin and dir",
					cmd:    Command{Args: []string{"sh", "-c", "cat; pwd"}, Dir: dir, Writable: []string{dir}, Stdin: strings.NewReader("in\n")},
					stdout: "in\n" + dir + "\n"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					res, err := r.Run(context.Background(), tt.cmd)
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
					if got := string(res.Stdout); got != tt.stdout {
						t.Errorf("stdout = %.80q, want %.80q (stderr %q)", got, tt.stdout, res.Stderr)
					}
					if res.ExitCode != tt.exit || res.Truncated != tt.truncated {
						t.Errorf("exit, truncated = %d, %v; want %d, %v", res.ExitCode, res.Truncated, tt.exit, tt.truncated)
					}
				})
			}
		})
	}
}

func TestBwrapHidesTheHost(t *testing.T) {
	r := newRunner(t, ModeBwrap, DefaultLimits())
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	ro := t.TempDir()
	script := `cat ` + secret + ` 2>/dev/null && echo LEAK-secret
ls /work /root/.ssh 2>/dev/null && echo LEAK-dirs
touch ` + ro + `/x 2>/dev/null && echo LEAK-readonly-written
touch /usr/x 2>/dev/null && echo LEAK-usr-written
[ "$(ls /proc | grep -c '^[0-9]')" -lt 10 ] || echo LEAK-host-processes
[ "$(id -u)" = 1000 ] || echo LEAK-uid
echo done`
	res, err := r.Run(context.Background(), Command{Args: []string{"sh", "-c", script}, ReadOnly: []string{ro}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "done" {
		t.Errorf("stdout = %q, want only done (stderr %q)", got, res.Stderr)
	}
}

func TestTimeoutKillsProcessGroup(t *testing.T) {
	for _, mode := range []string{ModeNone, ModeBwrap} {
		t.Run(mode, func(t *testing.T) {
			r := newRunner(t, mode, DefaultLimits())
			marker := fmt.Sprintf("%d", 900000+time.Now().UnixNano()%99999)
			start := time.Now()
			_, err := r.Run(context.Background(), Command{
				Args:    []string{"sh", "-c", "sleep " + marker + " & sleep " + marker + "; echo never"},
				Timeout: 500 * time.Millisecond,
			})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("Run returned after %s", d)
			}
			assertNoProcess(t, "sleep "+marker)
		})
	}
}

func TestNewWithoutBwrap(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := New(ModeBwrap, Limits{})
	if err == nil || !strings.Contains(err.Error(), "apt-get install bubblewrap") {
		t.Fatalf("err = %v, want one naming the package", err)
	}
	if _, err := New("docker", Limits{}); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

// assertNoProcess fails when a host process's command line contains s,
// allowing the kernel a moment to finish killing.
func assertNoProcess(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		found := findProcess(s)
		if found == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %q still running: %s", s, found)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func findProcess(s string) string {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmdline, s) {
			return e.Name() + ": " + cmdline
		}
	}
	return ""
}

// listen opens a loopback listener and counts its connections.
func listen(t *testing.T) (addr string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n := make(chan int, 1)
	n <- 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n <- <-n + 1
			c.Close()
		}
	}()
	return ln.Addr().String(), func() int { v := <-n; n <- v; return v }
}
