package commandjob

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/fix"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/worker"
)

// ForWorker builds the Commander of a worker process from the same settings
// as reviewjob.ForWorker (SYMPOSIUM_SANDBOX, SYMPOSIUM_DATA_DIR — under its
// "commands" subdirectory — and the agent's). reviewer runs `/symposium
// review`. It returns nil and no error when the GitHub App is not configured.
func ForWorker(cfg *config.App, conn *queue.Conn, reviewer worker.Reviewer, log *slog.Logger) (*Commander, error) {
	if !cfg.HasGitHubApp() {
		return nil, nil
	}
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, BaseURL: cfg.APIURL, Logger: log.With("component", "github"),
	})
	if err != nil {
		return nil, err
	}
	runner, _, err := reviewjob.RunnerFromEnv()
	if err != nil {
		return nil, err
	}
	dataDir, err := reviewjob.DataDirFromEnv()
	if err != nil {
		return nil, err
	}
	opts := Options{Clients: clients, Redis: conn.Redis(), Runner: runner, DataDir: filepath.Join(dataDir, "commands"),
		Fetch: true, Reviewer: reviewer}
	agentCfg, err := agent.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	ag, err := agent.New(agentCfg)
	if err != nil {
		return nil, fmt.Errorf("SYMPOSIUM_AGENT: %w", err)
	}
	if _, none := ag.(agent.None); !none {
		opts.Patches = func(pr *github.PullRequest) fix.PatchSource {
			return fix.AgentPatches{Agent: ag, Backend: agentCfg.Backend, Title: pr.GetTitle(), Body: pr.GetBody()}
		}
	}
	return New(opts)
}
