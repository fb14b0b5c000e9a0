package reviewjob

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/symposium-dev/symposium/internal/agent"
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
	mode := os.Getenv(EnvSandbox)
	if mode == "" {
		mode = sandbox.ModeBwrap
	}
	runner, err := sandbox.New(mode, sandbox.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSandbox, err)
	}
	if mode == sandbox.ModeNone {
		log.Warn(EnvSandbox + "=none: pull requests' build scripts and macros run unsandboxed; use only for trusted repositories")
	}
	dataDir := os.Getenv(EnvDataDir)
	if dataDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvDataDir, err)
		}
		dataDir = filepath.Join(cache, "symposium", "worker")
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
	return New(Options{
		Clients: clients, Redis: conn.Redis(), Inspector: queue.New(conn, queue.DefaultTaskOptions()).Inspector(),
		Runner: runner, DataDir: dataDir, Fetch: true, Agent: ag, AgentConfig: agentCfg,
	})
}
