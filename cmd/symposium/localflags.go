package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// parseFlags parses args into fs: -h is flag.ErrHelp, a bad flag (which fs
// has already reported) is errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// usageErrorf returns a function that prints "symposium <fs name>: <message>"
// and fs's usage to stderr and returns errUsage.
func usageErrorf(fs *flag.FlagSet, stderr io.Writer) func(format string, a ...any) error {
	return func(format string, a ...any) error {
		fmt.Fprintf(stderr, "symposium "+fs.Name()+": "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
}

// localFlags are the flags of the subcommands that run cargo on a local
// repository (review, fix).
type localFlags struct {
	sandbox   string
	cacheDir  string
	targetDir string
	fetch     bool
	agent     string
}

// addLocalFlags defines --sandbox, --cache-dir, --target-dir, --fetch and --agent on
// fs. cacheHelp says what persists in the cache dir; work names what runs
// offline after `cargo fetch`.
func addLocalFlags(fs *flag.FlagSet, cacheHelp, work string) *localFlags {
	l := &localFlags{}
	fs.StringVar(&l.sandbox, "sandbox", sandbox.ModeBwrap, "how to run cargo: bwrap, or none for trusted repositories")
	fs.StringVar(&l.cacheDir, "cache-dir", os.Getenv("SYMPOSIUM_CACHE_DIR"), cacheHelp+" (env SYMPOSIUM_CACHE_DIR; default: the user cache dir)")
	fs.StringVar(&l.targetDir, "target-dir", os.Getenv("SYMPOSIUM_TARGET_DIR"), "cargo's target directory (env SYMPOSIUM_TARGET_DIR; default: under the cache dir, per repository)")
	fs.BoolVar(&l.fetch, "fetch", true, "run `cargo fetch` (with network) before the offline "+work)
	fs.StringVar(&l.agent, "agent", os.Getenv("SYMPOSIUM_AGENT"), "the agent beside clippy: none, anthropic, openai or acp (env SYMPOSIUM_AGENT; default none)")
	return l
}

// newAgent builds the agent --agent names, configured from the agent's
// environment variables (SYMPOSIUM_AGENT_*, the SDKs' keys and URLs). With
// --sandbox none an ACP agent runs unsandboxed too. It returns agent.None
// when no agent is asked for.
func (l *localFlags) newAgent(runner sandbox.Runner) (agent.Agent, agent.Config, error) {
	cfg, err := agent.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, cfg, fmt.Errorf("agent: %w", err)
	}
	if l.agent != "" {
		cfg.Backend = l.agent
	}
	if cfg.Runner == nil && cfg.Backend == agent.BackendACP && l.sandbox == sandbox.ModeNone {
		cfg.Runner = runner
	}
	ag, err := agent.New(cfg)
	if err != nil {
		return nil, cfg, fmt.Errorf("--agent: %w", err)
	}
	return ag, cfg, nil
}

// runner returns the sandbox that runs cargo.
func (l *localFlags) runner() (sandbox.Runner, error) {
	return sandbox.New(l.sandbox, sandbox.DefaultLimits())
}

// lockRepo resolves repo, picks its cache directories and takes their lock;
// the caller calls unlock when done.
func (l *localFlags) lockRepo(repo string) (repoDir string, dirs localDirs, unlock func(), err error) {
	repoDir, err = filepath.Abs(repo)
	if err != nil {
		return "", localDirs{}, nil, err
	}
	dirs, err = cacheDirs(l.cacheDir, l.targetDir, repoDir)
	if err != nil {
		return "", localDirs{}, nil, err
	}
	unlock, err = lockDir(dirs.lock)
	if err != nil {
		return "", localDirs{}, nil, err
	}
	return repoDir, dirs, unlock, nil
}

// localDirs are the per-repository cache directories and their lock file.
type localDirs struct{ target, source, home, lock string }

// cacheDirs picks the per-repository directories: a warm target dir and a
// source dir that keeps unchanged files' times between runs.
func cacheDirs(cacheDir, targetDir, repoDir string) (localDirs, error) {
	if cacheDir == "" {
		userCache, err := os.UserCacheDir()
		if err != nil {
			return localDirs{}, fmt.Errorf("cache directory: %w (set --cache-dir)", err)
		}
		cacheDir = filepath.Join(userCache, "symposium")
	}
	sum := sha256.Sum256([]byte(repoDir))
	key := hex.EncodeToString(sum[:8])
	d := localDirs{
		target: filepath.Join(cacheDir, "target", key),
		source: filepath.Join(cacheDir, "src", key),
		home:   filepath.Join(cacheDir, "cargo", key),
		lock:   filepath.Join(cacheDir, "src", key+".lock"),
	}
	if targetDir != "" {
		d.target = targetDir
	}
	for _, dir := range []string{d.target, filepath.Dir(d.source)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return localDirs{}, fmt.Errorf("cache directory: %w", err)
		}
	}
	return d, nil
}

// lockDir takes an exclusive lock so two runs on one repository do not
// share a source directory at once.
func lockDir(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// localEnv is what a local command runs with: the sandbox, the agent, the
// repository and its locked cache directories.
type localEnv struct {
	runner   sandbox.Runner
	agent    agent.Agent
	agentCfg agent.Config
	repoDir  string
	dirs     localDirs
	unlock   func()
	// pending is set when the runner is still being made (setupAsync).
	pending *pendingRunner
}

// sandboxErr waits for a runner made in the background and returns its
// error: the command reports it before any other, as setup would have.
func (e localEnv) sandboxErr() error {
	if e.pending == nil {
		return nil
	}
	return e.pending.wait()
}

// setup builds the sandbox and the agent and locks repo's cache
// directories; a bad --sandbox, --repo or --agent is reported through
// usageErr. The caller
// calls unlock when done.
func (l *localFlags) setup(repo string, usageErr func(string, ...any) error) (localEnv, error) {
	return l.setupWith(repo, usageErr, false)
}

// setupAsync is setup with the sandbox made in the background (its probe
// of the host overlaps the caller's first steps): the caller must check
// env.sandboxErr() before reporting any error of its own.
func (l *localFlags) setupAsync(repo string, usageErr func(string, ...any) error) (localEnv, error) {
	return l.setupWith(repo, usageErr, true)
}

func (l *localFlags) setupWith(repo string, usageErr func(string, ...any) error, async bool) (localEnv, error) {
	var env localEnv
	var err error
	if l.sandbox != sandbox.ModeBwrap && l.sandbox != sandbox.ModeNone {
		return env, usageErr("--sandbox must be bwrap or none, not %q", l.sandbox)
	}
	if st, err := os.Stat(repo); err != nil || !st.IsDir() {
		return env, usageErr("--repo %s is not a directory", repo)
	}
	if async {
		env.pending = startRunner(l.runner)
		env.runner = env.pending
	} else if env.runner, err = l.runner(); err != nil {
		return env, err
	}
	if env.agent, env.agentCfg, err = l.newAgent(env.runner); err != nil {
		if serr := env.sandboxErr(); serr != nil {
			return env, serr
		}
		return env, usageErr("%v", err)
	}
	if env.repoDir, env.dirs, env.unlock, err = l.lockRepo(repo); err != nil {
		if serr := env.sandboxErr(); serr != nil {
			return env, serr
		}
		return env, err
	}
	return env, nil
}
