package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cgroupRunner returns a runner whose limits are a cgroup, or skips the test
// where this host has none usable (not root, no delegation).
func cgroupRunner(t *testing.T, mode string, limits Limits) Runner {
	t.Helper()
	r := newRunner(t, mode, limits)
	if m := Mechanism(r); m != MechanismCgroup1 && m != MechanismCgroup2 {
		_, why := hostCgroups()
		t.Skipf("no usable cgroup here (mechanism %q): %v", m, why)
	}
	t.Logf("mechanism %s", Mechanism(r))
	return r
}

// peakProcesses counts, until stop is closed, the host processes whose
// command line is s, and returns the largest count seen.
func peakProcesses(s string, stop <-chan struct{}) <-chan int {
	out := make(chan int, 1)
	go func() {
		peak := 0
		for {
			n := 0
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				if err == nil && strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")) == s {
					n++
				}
			}
			peak = max(peak, n)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return out
}

var markerSeq atomic.Int64

func marker() string {
	return fmt.Sprintf("%d%d", 880000+time.Now().UnixNano()%99999, markerSeq.Add(1))
}

// forkBomb starts 100 sleeping processes and then waits for them.
// forkBomb starts 100 sleeps marked m. It runs under bash, which retries
// a fork the limit refuses until the timeout, so the processes that did
// start stay up for peakProcesses to count; dash exits at the first
// refused fork, and a fast machine then ends the whole bomb before the
// first sample.
func forkBomb(m string) Command {
	return Command{
		Args:    []string{"bash", "-c", `i=0; while [ $i -lt 100 ]; do sleep ` + m + ` & i=$((i+1)); done 2>/dev/null; wait`},
		Timeout: 2 * time.Second,
	}
}

func TestForkBombBoundedByCgroup(t *testing.T) {
	const maxProcs = 40
	for _, mode := range []string{ModeBwrap, ModeNone} {
		t.Run(mode, func(t *testing.T) {
			r := cgroupRunner(t, mode, Limits{MaxProcs: maxProcs})
			m := marker()
			stop := make(chan struct{})
			peak := peakProcesses("sleep "+m, stop)
			res, err := r.Run(context.Background(), forkBomb(m))
			close(stop)
			if err != nil && !errors.Is(err, ErrTimeout) {
				t.Fatalf("Run: %v", err)
			}
			if p := <-peak; p >= maxProcs {
				t.Errorf("%d processes ran at once, limit %d", p, maxProcs)
			} else if p == 0 {
				t.Errorf("the fork bomb started nothing (stderr %q)", res.Stderr)
			}
			if !res.ProcLimitReached || !errors.Is(res.LimitError(), ErrProcLimit) {
				t.Errorf("ProcLimitReached = %v, LimitError %v", res.ProcLimitReached, res.LimitError())
			}
			assertNoProcess(t, "sleep "+m)
		})
	}
}

func TestTotalMemoryBoundedByCgroup(t *testing.T) {
	if _, err := exec.LookPath("perl"); err != nil {
		t.Skip("perl not installed")
	}
	// 3 processes of 60 MB each under a total of 100 MiB: each alone fits,
	// together they do not. No per-process limit is set.
	r := cgroupRunner(t, ModeBwrap, Limits{TotalMemoryBytes: 100 << 20})
	hog := `perl -e 'my $n = 60000000; my $x = "a" x $n; print "held\n"; sleep 2'`
	tests := []struct {
		name  string
		procs int
		oom   bool
	}{
		{"one process fits", 1, false},
		{"three processes exceed the total", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := strings.Repeat(hog+" & ", tt.procs) + "wait"
			res, err := r.Run(context.Background(), Command{Args: []string{"sh", "-c", script}, Timeout: 60 * time.Second})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			held := strings.Count(string(res.Stdout), "held")
			if res.OOMKilled != tt.oom {
				t.Errorf("OOMKilled = %v, want %v (%d held; stderr %q)", res.OOMKilled, tt.oom, held, res.Stderr)
			}
			if tt.oom && held == tt.procs {
				t.Errorf("all %d processes held their memory at once", held)
			}
			if !tt.oom && held != tt.procs {
				t.Errorf("held %d, want %d (stderr %q)", held, tt.procs, res.Stderr)
			}
			if tt.oom && !errors.Is(res.LimitError(), ErrMemoryLimit) {
				t.Errorf("LimitError = %v", res.LimitError())
			}
		})
	}
}

// TestTimeoutKillsEscapedProcesses: without bwrap, a process that left the
// process group and session survives the group kill; the cgroup kills it.
func TestTimeoutKillsEscapedProcesses(t *testing.T) {
	r := cgroupRunner(t, ModeNone, Limits{MaxProcs: 64})
	m := marker()
	_, err := r.Run(context.Background(), Command{
		Args:    []string{"sh", "-c", "setsid sleep " + m + " & sleep " + m},
		Timeout: time.Second,
	})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	assertNoProcess(t, "sleep "+m)
}

// TestCgroupsRemoved: every command's cgroup is gone after Run.
func TestCgroupsRemoved(t *testing.T) {
	r := cgroupRunner(t, ModeBwrap, Limits{MaxProcs: 64, TotalMemoryBytes: 1 << 30})
	cs, _ := hostCgroups()
	dirs := []string{cs.dir, cs.memDir, cs.pidsDir}
	count := func() int {
		n := 0
		for _, d := range dirs {
			if d == "" {
				continue
			}
			m, _ := filepath.Glob(filepath.Join(d, fmt.Sprintf("symposium-%d-*", os.Getpid())))
			n += len(m)
		}
		return n
	}
	if _, err := r.Run(context.Background(), Command{Args: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d cgroups left behind", n)
	}
}

// TestUnprivilegedUIDBoundsProcesses forces the fallback for a root service
// without cgroups: bwrap runs as an unprivileged uid, so RLIMIT_NPROC holds.
func TestUnprivilegedUIDBoundsProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the fallback is for a root service")
	}
	const maxProcs = 30
	rr := newRunner(t, ModeBwrap, Limits{MaxProcs: maxProcs, SandboxUID: 65533}).(*runner)
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv not installed")
	}
	rr.cgroups, rr.setpriv, rr.mechanism = nil, setpriv, MechanismUnprivileged

	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil { // let the uid reach it
		t.Fatal(err)
	}
	res, err := rr.Run(context.Background(), Command{
		Args: []string{"sh", "-c", "echo ok > out && id -u"}, Dir: dir, Writable: []string{dir},
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("write the writable dir: err %v, exit %d, stderr %q", err, res.ExitCode, res.Stderr)
	}

	res, err = rr.Run(context.Background(), Command{Args: []string{"true"}, Network: true})
	if err != nil || res.ExitCode != 0 {
		t.Errorf("registry network as the unprivileged uid: err %v, exit %d, stderr %q", err, res.ExitCode, res.Stderr)
	}

	m := marker()
	stop := make(chan struct{})
	peak := peakProcesses("sleep "+m, stop)
	_, err = rr.Run(context.Background(), forkBomb(m))
	close(stop)
	if err != nil && !errors.Is(err, ErrTimeout) {
		t.Fatalf("Run: %v", err)
	}
	if p := <-peak; p >= maxProcs || p == 0 {
		t.Errorf("%d processes ran at once, limit %d", p, maxProcs)
	}
	assertNoProcess(t, "sleep "+m)
}

func TestCheckTree(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), make([]byte, 100), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := t.TempDir()
	if err := os.WriteFile(filepath.Join(big, "big"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symlink to a big tree counts as one entry of no bytes.
	if err := os.Symlink(big, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		maxFiles int
		maxBytes int64
		wantErr  bool
	}{
		{"within", 6, 500, false},
		{"no caps", 0, 0, false},
		{"too many files", 5, 0, true},
		{"too many bytes", 0, 499, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := CheckTree(dir, tt.maxFiles, tt.maxBytes)
			if got := errors.Is(err, ErrTreeTooLarge); got != tt.wantErr {
				t.Fatalf("err = %v, want ErrTreeTooLarge: %v", err, tt.wantErr)
			}
			if !tt.wantErr && (u.Files != 6 || u.Bytes != 500) {
				t.Errorf("usage = %+v, want 6 files, 500 bytes", u)
			}
		})
	}
}

func TestCgroupMountDir(t *testing.T) {
	tests := []struct {
		m    cgroupMount
		path string
		want string
	}{
		{cgroupMount{point: "/sys/fs/cgroup", root: "/"}, "/", "/sys/fs/cgroup"},
		{cgroupMount{point: "/sys/fs/cgroup/memory", root: "/"}, "/a/b", "/sys/fs/cgroup/memory/a/b"},
		// a container without its own cgroup namespace sees host paths
		{cgroupMount{point: "/sys/fs/cgroup", root: "/docker/abc"}, "/docker/abc", "/sys/fs/cgroup"},
		{cgroupMount{point: "/sys/fs/cgroup", root: "/docker/abc"}, "/docker/abc/x", "/sys/fs/cgroup/x"},
	}
	for _, tt := range tests {
		if got := tt.m.dir(tt.path); got != tt.want {
			t.Errorf("%+v.dir(%q) = %q, want %q", tt.m, tt.path, got, tt.want)
		}
	}
}
