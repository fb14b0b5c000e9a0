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
)

// runner is the Runner New returns.
type runner struct {
	mode      string
	limits    Limits
	bwrap     string
	prlimit   string
	setpriv   string // set for MechanismUnprivileged
	mechanism string
	cgroups   *cgroupSys
	regNet    *registryNet
	regNetErr error
}

// gateScript holds a command until the host has put it into its cgroup.
const gateScript = `read -r _ <&3 || exit 125; exec 3<&-; exec "$@"`

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

	var nr *netRun
	if c.Network && !c.HostNetwork && r.mode == ModeBwrap {
		if r.regNetErr != nil {
			runsTotal.WithLabelValues(r.mode, "error").Inc()
			return Result{}, r.regNetErr
		}
		var err error
		if nr, err = r.regNet.prepare(ctx); err != nil {
			return Result{}, err
		}
		defer nr.close()
	}
	if r.setpriv != "" {
		if err := chownTrees(c.Writable, r.limits.SandboxUID); err != nil {
			return Result{}, err
		}
	}
	env := withDefaultPath(c.Env)
	argv, err := r.argv(c, env, nr)
	if err != nil {
		return Result{}, err
	}
	var group *cgroup
	var gate, gateChild *os.File
	if r.cgroups != nil {
		if group, err = r.cgroups.create(r.limits); err != nil {
			return Result{}, err
		}
		defer func() {
			if err := group.remove(); err != nil {
				slog.WarnContext(ctx, "sandbox: cgroup left behind", "err", err)
			}
		}()
		if nr == nil {
			argv = append([]string{"/bin/sh", "-c", gateScript, "sh"}, argv...)
			if gateChild, gate, err = os.Pipe(); err != nil {
				return Result{}, fmt.Errorf("sandbox: %w", err)
			}
			defer gate.Close()
			defer gateChild.Close()
		}
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
		// the kernel kill everything in the sandbox's PID namespace. The
		// cgroup also holds what left the group (mode none).
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if group != nil {
			group.kill()
		}
		return err
	}
	cmd.WaitDelay = 5 * time.Second
	if gateChild != nil {
		cmd.ExtraFiles = []*os.File{gateChild}
	}
	if nr != nil {
		if err := nr.pipes(cmd); err != nil {
			return Result{}, fmt.Errorf("sandbox: %w", err)
		}
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		runsTotal.WithLabelValues(r.mode, "error").Inc()
		return Result{}, fmt.Errorf("sandbox: run %s: %w", c.Args[0], err)
	}
	if setupErr := r.setup(ctx, cmd.Process.Pid, group, gate, gateChild, nr); setupErr != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		runsTotal.WithLabelValues(r.mode, "error").Inc()
		msg := strings.TrimSpace(string(stderr.buf.Bytes()))
		if msg != "" {
			return Result{}, fmt.Errorf("%w: %s", setupErr, msg)
		}
		return Result{}, setupErr
	}
	err = cmd.Wait()
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
	if group != nil {
		group.kill()
		res.OOMKilled, res.ProcLimitReached = group.outcome()
		if res.OOMKilled {
			limitHits.WithLabelValues("memory").Inc()
		}
		if res.ProcLimitReached {
			limitHits.WithLabelValues("procs").Inc()
		}
	}
	runSeconds.WithLabelValues(r.mode).Observe(res.Duration.Seconds())
	if ctx.Err() != nil {
		runsTotal.WithLabelValues(r.mode, "timeout").Inc()
		slog.WarnContext(ctx, "sandbox: command killed", "program", c.Args[0], "timeout", timeout, "cause", context.Cause(ctx))
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
	if lerr := res.LimitError(); lerr != nil {
		slog.WarnContext(ctx, "sandbox: command hit a limit", "program", c.Args[0], "err", lerr)
	}
	return res, nil
}

// setup puts the started process pid into its cgroup and network before it
// runs the command, then lets it go.
func (r *runner) setup(ctx context.Context, pid int, group *cgroup, gate, gateChild *os.File, nr *netRun) error {
	if group != nil {
		if err := group.add(pid); err != nil {
			return err
		}
	}
	if nr != nil {
		return nr.start(ctx, pid)
	}
	if gate != nil {
		gateChild.Close()
		if _, err := gate.Write([]byte("go\n")); err != nil {
			return fmt.Errorf("sandbox: start: %w", err)
		}
	}
	return nil
}

// argv is the host command line that runs c.
func (r *runner) argv(c Command, env []string, nr *netRun) ([]string, error) {
	var argv []string
	if r.prlimit != "" {
		argv = append(argv, r.prlimit)
		if r.limits.MemoryBytes > 0 {
			argv = append(argv, "--data="+strconv.FormatInt(r.limits.MemoryBytes, 10))
		}
		if r.limits.MaxProcs > 0 {
			argv = append(argv, "--nproc="+strconv.Itoa(r.limits.MaxProcs))
		}
		if r.limits.FileBytes > 0 {
			argv = append(argv, "--fsize="+strconv.FormatInt(r.limits.FileBytes, 10))
		}
		argv = append(argv, "--")
	}
	if r.mode == ModeNone {
		return append(argv, c.Args...), nil
	}
	var etc map[string]string
	if nr != nil {
		etc = nr.files()
	}
	args, err := bwrapArgs(c, env, etc)
	if err != nil {
		return nil, err
	}
	if r.setpriv != "" {
		uid := strconv.Itoa(r.limits.SandboxUID)
		argv = append(argv, r.setpriv, "--reuid="+uid, "--regid="+uid, "--clear-groups", "--")
	}
	bw := append([]string{r.bwrap}, args...)
	if nr != nil {
		return append(argv, nr.argv(bw)...), nil
	}
	return append(argv, bw...), nil
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
