package reviewjob

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// Environment variables read by ForWorker.
const (
	// EnvSandbox is "bwrap" (default) or "none" for trusted, local use.
	EnvSandbox = "SYMPOSIUM_SANDBOX"
	// EnvDataDir holds the git caches, cargo target dirs and work dirs
	// (default: the user cache dir, symposium/worker).
	EnvDataDir = "SYMPOSIUM_DATA_DIR"
)

// ForWorker builds the Reviewer of a worker process from its settings and
// its queue connection. It returns nil and no error when the GitHub App is
// not configured (`symposium serve` in local mode).
func ForWorker(cfg *config.App, conn *queue.Conn, log *slog.Logger) (*Reviewer, error) {
	if !cfg.HasGitHubApp() {
		return nil, nil
	}
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, BaseURL: cfg.APIURL, Logger: log.With("component", "github"),
	})
	if err != nil {
		return nil, err
	}
	runner, mode, err := RunnerFromEnv()
	if err != nil {
		return nil, err
	}
	if mode == sandbox.ModeNone {
		log.Warn(EnvSandbox + "=none: pull requests' build scripts and macros run unsandboxed; use only for trusted repositories")
	}
	dataDir, err := DataDirFromEnv()
	if err != nil {
		return nil, err
	}
	agentCfg, err := agent.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	ag, err := agent.New(agentCfg)
	if err != nil {
		return nil, fmt.Errorf("SYMPOSIUM_AGENT: %w", err)
	}
	if _, none := ag.(agent.None); none {
		ag = nil
	} else {
		log.Info("agent configured", "backend", agentCfg.Backend, "model", agentCfg.Model)
	}
	// The commands' data dir (commandjob) is under the reviews' one: one
	// budget covers both.
	budget, err := cachedir.BudgetFromEnv(dataDir, filepath.Join(dataDir, "commands"))
	if err != nil {
		return nil, err
	}
	return New(Options{
		Clients: clients, Redis: conn.Redis(), Inspector: queue.New(conn, queue.DefaultTaskOptions()).Inspector(),
		Runner: runner, DataDir: dataDir, Fetch: true, Budget: budget, Agent: ag, AgentConfig: agentCfg,
	})
}

// Cleaner removes a closed pull request's dirs from the reviews' data dir
// and the commands' (its "commands" subdir, as commandjob.ForWorker lays it
// out).
func (r *Reviewer) Cleaner() cachedir.Cleaner {
	return cachedir.Cleaner{Roots: []string{r.opts.DataDir, filepath.Join(r.opts.DataDir, "commands")}}
}

// RunnerFromEnv returns the sandbox EnvSandbox names ("bwrap" by default)
// and its mode.
func RunnerFromEnv() (_ sandbox.Runner, mode string, _ error) {
	mode = os.Getenv(EnvSandbox)
	if mode == "" {
		mode = sandbox.ModeBwrap
	}
	runner, err := sandbox.New(mode, sandbox.DefaultLimits())
	if err != nil {
		return nil, mode, fmt.Errorf("%s: %w", EnvSandbox, err)
	}
	return runner, mode, nil
}

// DataDirFromEnv returns the worker's data dir: EnvDataDir, else
// symposium/worker under the user cache dir.
func DataDirFromEnv() (string, error) {
	if dir := os.Getenv(EnvDataDir); dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvDataDir, err)
	}
	return filepath.Join(cache, "symposium", "worker"), nil
}

// MakeDataDir makes dir absolute and creates it with its subdirs (owner
// only); it returns the absolute dir.
func MakeDataDir(dir string, subdirs ...string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	for _, d := range subdirs {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return "", fmt.Errorf("data dir: %w", err)
		}
	}
	return abs, nil
}
