// Package sandbox runs commands on untrusted code: a build script or a
// proc-macro of a pull request is arbitrary code, so cargo runs inside
// bubblewrap (bwrap) with no network, no environment but an allow-list, only
// the checkout and the target directory writable, a wall-clock timeout that
// kills every process it started, resource limits and a cap on captured
// output.
//
// Limits on the whole command tree. Each command gets its own cgroup, removed
// afterwards, bounding the total memory (Limits.TotalMemoryBytes, no swap)
// and the number of processes (Limits.MaxProcs) of everything it starts; the
// mechanism is chosen once per process and reported by Mechanism, the log
// and the symposium_sandbox_limit_mechanism metric:
//
//   - "cgroup2": this process's cgroup v2 has the memory and pids
//     controllers delegated (systemd Delegate=yes, a container with its own
//     cgroup namespace). The service moves itself into a leaf
//     "symposium-service" when it must to enable them for children.
//   - "cgroup1": the cgroup v1 memory and pids hierarchies are writable (a
//     root service on a v1 or hybrid host). Command cgroups are created below
//     the service's own.
//   - "rlimit": neither; the service is not root, so RLIMIT_NPROC holds (for
//     the service's user as a whole), and memory is bounded per process only.
//   - "unprivileged-uid": neither, and the service is root: bwrap runs as
//     the unprivileged host uid Limits.SandboxUID so that RLIMIT_NPROC holds;
//     memory is bounded per process only.
//
// Per process, memory is also limited with RLIMIT_DATA (Limits.MemoryBytes;
// RLIMIT_AS breaks rustc, which reserves far more address space than it uses),
// the process count with RLIMIT_NPROC and the size of a single written file
// with RLIMIT_FSIZE, all applied with prlimit(1) from util-linux. The number
// and total size of the files a build leaves behind are checked afterwards
// with CheckTree. Result.OOMKilled and Result.ProcLimitReached say when a
// cgroup limit was hit.
//
// Network. A Command with Network set (cargo fetch) gets the "registry
// network": a private network namespace whose only way out is slirp4netns, a
// user-mode network with the host's loopback disabled, and "prohibit" routes
// for every loopback, private, link-local, CGNAT and otherwise internal IPv4
// range (netpolicy.InternalPrefixes), added before bwrap starts by the root
// of a user namespace the command is nested in, so the command cannot change
// them. DNS goes through slirp4netns's forwarder. Hosts the operator allows
// (netpolicy.AllowHostsEnv) are resolved on the host, get a route exception
// and a line in the sandbox's /etc/hosts. Without slirp4netns such a command
// fails with ErrNoUserNetwork; it never falls back to the host's network.
// HostNetwork shares the host's network, for trusted programs only.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Mode names accepted by New.
const (
	// ModeBwrap runs commands inside bubblewrap.
	ModeBwrap = "bwrap"
	// ModeNone runs commands directly: for trusted repositories and local use.
	ModeNone = "none"
)

// DefaultPath is the PATH a command gets when its Env sets none.
const DefaultPath = "/usr/local/bin:/usr/bin:/bin"

// ErrTimeout is returned (wrapped) by Run when the command outlived its
// timeout or its context and was killed.
var ErrTimeout = errors.New("sandbox: command timed out")

// ErrMemoryLimit is Result.LimitError when the command tree ran out of its
// total memory and the kernel killed a process.
var ErrMemoryLimit = errors.New("sandbox: killed for exceeding the memory limit")

// ErrProcLimit is Result.LimitError when the command tree reached its
// process limit and a fork failed.
var ErrProcLimit = errors.New("sandbox: reached the process limit")

// Command is one program to run.
type Command struct {
	// Args is the program and its arguments; Args[0] is looked up in PATH.
	Args []string
	// Dir is the working directory, inside a writable mount.
	Dir string
	// Env lists KEY=VALUE pairs: the command's whole environment.
	Env []string
	// Writable lists host directories mounted read-write at the same path
	// (the checkout, the target directory).
	Writable []string
	// ReadOnly lists extra host directories mounted read-only at the same path.
	ReadOnly []string
	// Network gives the command the registry network (see the package doc):
	// public addresses only, through a user-mode network; false gives a
	// private, empty network.
	Network bool
	// HostNetwork shares the host's network, loopback and internal ranges
	// included. Only for trusted programs that must reach an address the
	// operator chose (the agent's model endpoint); never for pull-request
	// code. It takes precedence over Network.
	HostNetwork bool
	// Timeout bounds the wall-clock time; zero means the Limits' timeout.
	Timeout time.Duration
	// Stdin is the command's standard input; nil means empty.
	Stdin io.Reader
	// Stdout, when set, receives the standard output while the command
	// runs, within the same cap as captured output (the rest is dropped and
	// Result.Truncated set); Result.Stdout is then empty. Write errors are
	// ignored: the command is never blocked by a failed reader.
	Stdout io.Writer
}

// Result is what a command did.
type Result struct {
	Stdout, Stderr []byte
	// ExitCode is the exit status; -1 when the command was killed by a signal.
	ExitCode int
	// Truncated is set when stdout or stderr exceeded Limits.OutputBytes and
	// was cut.
	Truncated bool
	Duration  time.Duration
	// OOMKilled is set when the kernel killed a process of the command
	// because the command tree reached Limits.TotalMemoryBytes.
	OOMKilled bool
	// ProcLimitReached is set when a fork failed because the command tree
	// reached Limits.MaxProcs (cgroup mechanisms only).
	ProcLimitReached bool
}

// LimitError describes the cgroup limit the command hit, or returns nil.
func (r Result) LimitError() error {
	switch {
	case r.OOMKilled:
		return ErrMemoryLimit
	case r.ProcLimitReached:
		return ErrProcLimit
	}
	return nil
}

// Runner runs commands. Run returns an error only when the command could not
// run or timed out; a non-zero exit is reported in Result.ExitCode.
type Runner interface {
	Run(ctx context.Context, cmd Command) (Result, error)
}

// Limits bound what one command may use. Zero fields mean no limit, except
// OutputBytes and Timeout which fall back to DefaultLimits.
type Limits struct {
	// MemoryBytes bounds each process's data segment (RLIMIT_DATA).
	MemoryBytes int64
	// TotalMemoryBytes bounds the memory of the whole command tree (a
	// cgroup; see the package doc for when none is available).
	TotalMemoryBytes int64
	// MaxProcs bounds the number of processes of the command tree (the
	// cgroup's pids limit and RLIMIT_NPROC; see the package doc).
	MaxProcs int
	// FileBytes bounds the size of any one file a command writes
	// (RLIMIT_FSIZE).
	FileBytes int64
	// MaxFiles and MaxTreeBytes are the defaults callers pass to CheckTree
	// for a build's target directory; Run does not apply them.
	MaxFiles     int
	MaxTreeBytes int64
	// SandboxUID is the unprivileged host uid (and gid) bwrap runs as when
	// the service is root and no cgroup is usable ("unprivileged-uid");
	// zero means 65534 (nobody).
	SandboxUID int
	// OutputBytes caps each of stdout and stderr.
	OutputBytes int
	// Timeout is the wall-clock limit of a command without its own.
	Timeout time.Duration
}

// DefaultLimits returns limits fit for `cargo clippy` on a mid-size workspace.
func DefaultLimits() Limits {
	return Limits{
		MemoryBytes:      4 << 30,
		TotalMemoryBytes: 8 << 30,
		MaxProcs:         512,
		FileBytes:        4 << 30,
		MaxFiles:         250_000,
		MaxTreeBytes:     20 << 30,
		OutputBytes:      64 << 20,
		Timeout:          20 * time.Minute,
	}
}

var (
	runsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_sandbox_runs_total",
		Help: "Commands run in the sandbox, by mode and outcome (ok, exit_nonzero, timeout, error).",
	}, []string{"mode", "outcome"})
	runSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_sandbox_run_seconds",
		Help:    "Wall-clock duration of sandboxed commands.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 16),
	}, []string{"mode"})

	limitMechanism = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "symposium_sandbox_limit_mechanism",
		Help: "1 for the mechanism bounding each sandboxed command tree (cgroup2, cgroup1, rlimit, unprivileged-uid).",
	}, []string{"mechanism"})
	limitHits = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_sandbox_limit_hits_total",
		Help: "Sandboxed commands that hit a limit, by limit (memory, procs).",
	}, []string{"limit"})
)

// New returns a Runner for mode "bwrap" or "none". "bwrap" fails with a clear
// error when bubblewrap is not installed or cannot create its namespaces.
// What New probes on the host is probed once per process.
func New(mode string, limits Limits) (Runner, error) {
	def := DefaultLimits()
	if limits.OutputBytes <= 0 {
		limits.OutputBytes = def.OutputBytes
	}
	if limits.Timeout <= 0 {
		limits.Timeout = def.Timeout
	}
	if limits.SandboxUID <= 0 {
		limits.SandboxUID = 65534
	}
	r := &runner{mode: mode, limits: limits}
	if mode != ModeNone && mode != ModeBwrap {
		return nil, fmt.Errorf("sandbox: unknown mode %q (want %q or %q)", mode, ModeBwrap, ModeNone)
	}
	if limits.MemoryBytes > 0 || limits.MaxProcs > 0 || limits.FileBytes > 0 {
		p, err := exec.LookPath("prlimit")
		if err != nil {
			return nil, fmt.Errorf("sandbox: memory and process limits need prlimit (Debian package util-linux): %w", err)
		}
		r.prlimit = p
	}
	r.mechanism = MechanismRlimit
	if limits.TotalMemoryBytes > 0 || limits.MaxProcs > 0 {
		cg, why := hostCgroups()
		switch {
		case cg != nil:
			r.cgroups = cg
			r.mechanism = map[int]string{1: MechanismCgroup1, 2: MechanismCgroup2}[cg.version]
		case os.Geteuid() == 0 && mode == ModeBwrap:
			p, err := exec.LookPath("setpriv")
			if err != nil {
				return nil, fmt.Errorf("sandbox: no usable cgroup (%v) and running as root: limits need setpriv (Debian package util-linux): %w", why, err)
			}
			r.setpriv = p
			r.mechanism = MechanismUnprivileged
		}
		logMechanism(r.mechanism, why)
	}
	if mode == ModeNone {
		return r, nil
	}
	p, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, fmt.Errorf("sandbox: mode %q needs bubblewrap: install it (apt-get install bubblewrap) or set the sandbox to %q for trusted repositories only: %w", ModeBwrap, ModeNone, err)
	}
	r.bwrap = p
	r.regNet, r.regNetErr = findRegistryNet()
	if err := r.probeOnce(); err != nil {
		return nil, err
	}
	return r, nil
}
