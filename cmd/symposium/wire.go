package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/commandjob"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/fix"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/redeliver"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/worker"
)

// The composition root of a worker process: every shared dependency (the
// one GitHub client creator with its token caches and write pacing, the
// sandbox runner, the data dir, the agent) is built here once and handed
// to each handler.

// workerParts are what buildWorker makes.
type workerParts struct {
	handlers  worker.Handlers
	scheduler *redeliver.Scheduler // nil when redelivery is off
}

// buildWorker builds the worker's handlers from the settings. Without the
// GitHub App settings (serve in local mode) the handlers only log.
func buildWorker(cfg *config.App, conn *queue.Conn, log *slog.Logger) (workerParts, error) {
	parts := workerParts{handlers: worker.Handlers{Logger: log, Timeout: cfg.TaskTimeout}}
	if !cfg.HasGitHubApp() {
		return parts, nil
	}
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, BaseURL: cfg.APIURL, Logger: log,
	})
	if err != nil {
		return parts, err
	}
	runner, err := sandbox.New(cfg.Sandbox, sandbox.DefaultLimits())
	if err != nil {
		return parts, fmt.Errorf("%s: %w", config.EnvSandbox, err)
	}
	if cfg.Sandbox == sandbox.ModeNone {
		log.Warn(config.EnvSandbox + "=none: pull requests' build scripts and macros run unsandboxed; use only for trusted repositories")
	}
	dataDir, err := cfg.WorkerDataDir()
	if err != nil {
		return parts, err
	}
	agentCfg, err := agent.ConfigFromEnv(cfg.Lookup)
	if err != nil {
		return parts, err
	}
	ag, err := agent.New(agentCfg)
	if err != nil {
		return parts, fmt.Errorf("%s: %w", config.EnvAgent, err)
	}
	if _, none := ag.(agent.None); none {
		ag = nil
	} else {
		log.Info("agent configured", "backend", agentCfg.Backend, "model", agentCfg.Model)
	}

	// The commands' data dir is under the reviews' one: one budget covers both.
	budget, err := cachedir.BudgetFromEnv(dataDir, filepath.Join(dataDir, "commands"))
	if err != nil {
		return parts, err
	}
	reviewer, err := reviewjob.New(reviewjob.Options{
		Clients: clients, Redis: conn.Redis(), Inspector: queue.New(conn, queue.DefaultTaskOptions()).Inspector(),
		Runner: runner, DataDir: dataDir, Fetch: true, Budget: budget, Agent: ag, AgentConfig: agentCfg,
	})
	if err != nil {
		return parts, fmt.Errorf("build the reviewer: %w", err)
	}
	cmdOpts := commandjob.Options{
		Clients: clients, Redis: conn.Redis(), Runner: runner, DataDir: filepath.Join(dataDir, "commands"),
		Fetch: true, Reviewer: reviewer,
	}
	if ag != nil {
		cmdOpts.Patches = func(pr *github.PullRequest) fix.PatchSource {
			return fix.AgentPatches{Agent: ag, Backend: agentCfg.Backend, Title: pr.GetTitle(), Body: pr.GetBody()}
		}
	}
	commander, err := commandjob.New(cmdOpts)
	if err != nil {
		return parts, fmt.Errorf("build the commander: %w", err)
	}
	rlog := log.With("component", "redeliver")
	redeliverer := redeliver.New(clients.AppClient().Apps, redeliver.NewStore(conn.Redis()), redeliver.Options{Logger: rlog})
	redeliverer.LoggerFromContext = worker.Logger
	scheduler, err := redeliver.NewScheduler(conn.Redis(), cfg.RedeliverInterval, redeliver.DefaultSince, rlog)
	if err != nil {
		return parts, fmt.Errorf("build the redelivery scheduler: %w", err)
	}
	parts.handlers.Reviewer, parts.handlers.Commander, parts.handlers.Redeliverer = reviewer, commander, redeliverer
	parts.handlers.Cleaner = reviewer.Cleaner()
	parts.scheduler = scheduler
	return parts, nil
}
