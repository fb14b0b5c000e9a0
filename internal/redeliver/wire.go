package redeliver

import (
	"log/slog"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/worker"
)

// ForWorker builds the redeliver task's handler and its scheduler for a
// worker process. Both are nil, with no error, when the GitHub App is not
// configured (`symposium serve` in local mode); the scheduler is nil when
// cfg.RedeliverInterval is 0.
func ForWorker(cfg *config.App, conn *queue.Conn, log *slog.Logger) (*Redeliverer, *Scheduler, error) {
	if !cfg.HasGitHubApp() {
		return nil, nil, nil
	}
	log = log.With("component", "redeliver")
	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, BaseURL: cfg.APIURL, Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	r := New(clients.AppClient().Apps, NewStore(conn.Redis()), Options{Logger: log})
	r.LoggerFromContext = worker.Logger
	s, err := NewScheduler(conn.Redis(), cfg.RedeliverInterval, DefaultSince, log)
	if err != nil {
		return nil, nil, err
	}
	return r, s, nil
}
