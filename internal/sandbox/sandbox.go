// Package sandbox runs commands on untrusted code: a build script or a
// proc-macro of a pull request is arbitrary code, so cargo runs inside
// bubblewrap (bwrap) with no network, no environment but an allow-list, only
// the checkout and the target directory writable, a wall-clock timeout that
// kills every process it started, resource limits and a cap on captured
// output.
//
// Limits: memory is limited per process with RLIMIT_DATA (RLIMIT_AS breaks
// rustc, which reserves far more address space than it uses), and the number
// of processes with RLIMIT_NPROC, both applied with prlimit(1) from
// util-linux. The kernel does not enforce RLIMIT_NPROC for processes whose
// real user is root, so when the service runs as root the process count is
// bounded only by the timeout and the private PID namespace (every process
// of the sandbox dies with it). A cgroup would bound the total; it is not
// used because the service cannot count on a delegated cgroup.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
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
	// Network allows network access; false gives a private, empty network.
	Network bool
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
	// MaxProcs bounds the number of processes (RLIMIT_NPROC; see the package
	// doc for its limits when running as root).
	MaxProcs int
	// OutputBytes caps each of stdout and stderr.
	OutputBytes int
	// Timeout is the wall-clock limit of a command without its own.
	Timeout time.Duration
}

// DefaultLimits returns limits fit for `cargo clippy` on a mid-size workspace.
func DefaultLimits() Limits {
	return Limits{
		MemoryBytes: 4 << 30,
		MaxProcs:    512,
		OutputBytes: 64 << 20,
		Timeout:     20 * time.Minute,
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
)

// New returns a Runner for mode "bwrap" or "none". "bwrap" fails with a clear
// error when bubblewrap is not installed or cannot create its namespaces.
func New(mode string, limits Limits) (Runner, error) {
	def := DefaultLimits()
	if limits.OutputBytes <= 0 {
		limits.OutputBytes = def.OutputBytes
	}
	if limits.Timeout <= 0 {
		limits.Timeout = def.Timeout
	}
	r := &runner{mode: mode, limits: limits}
	if limits.MemoryBytes > 0 || limits.MaxProcs > 0 {
		p, err := exec.LookPath("prlimit")
		if err != nil {
			return nil, fmt.Errorf("sandbox: memory and process limits need prlimit (Debian package util-linux): %w", err)
		}
		r.prlimit = p
	}
	switch mode {
	case ModeNone:
		return r, nil
	case ModeBwrap:
		p, err := exec.LookPath("bwrap")
		if err != nil {
			return nil, fmt.Errorf("sandbox: mode %q needs bubblewrap: install it (apt-get install bubblewrap) or set the sandbox to %q for trusted repositories only: %w", ModeBwrap, ModeNone, err)
		}
		r.bwrap = p
		if err := r.probe(); err != nil {
			return nil, err
		}
		return r, nil
	default:
		return nil, fmt.Errorf("sandbox: unknown mode %q (want %q or %q)", mode, ModeBwrap, ModeNone)
	}
}

type runner struct {
	mode    string
	limits  Limits
	bwrap   string
	prlimit string
}

// probe checks that bwrap can create its namespaces on this host.
func (r *runner) probe() error {
	res, err := r.Run(context.Background(), Command{Args: []string{"true"}, Timeout: 30 * time.Second})
	if err != nil {
		return fmt.Errorf("sandbox: bwrap does not work on this host: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("sandbox: bwrap does not work on this host (user namespaces disabled?): exit %d: %s",
			res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// Run runs cmd under the runner's mode and limits.
func (r *runner) Run(ctx context.Context, c Command) (Result, error) {
	if len(c.Args) == 0 {
		return Result{}, errors.New("sandbox: empty command")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = r.limits.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	env := withDefaultPath(c.Env)
	argv, err := r.argv(c, env)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = c.Dir
	if r.mode == ModeBwrap {
		cmd.Dir = "/" // the command's own directory is set with --chdir
	}
	cmd.Stdin = c.Stdin
	stdout := &cappedBuffer{limit: r.limits.OutputBytes, w: c.Stdout}
	stderr := &cappedBuffer{limit: r.limits.OutputBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// Kill the whole process group; under bwrap, killing bwrap makes
		// the kernel kill everything in the sandbox's PID namespace.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 5 * time.Second

	start := time.Now()
	err = cmd.Run()
	res := Result{
		Stdout:    stdout.buf.Bytes(),
		Stderr:    stderr.buf.Bytes(),
		ExitCode:  cmd.ProcessState.ExitCode(),
		Truncated: stdout.truncated || stderr.truncated,
		Duration:  time.Since(start),
	}
	if cmd.ProcessState == nil {
		res.ExitCode = -1
	} else if cmd.Process != nil {
		// Also reap stragglers that left the group's leader behind.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	runSeconds.WithLabelValues(r.mode).Observe(res.Duration.Seconds())
	if ctx.Err() != nil {
		runsTotal.WithLabelValues(r.mode, "timeout").Inc()
		slog.Warn("sandbox: command killed", "program", c.Args[0], "timeout", timeout, "cause", context.Cause(ctx))
		return res, fmt.Errorf("%w after %s: %s: %w", ErrTimeout, res.Duration.Round(time.Millisecond), c.Args[0], ctx.Err())
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		runsTotal.WithLabelValues(r.mode, "ok").Inc()
	case errors.As(err, &exitErr):
		runsTotal.WithLabelValues(r.mode, "exit_nonzero").Inc()
	default:
		runsTotal.WithLabelValues(r.mode, "error").Inc()
		return res, fmt.Errorf("sandbox: run %s: %w", c.Args[0], err)
	}
	return res, nil
}

// argv is the host command line that runs c.
func (r *runner) argv(c Command, env []string) ([]string, error) {
	var argv []string
	if r.prlimit != "" {
		argv = append(argv, r.prlimit)
		if r.limits.MemoryBytes > 0 {
			argv = append(argv, "--data="+strconv.FormatInt(r.limits.MemoryBytes, 10))
		}
		if r.limits.MaxProcs > 0 {
			argv = append(argv, "--nproc="+strconv.Itoa(r.limits.MaxProcs))
		}
		argv = append(argv, "--")
	}
	if r.mode == ModeNone {
		return append(argv, c.Args...), nil
	}
	args, err := bwrapArgs(c, env)
	if err != nil {
		return nil, err
	}
	argv = append(argv, r.bwrap)
	return append(argv, args...), nil
}

// withDefaultPath returns env with DefaultPath added when it sets no PATH.
func withDefaultPath(env []string) []string {
	out := make([]string, 0, len(env)+1)
	hasPath := false
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			hasPath = true
		}
		out = append(out, kv)
	}
	if !hasPath {
		out = append(out, "PATH="+DefaultPath)
	}
	return out
}

// lookupEnv returns the value of key in env.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// cappedBuffer keeps the first limit bytes written to it (in buf, or
// passed on to w when set) and drops the rest, so a noisy command neither
// blocks nor exhausts memory.
type cappedBuffer struct {
	buf       bytes.Buffer
	w         io.Writer
	n         int
	limit     int
	truncated bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	keep := p
	if room := b.limit - b.n; room < len(p) {
		keep = p[:max(room, 0)]
		b.truncated = true
	}
	if len(keep) > 0 {
		b.n += len(keep)
		if b.w != nil {
			_, _ = b.w.Write(keep)
		} else {
			b.buf.Write(keep)
		}
	}
	return len(p), nil
}

// exists reports whether path exists on the host.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
