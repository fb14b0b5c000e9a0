package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// fakeCgroupFS is a cgroupfs kept in a directory, with the kernel's rules
// the cgroup code meets: mkdir creates the interface files of the
// controllers the parent enables (v2) or of the hierarchy (v1); a file that
// does not exist cannot be created; cgroup.subtree_control refuses to
// enable a controller the cgroup does not have (EINVAL) or, with processes
// in the cgroup, any (EBUSY); a pid written to cgroup.procs ("0": the
// writer) leaves its former cgroup of the hierarchy; rmdir refuses a cgroup
// with live processes or children (EBUSY); cgroup.kill kills what the
// cgroup holds (never the test itself). Every write is logged.
type fakeCgroupFS struct {
	root string
	// v1 maps the directories (relative to root) of v1 hierarchies to
	// their controller, "memory" or "pids".
	v1 map[string]string
	// noSwap: the kernel has no swap accounting (memory.swap.max and
	// memory.memsw.limit_in_bytes are absent).
	noSwap bool
	// denied lists files the service may not write (by the end of their
	// path): a subtree not delegated to it.
	denied []string

	mu     sync.Mutex
	writes []string // "rel/path=value"
}

func (f *fakeCgroupFS) rel(name string) string {
	r, err := filepath.Rel(f.root, name)
	if err != nil || strings.HasPrefix(r, "..") {
		panic(fmt.Sprintf("fake cgroupfs: %s is outside %s", name, f.root))
	}
	return filepath.ToSlash(r)
}

// hierarchy returns the v1 controller of the hierarchy holding rel, or ""
// for the v2 one.
func (f *fakeCgroupFS) hierarchy(rel string) string {
	for dir, c := range f.v1 {
		if rel == dir || strings.HasPrefix(rel, dir+"/") {
			return c
		}
	}
	return ""
}

func (f *fakeCgroupFS) ReadFile(name string) ([]byte, error) {
	f.rel(name)
	b, err := os.ReadFile(name)
	if err != nil || filepath.Base(name) != "cgroup.procs" {
		return b, err
	}
	return []byte(joinPids(livePids(b))), nil
}

func (f *fakeCgroupFS) WriteFile(name, data string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	rel := f.rel(name)
	f.writes = append(f.writes, rel+"="+data)
	fail := func(errno syscall.Errno) error { return &fs.PathError{Op: "write", Path: name, Err: errno} }
	for _, d := range f.denied {
		if strings.HasSuffix(rel, d) {
			return fail(syscall.EACCES)
		}
	}
	if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
		return fail(syscall.ENOENT) // cgroupfs creates no file
	}
	dir := filepath.Dir(name)
	switch filepath.Base(name) {
	case "cgroup.subtree_control":
		have, _ := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
		enabled := strings.Fields(readString(name))
		for _, op := range strings.Fields(data) {
			c := op[1:]
			if !slices.Contains(strings.Fields(string(have)), c) {
				return fail(syscall.EINVAL)
			}
			if op[0] == '+' && !slices.Contains(enabled, c) {
				enabled = append(enabled, c)
			}
		}
		if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); len(livePids(procs)) > 0 {
			return fail(syscall.EBUSY) // no internal processes
		}
		return os.WriteFile(name, []byte(strings.Join(enabled, " ")), 0o644)
	case "cgroup.procs":
		pid, err := strconv.Atoi(strings.TrimSpace(data))
		if err != nil {
			return fail(syscall.EINVAL)
		}
		if pid == 0 {
			pid = os.Getpid()
		}
		h := f.hierarchy(rel)
		_ = filepath.WalkDir(f.root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "cgroup.procs" && p != name && f.hierarchy(f.rel(p)) == h {
				b, _ := os.ReadFile(p)
				kept := slices.DeleteFunc(livePids(b), func(q int) bool { return q == pid })
				_ = os.WriteFile(p, []byte(joinPids(kept)), 0o644)
			}
			return nil
		})
		b, _ := os.ReadFile(name)
		return os.WriteFile(name, []byte(joinPids(append(livePids(b), pid))), 0o644)
	case "cgroup.kill":
		b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		for _, pid := range livePids(b) {
			if pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		return nil
	}
	return os.WriteFile(name, []byte(data), 0o644)
}

func (f *fakeCgroupFS) Mkdir(name string) error {
	rel := f.rel(name)
	if err := os.Mkdir(name, 0o755); err != nil {
		return err
	}
	files := map[string]string{"cgroup.procs": ""}
	switch f.hierarchy(rel) {
	case "memory":
		files["memory.limit_in_bytes"], files["memory.swappiness"], files["memory.oom_control"] = "", "", "oom_kill 0\n"
		if !f.noSwap {
			files["memory.memsw.limit_in_bytes"] = ""
		}
	case "pids":
		files["pids.max"], files["pids.events"] = "max", "max 0\n"
	default:
		enabled := strings.Fields(readString(filepath.Join(filepath.Dir(name), "cgroup.subtree_control")))
		files["cgroup.controllers"], files["cgroup.subtree_control"], files["cgroup.kill"] = strings.Join(enabled, " "), "", ""
		if slices.Contains(enabled, "memory") {
			files["memory.max"], files["memory.oom.group"], files["memory.events"] = "max", "0", "oom_kill 0\n"
			if !f.noSwap {
				files["memory.swap.max"] = "max"
			}
		}
		if slices.Contains(enabled, "pids") {
			files["pids.max"], files["pids.events"] = "max", "max 0\n"
		}
	}
	for n, content := range files {
		if err := os.WriteFile(filepath.Join(name, n), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeCgroupFS) Remove(name string) error {
	f.rel(name)
	entries, err := os.ReadDir(name)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			return &fs.PathError{Op: "rmdir", Path: name, Err: syscall.EBUSY}
		}
	}
	if procs, _ := os.ReadFile(filepath.Join(name, "cgroup.procs")); len(livePids(procs)) > 0 {
		return &fs.PathError{Op: "rmdir", Path: name, Err: syscall.EBUSY}
	}
	return os.RemoveAll(name)
}

// wrote reports whether rel was written with value.
func (f *fakeCgroupFS) wrote(rel, value string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.writes, rel+"="+value)
}

func readString(name string) string {
	b, _ := os.ReadFile(name)
	return string(b)
}

// livePids parses a cgroup.procs file and keeps the processes that have
// not exited: the kernel drops a process from its cgroup when it exits.
func livePids(b []byte) []int {
	var out []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		if _, after, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(after, "Z") {
			continue
		}
		out = append(out, pid)
	}
	return out
}

func joinPids(pids []int) string {
	var b strings.Builder
	for _, p := range pids {
		b.WriteString(strconv.Itoa(p) + "\n")
	}
	return b.String()
}
