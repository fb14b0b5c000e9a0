package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/commandjob"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/redeliver"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/worker"
)

// runWorker runs a worker only: it needs the GitHub App settings and
// REDIS_URL. With SYMPOSIUM_LISTEN set (the default) it also serves
// /healthz, /readyz and /metrics.
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(config.RoleWorker, "worker", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr).With("component", "worker")
	conn, err := queue.Open(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvRedisURL, err)
	}
	defer conn.Close()
	log.Info("starting worker", "config", cfg)
	return runTogether(ctx,
		func(ctx context.Context) error { return startWorker(ctx, cfg, conn, log) },
		func(ctx context.Context) error {
			if cfg.Listen == "" {
				return nil
			}
			mux := http.NewServeMux()
			metrics.Register(mux, conn.Ping, log)
			return metrics.Serve(ctx, cfg.Listen, mux, cfg.ShutdownTimeout, log)
		})
}

// workerHandlers wires the implementations of the worker's interfaces.
// Those not built yet log and acknowledge their tasks.
func workerHandlers(cfg *config.App, conn *queue.Conn, log *slog.Logger) (worker.Handlers, error) {
	h := worker.Handlers{Logger: log, Timeout: cfg.TaskTimeout}
	reviewer, err := reviewjob.ForWorker(cfg, conn, log)
	if err != nil {
		return h, fmt.Errorf("build the reviewer: %w", err)
	}
	if reviewer != nil {
		h.Reviewer = reviewer
		h.Cleaner = reviewer.Cleaner()
		commander, err := commandjob.ForWorker(cfg, conn, reviewer, log)
		if err != nil {
			return h, fmt.Errorf("build the commander: %w", err)
		}
		if commander != nil {
			h.Commander = commander
		}
	}
	return h, nil
}

// startWorker runs the asynq server until ctx is done.
func startWorker(ctx context.Context, cfg *config.App, conn *queue.Conn, log *slog.Logger) error {
	handlers, err := workerHandlers(cfg, conn, log)
	if err != nil {
		return err
	}
	redeliverer, scheduler, err := redeliver.ForWorker(cfg, conn, log)
	if err != nil {
		return fmt.Errorf("build the redeliverer: %w", err)
	}
	if redeliverer != nil {
		handlers.Redeliverer = redeliverer
	}
	if err := observe.RegisterQueueCollector(nil, asynq.NewInspectorFromRedisClient(conn.Redis()), log); err != nil {
		return err
	}
	srv := queue.NewServer(conn, queue.ServerOptions{
		Concurrency:     cfg.Concurrency,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Logger:          log,
		RetryDelay:      reviewjob.RetryDelay,
	})
	return runTogether(ctx,
		func(ctx context.Context) error { return worker.Run(ctx, srv, worker.NewMux(handlers), log) },
		scheduler.Run)
}

// runTogether runs each function until ctx is done or one of them fails,
// then cancels the others and waits for them; it returns the first error.
func runTogether(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(fns))
	for _, fn := range fns {
		go func() {
			err := fn(ctx)
			if err != nil {
				cancel()
			}
			errc <- err
		}()
	}
	var first error
	for range fns {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}
