package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limit mechanisms, as reported by Mechanism and the
// symposium_sandbox_limit_mechanism metric.
const (
	// MechanismCgroup2 is a cgroup v2 subtree with the memory and pids
	// controllers delegated to the service: one cgroup per command.
	MechanismCgroup2 = "cgroup2"
	// MechanismCgroup1 is the cgroup v1 memory and pids hierarchies,
	// writable by the service (root): one cgroup per command in each.
	MechanismCgroup1 = "cgroup1"
	// MechanismRlimit is per-process rlimits only, for a service that does
	// not run as root: RLIMIT_NPROC holds (for the service's user as a
	// whole), memory is bounded per process.
	MechanismRlimit = "rlimit"
	// MechanismUnprivileged is for a root service without a usable cgroup:
	// the command runs as an unprivileged host uid (SandboxUID) inside its
	// user namespace, so that RLIMIT_NPROC holds; memory is bounded per
	// process.
	MechanismUnprivileged = "unprivileged-uid"
)

// cgroupFS is the file system the cgroup code reads and writes: the
// kernel's cgroupfs (hostFS), or a fake one in tests.
type cgroupFS interface {
	ReadFile(name string) ([]byte, error)
	WriteFile(name, data string) error
	Mkdir(name string) error
	Remove(name string) error
}

// hostFS is the real cgroupfs.
type hostFS struct{}

func (hostFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }
func (hostFS) WriteFile(name, data string) error    { return os.WriteFile(name, []byte(data), 0) }
func (hostFS) Mkdir(name string) error              { return os.Mkdir(name, 0o755) }
func (hostFS) Remove(name string) error             { return os.Remove(name) }

// cgroupEnv is where the cgroups of this process are looked for.
type cgroupEnv struct {
	// proc holds this process's mountinfo and cgroup files: "/proc/self".
	proc string
	// root is put before every mount point mountinfo names: "" on the host,
	// a fake cgroupfs's directory in tests.
	root string
	fs   cgroupFS
}

// hostCgroupEnv is this process's own view of the host.
var hostCgroupEnv = cgroupEnv{proc: "/proc/self", fs: hostFS{}}

// cgroupSys is the cgroup layout found on this host, shared by every runner
// of the process.
type cgroupSys struct {
	fs      cgroupFS
	version int // 1 or 2
	// v2: the directory holding the per-command cgroups.
	dir string
	// v1: the parent directories in the memory and pids hierarchies.
	memDir, pidsDir string
}

var (
	cgroupOnce  sync.Once
	cgroupFound *cgroupSys
	cgroupWhy   error // why no cgroup is used, for the log
	cgroupSeq   atomic.Int64
)

// hostCgroups finds, once per process, a cgroup subtree this process may use
// to bound each command: v2 with memory and pids delegated, else v1 memory
// and pids hierarchies it can write. It returns nil when there is none.
func hostCgroups() (*cgroupSys, error) {
	cgroupOnce.Do(func() {
		cgroupFound, cgroupWhy = findCgroups(hostCgroupEnv)
	})
	return cgroupFound, cgroupWhy
}

// findCgroups looks for the cgroups of env: v2 first, then v1.
func findCgroups(env cgroupEnv) (*cgroupSys, error) {
	mounts, err := cgroupMounts(filepath.Join(env.proc, "mountinfo"))
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups(filepath.Join(env.proc, "cgroup"))
	if err != nil {
		return nil, err
	}
	dir := func(m cgroupMount, path string) string { return filepath.Join(env.root, m.dir(path)) }
	var errs []error
	if m, ok := mounts["cgroup2"]; ok {
		cg, err := cgroup2At(env.fs, dir(m, own["0:"]))
		if err == nil {
			return cg, nil
		}
		errs = append(errs, fmt.Errorf("cgroup v2: %w", err))
	}
	mem, okMem := mounts["memory"]
	pids, okPids := mounts["pids"]
	if okMem && okPids {
		cg := &cgroupSys{fs: env.fs, version: 1, memDir: dir(mem, own["memory"]), pidsDir: dir(pids, own["pids"])}
		if err := cg.try(); err != nil {
			errs = append(errs, fmt.Errorf("cgroup v1: %w", err))
		} else {
			return cg, nil
		}
	} else {
		errs = append(errs, errors.New("cgroup v1: memory and pids hierarchies not both mounted"))
	}
	return nil, errors.Join(errs...)
}

// cgroupMount is one mounted cgroup hierarchy.
type cgroupMount struct{ point, root string }

// dir is the directory of the cgroup at path (as /proc/self/cgroup gives it).
func (m cgroupMount) dir(path string) string {
	rel := strings.TrimPrefix(path, m.root)
	if m.root == "/" {
		rel = path
	}
	return filepath.Join(m.point, rel)
}

// cgroupMounts maps "cgroup2" and each v1 controller to its mount, as the
// mountinfo file names them.
func cgroupMounts(mountinfo string) (map[string]cgroupMount, error) {
	b, err := os.ReadFile(mountinfo)
	if err != nil {
		return nil, err
	}
	out := map[string]cgroupMount{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// id parent major:minor root point options [optional...] - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		m := cgroupMount{root: f[3], point: f[4]}
		switch g[0] {
		case "cgroup2":
			if _, dup := out["cgroup2"]; !dup {
				out["cgroup2"] = m
			}
		case "cgroup":
			for _, opt := range strings.Split(g[2], ",") {
				if opt == "memory" || opt == "pids" {
					out[opt] = m
				}
			}
		}
	}
	return out, sc.Err()
}

// ownCgroups maps "0:" (v2) and each v1 controller to this process's
// cgroup, as the file (/proc/self/cgroup) names them.
func ownCgroups(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			out["0:"] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, nil
}

// cgroup2At prepares dir, this process's v2 cgroup, to hold per-command
// cgroups: memory and pids must be available, and enabled for children. A
// cgroup with processes cannot enable controllers for its children, so this
// process first moves itself into a leaf "symposium-service" below dir.
func cgroup2At(fsys cgroupFS, dir string) (*cgroupSys, error) {
	ctrl, err := fsys.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	have := strings.Fields(string(ctrl))
	for _, want := range []string{"memory", "pids"} {
		if !containsString(have, want) {
			return nil, fmt.Errorf("%s: controller %s not delegated (have %q)", dir, want, have)
		}
	}
	enable := func() error {
		return fsys.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), "+memory +pids")
	}
	if err := enable(); err != nil {
		if !errors.Is(err, syscall.EBUSY) {
			return nil, fmt.Errorf("%s: enable memory and pids: %w", dir, err)
		}
		leaf := filepath.Join(dir, "symposium-service")
		if err := fsys.Mkdir(leaf); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if err := fsys.WriteFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
			return nil, fmt.Errorf("%s: move the service into a leaf cgroup: %w", dir, err)
		}
		if err := enable(); err != nil {
			return nil, fmt.Errorf("%s: enable memory and pids (other processes in it?): %w", dir, err)
		}
	}
	cg := &cgroupSys{fs: fsys, version: 2, dir: dir}
	if err := cg.try(); err != nil {
		return nil, err
	}
	return cg, nil
}

// try creates a cgroup, moves a short-lived process into it and removes it:
// what every command needs.
func (cs *cgroupSys) try() error {
	g, err := cs.create(Limits{TotalMemoryBytes: 1 << 30, MaxProcs: 64})
	if err != nil {
		return err
	}
	p := exec.Command("sleep", "60")
	if err := p.Start(); err != nil {
		return errors.Join(fmt.Errorf("sandbox: start a probe process: %w", err), g.remove())
	}
	addErr := g.add(p.Process.Pid)
	_ = p.Process.Kill()
	_ = p.Wait()
	return errors.Join(addErr, g.remove())
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cgroup is the cgroup (v2) or pair of cgroups (v1) of one command.
type cgroup struct {
	fs      cgroupFS
	version int
	dirs    []string // v2: one; v1: memory, pids
}

// create makes a new cgroup with the limits' total memory and process count.
func (cs *cgroupSys) create(l Limits) (*cgroup, error) {
	name := fmt.Sprintf("symposium-%d-%d", os.Getpid(), cgroupSeq.Add(1))
	g := &cgroup{fs: cs.fs, version: cs.version}
	if cs.version == 2 {
		g.dirs = []string{filepath.Join(cs.dir, name)}
	} else {
		g.dirs = []string{filepath.Join(cs.memDir, name), filepath.Join(cs.pidsDir, name)}
	}
	for _, d := range g.dirs {
		if err := g.fs.Mkdir(d); err != nil {
			_ = g.remove()
			return nil, fmt.Errorf("sandbox: create cgroup: %w", err)
		}
	}
	var settings [][2]string
	mem := "max"
	if l.TotalMemoryBytes > 0 {
		mem = strconv.FormatInt(l.TotalMemoryBytes, 10)
	}
	procs := "max"
	if l.MaxProcs > 0 {
		procs = strconv.Itoa(l.MaxProcs)
	}
	if cs.version == 2 {
		settings = [][2]string{
			{"memory.max", mem}, {"memory.swap.max", "0"}, {"memory.oom.group", "1"}, {"pids.max", procs},
		}
	} else if l.TotalMemoryBytes > 0 {
		settings = [][2]string{
			{"memory.limit_in_bytes", mem}, {"memory.memsw.limit_in_bytes", mem}, {"memory.swappiness", "0"},
		}
	}
	for _, s := range settings {
		if err := g.fs.WriteFile(filepath.Join(g.dirs[0], s[0]), s[1]); err != nil {
			if s[0] == "memory.swap.max" || s[0] == "memory.memsw.limit_in_bytes" || s[0] == "memory.swappiness" {
				continue // no swap accounting on this kernel: no swap to escape to either
			}
			_ = g.remove()
			return nil, fmt.Errorf("sandbox: cgroup limit %s: %w", s[0], err)
		}
	}
	if cs.version == 1 {
		if err := g.fs.WriteFile(filepath.Join(g.dirs[1], "pids.max"), procs); err != nil {
			_ = g.remove()
			return nil, fmt.Errorf("sandbox: cgroup limit pids.max: %w", err)
		}
	}
	return g, nil
}

// add moves process pid (not yet running the command) into the cgroup.
func (g *cgroup) add(pid int) error {
	for _, d := range g.dirs {
		if err := g.fs.WriteFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("sandbox: join cgroup: %w", err)
		}
	}
	return nil
}

// outcome reports whether the kernel killed a process for memory and whether
// a fork failed for the process limit.
func (g *cgroup) outcome() (oomKilled, procLimit bool) {
	if g.version == 2 {
		return eventCount(g.fs, filepath.Join(g.dirs[0], "memory.events"), "oom_kill") > 0,
			eventCount(g.fs, filepath.Join(g.dirs[0], "pids.events"), "max") > 0
	}
	return eventCount(g.fs, filepath.Join(g.dirs[0], "memory.oom_control"), "oom_kill") > 0,
		eventCount(g.fs, filepath.Join(g.dirs[1], "pids.events"), "max") > 0
}

// eventCount reads "key N" from a cgroup's flat-keyed file.
func eventCount(fsys cgroupFS, file, key string) int64 {
	b, err := fsys.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// kill kills every process left in the cgroup.
func (g *cgroup) kill() {
	if g.version == 2 {
		if g.fs.WriteFile(filepath.Join(g.dirs[0], "cgroup.kill"), "1") == nil {
			return
		}
	}
	// v1 (or a v2 kernel before 5.14): kill what is listed until nothing is;
	// the pids limit bounds how many can appear meanwhile.
	for range 100 {
		pids := g.procs()
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (g *cgroup) procs() []int {
	var pids []int
	for _, d := range g.dirs {
		b, err := g.fs.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// remove kills what is left in the cgroup and deletes it.
func (g *cgroup) remove() error {
	g.kill()
	var errs []error
	for _, d := range g.dirs {
		var err error
		for range 200 { // the kernel frees a cgroup a moment after its last process exits
			err = g.fs.Remove(d)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("sandbox: remove cgroup: %w", err))
		}
	}
	return errors.Join(errs...)
}
