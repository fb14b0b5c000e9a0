package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCgroupsOnAFakeCgroupfs runs the cgroup code against a fake cgroupfs
// (fakeCgroupFS) for the layouts this host cannot show: how v2 is found and
// prepared (delegated controllers, the move into a leaf), when it falls
// back to v1 or to nothing, and what a command's cgroup gets written
// (limits, the command's pid) and how it is removed. The v1 layout of the
// host itself is also exercised for real by the limit tests.
func TestCgroupsOnAFakeCgroupfs(t *testing.T) {
	const (
		v2       = "sys/fs/cgroup"
		service  = v2 + "/system.slice/symposium.service"
		unified  = v2 + "/unified"
		v1Memory = v2 + "/memory"
		v1Pids   = v2 + "/pids"
	)
	v2Mount := "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw"
	hybrid := []string{
		"31 23 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
		"35 23 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
		"39 23 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
		"40 23 0:37 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu",
	}
	v1Dirs := map[string]string{v1Memory: "memory", v1Pids: "pids"}
	me := strconv.Itoa(os.Getpid()) + "\n"
	tests := []struct {
		name      string
		mountinfo []string
		own       string                       // /proc/self/cgroup
		dirs      map[string]map[string]string // cgroups there before (relative dir → files)
		v1        map[string]string
		noSwap    bool
		denied    []string // files (by suffix) the service may not write
		// want: "2 <dir>", "1 <memory dir> <pids dir>" or "" for none.
		want       string
		wantErr    []string
		wantWrites []string
	}{{
		name:       "v2, memory and pids delegated to an empty cgroup (systemd Delegate=yes)",
		mountinfo:  []string{v2Mount},
		own:        "0::/system.slice/symposium.service\n",
		dirs:       map[string]map[string]string{service: {"cgroup.controllers": "cpu io memory pids", "cgroup.subtree_control": "", "cgroup.procs": ""}},
		want:       "2 " + service,
		wantWrites: []string{service + "/cgroup.subtree_control=+memory +pids"},
	}, {
		name:      "v2, the service in its cgroup: it moves into a leaf first",
		mountinfo: []string{v2Mount},
		own:       "0::/system.slice/symposium.service\n",
		dirs:      map[string]map[string]string{service: {"cgroup.controllers": "memory pids", "cgroup.subtree_control": "", "cgroup.procs": me}},
		want:      "2 " + service,
		wantWrites: []string{
			service + "/cgroup.subtree_control=+memory +pids", // EBUSY
			service + "/symposium-service/cgroup.procs=0",
		},
	}, {
		name:      "v2 at the root of a container's cgroup namespace",
		mountinfo: []string{v2Mount},
		own:       "0::/\n",
		dirs:      map[string]map[string]string{v2: {"cgroup.controllers": "memory pids", "cgroup.subtree_control": "", "cgroup.procs": ""}},
		want:      "2 " + v2,
	}, {
		name:      "v2 without swap accounting",
		mountinfo: []string{v2Mount},
		own:       "0::/system.slice/symposium.service\n",
		dirs:      map[string]map[string]string{service: {"cgroup.controllers": "memory pids", "cgroup.subtree_control": "", "cgroup.procs": ""}},
		noSwap:    true,
		want:      "2 " + service,
	}, {
		name:      "v2 without pids delegated, no v1: none",
		mountinfo: []string{v2Mount},
		own:       "0::/system.slice/symposium.service\n",
		dirs:      map[string]map[string]string{service: {"cgroup.controllers": "cpu memory", "cgroup.subtree_control": "", "cgroup.procs": ""}},
		wantErr:   []string{"controller pids not delegated", "memory and pids hierarchies not both mounted"},
	}, {
		name:      "v2 controllers listed but not delegated (subtree_control not writable): none",
		mountinfo: []string{v2Mount},
		own:       "0::/system.slice/symposium.service\n",
		dirs:      map[string]map[string]string{service: {"cgroup.controllers": "memory pids", "cgroup.subtree_control": "", "cgroup.procs": ""}},
		denied:    []string{"symposium.service/cgroup.subtree_control"},
		wantErr:   []string{"enable memory and pids", "permission denied"},
	}, {
		name:      "hybrid host (this one): v2 with hugetlb only, v1 memory and pids writable",
		mountinfo: hybrid,
		own:       "8:pids:/\n4:memory:/process_api/x\n1:cpu:/\n0::/\n",
		dirs: map[string]map[string]string{
			unified:                     {"cgroup.controllers": "hugetlb", "cgroup.subtree_control": "", "cgroup.procs": me},
			v1Memory + "/process_api/x": {"cgroup.procs": me},
			v1Pids:                      {"cgroup.procs": me},
		},
		v1:   v1Dirs,
		want: "1 " + v1Memory + "/process_api/x " + v1Pids,
	}, {
		name: "v1 in a container (the mounts' root is the container's cgroup)",
		mountinfo: []string{
			"35 23 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
			"39 23 0:36 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
		},
		own:    "8:pids:/docker/abc\n4:memory:/docker/abc\n",
		dirs:   map[string]map[string]string{v1Memory: {"cgroup.procs": me}, v1Pids: {"cgroup.procs": me}},
		v1:     v1Dirs,
		noSwap: true,
		want:   "1 " + v1Memory + " " + v1Pids,
	}, {
		name:      "v1 memory limits not writable: none",
		mountinfo: hybrid[1:],
		own:       "8:pids:/\n4:memory:/\n",
		dirs:      map[string]map[string]string{v1Memory: {"cgroup.procs": me}, v1Pids: {"cgroup.procs": me}},
		v1:        v1Dirs,
		denied:    []string{"memory.limit_in_bytes"},
		wantErr:   []string{"cgroup v1", "memory.limit_in_bytes"},
	}, {
		name:      "no cgroup mounted",
		mountinfo: []string{"22 1 8:1 / / rw - ext4 /dev/sda1 rw"},
		own:       "0::/\n",
		wantErr:   []string{"not both mounted"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			proc := filepath.Join(root, "proc")
			write := func(p, content string) {
				t.Helper()
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(proc, "mountinfo"), strings.Join(tt.mountinfo, "\n")+"\n")
			write(filepath.Join(proc, "cgroup"), tt.own)
			for dir, files := range tt.dirs {
				for n, c := range files {
					write(filepath.Join(root, dir, n), c)
				}
			}
			fake := &fakeCgroupFS{root: root, v1: tt.v1, noSwap: tt.noSwap, denied: tt.denied}

			cs, err := findCgroups(cgroupEnv{proc: proc, root: root, fs: fake})
			got := ""
			if cs != nil {
				rel := func(d string) string { r, _ := filepath.Rel(root, d); return filepath.ToSlash(r) }
				if cs.version == 2 {
					got = "2 " + rel(cs.dir)
				} else {
					got = "1 " + rel(cs.memDir) + " " + rel(cs.pidsDir)
				}
			}
			if got != tt.want {
				t.Fatalf("found %q (err %v), want %q", got, err, tt.want)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v does not say %q", err, w)
				}
			}
			for _, w := range tt.wantWrites {
				rel, value, _ := strings.Cut(w, "=")
				if !fake.wrote(rel, value) {
					t.Errorf("did not write %s; writes: %q", w, fake.writes)
				}
			}
			assertNoCommandCgroups(t, root) // the probe's cgroup is gone
			if cs == nil {
				return
			}
			if tt.name == "v2, the service in its cgroup: it moves into a leaf first" {
				if procs := readString(filepath.Join(root, service, "symposium-service", "cgroup.procs")); procs != me {
					t.Errorf("the leaf holds %q, want the service %q", procs, me)
				}
				if ctl := readString(filepath.Join(root, service, "cgroup.subtree_control")); ctl != "memory pids" {
					t.Errorf("subtree_control = %q after the move", ctl)
				}
			}
			checkCommandCgroup(t, fake, cs)
		})
	}
}

// checkCommandCgroup creates a command's cgroup with limits and without,
// puts a process in it, reads its events and removes it.
func checkCommandCgroup(t *testing.T, fake *fakeCgroupFS, cs *cgroupSys) {
	t.Helper()
	file := func(dir, name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "absent"
		}
		return string(b)
	}
	for _, l := range []Limits{{TotalMemoryBytes: 3 << 30, MaxProcs: 100}, {}} {
		g, err := cs.create(l)
		if err != nil {
			t.Fatalf("create %+v: %v", l, err)
		}
		mem, procs := strconv.FormatInt(l.TotalMemoryBytes, 10), strconv.Itoa(l.MaxProcs)
		if l.TotalMemoryBytes == 0 {
			mem, procs = "max", "max"
		}
		swap := "0"
		if fake.noSwap {
			swap = "absent"
		}
		if cs.version == 2 {
			d := g.dirs[0]
			if len(g.dirs) != 1 || filepath.Dir(d) != cs.dir {
				t.Fatalf("v2 command cgroup dirs %v, want one below %s", g.dirs, cs.dir)
			}
			got := map[string]string{"memory.max": file(d, "memory.max"), "memory.swap.max": file(d, "memory.swap.max"),
				"memory.oom.group": file(d, "memory.oom.group"), "pids.max": file(d, "pids.max")}
			want := map[string]string{"memory.max": mem, "memory.swap.max": swap, "memory.oom.group": "1", "pids.max": procs}
			compareFiles(t, l, got, want)
		} else {
			md, pd := g.dirs[0], g.dirs[1]
			if filepath.Dir(md) != cs.memDir || filepath.Dir(pd) != cs.pidsDir {
				t.Fatalf("v1 command cgroup dirs %v, want below %s and %s", g.dirs, cs.memDir, cs.pidsDir)
			}
			got := map[string]string{"memory.limit_in_bytes": file(md, "memory.limit_in_bytes"),
				"memory.memsw.limit_in_bytes": file(md, "memory.memsw.limit_in_bytes"), "memory.swappiness": file(md, "memory.swappiness"),
				"pids.max": file(pd, "pids.max")}
			want := map[string]string{"memory.limit_in_bytes": mem, "memory.memsw.limit_in_bytes": mem, "memory.swappiness": "0", "pids.max": procs}
			if l.TotalMemoryBytes == 0 { // no memory limit: nothing written
				want["memory.limit_in_bytes"], want["memory.memsw.limit_in_bytes"], want["memory.swappiness"] = "", "", ""
			}
			if fake.noSwap {
				want["memory.memsw.limit_in_bytes"] = "absent"
			}
			compareFiles(t, l, got, want)
		}

		p := exec.Command("sleep", "60")
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		if err := g.add(p.Process.Pid); err != nil {
			t.Fatalf("add: %v", err)
		}
		for _, d := range g.dirs {
			if procs := file(d, "cgroup.procs"); procs != strconv.Itoa(p.Process.Pid)+"\n" {
				t.Errorf("%s/cgroup.procs = %q, want the command's pid", d, procs)
			}
		}
		if oom, pl := g.outcome(); oom || pl {
			t.Errorf("outcome before any event: oom %v, procs %v", oom, pl)
		}
		if cs.version == 2 {
			_ = os.WriteFile(filepath.Join(g.dirs[0], "memory.events"), []byte("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"), 0o644)
			_ = os.WriteFile(filepath.Join(g.dirs[0], "pids.events"), []byte("max 3\n"), 0o644)
		} else {
			_ = os.WriteFile(filepath.Join(g.dirs[0], "memory.oom_control"), []byte("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 0o644)
			_ = os.WriteFile(filepath.Join(g.dirs[1], "pids.events"), []byte("max 1\n"), 0o644)
		}
		if oom, pl := g.outcome(); !oom || !pl {
			t.Errorf("outcome after the events: oom %v, procs %v", oom, pl)
		}

		done := make(chan error, 1)
		go func() { done <- p.Wait() }()
		if err := g.remove(); err != nil {
			t.Errorf("remove: %v", err)
		}
		if err := <-done; err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("the command's process: %v, want killed by the removal", err)
		}
		for _, d := range g.dirs {
			if _, err := os.Stat(d); !os.IsNotExist(err) {
				t.Errorf("%s left behind: %v", d, err)
			}
		}
		if cs.version == 2 && !fake.wrote(fake.rel(g.dirs[0])+"/cgroup.kill", "1") {
			t.Errorf("v2 removal did not use cgroup.kill: %q", fake.writes)
		}
	}
}

func compareFiles(t *testing.T, l Limits, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("limits %+v: %s = %q, want %q", l, k, got[k], w)
		}
	}
}

// assertNoCommandCgroups fails when a symposium-<pid>-<n> cgroup is left
// anywhere under root.
func assertNoCommandCgroups(t *testing.T, root string) {
	t.Helper()
	prefix := "symposium-" + strconv.Itoa(os.Getpid()) + "-"
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			t.Errorf("cgroup %s left behind", p)
		}
		return nil
	})
}
