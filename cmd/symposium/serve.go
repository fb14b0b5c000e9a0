package main

import (
	"context"
	"fmt"
	"io"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/webhook"
)

// runServe runs the receiver and a worker in one process. Without REDIS_URL
// it runs an in-process Redis (queued work is lost on exit); without the
// GitHub App settings it still receives and queues deliveries, for local use.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(config.RoleServe, "serve", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	redisURL := cfg.RedisURL
	if redisURL == "" {
		embedded, err := queue.StartEmbedded()
		if err != nil {
			return err
		}
		defer embedded.Close()
		redisURL = embedded.URL()
		log.Warn("!!! REDIS_URL is not set: using an in-process Redis. " +
			"QUEUED WORK IS LOST WHEN THIS PROCESS EXITS. Set REDIS_URL to a real Redis for anything but local use. !!!")
	}
	if !cfg.HasGitHubApp() {
		log.Warn("GITHUB_APP_ID and GITHUB_PRIVATE_KEY are not set: local mode, deliveries are received and queued " +
			"but nothing can be posted to GitHub")
	}
	conn, err := queue.Open(redisURL)
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvRedisURL, err)
	}
	defer conn.Close()
	h, err := newReceiver(cfg, conn, log.With("component", "webhook"))
	if err != nil {
		return err
	}
	log.Info("starting receiver and worker", "config", cfg)
	return runTogether(ctx,
		func(ctx context.Context) error { return startWorker(ctx, cfg, conn, log.With("component", "worker")) },
		func(ctx context.Context) error {
			return metrics.Serve(ctx, cfg.Listen, webhook.NewMux(h), cfg.ShutdownTimeout, log)
		})
}
