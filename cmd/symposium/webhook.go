package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/webhook"
)

// runWebhook runs the webhook receiver only: it needs the webhook secret and
// REDIS_URL, and no GitHub App credentials.
func runWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(config.RoleWebhook, "webhook", args, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr).With("component", "webhook")
	conn, err := queue.Open(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvRedisURL, err)
	}
	defer conn.Close()
	if err := conn.Ping(ctx); err != nil {
		// Not fatal: the receiver answers 503 until Redis is back.
		log.Warn("Redis does not answer yet; deliveries get 503 until it does", "redis", conn.String(), "err", err)
	}
	h, err := newReceiver(cfg, conn, log)
	if err != nil {
		return err
	}
	log.Info("starting webhook receiver", "config", cfg)
	return metrics.Serve(ctx, cfg.Listen, webhook.NewMux(h), cfg.ShutdownTimeout, log)
}

// newReceiver builds the webhook handler on conn.
func newReceiver(cfg *config.App, conn *queue.Conn, log *slog.Logger) (*webhook.Handler, error) {
	h, err := webhook.New(webhook.Options{
		Secrets: cfg.WebhookSecrets(),
		Queue:   queue.New(conn, taskOptions(cfg)),
		Route:   webhook.RouteOptions{ReviewDrafts: cfg.ReviewDrafts},
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("build receiver: %w", err)
	}
	if err := observe.RegisterQueueCollector(nil, asynq.NewInspectorFromRedisClient(conn.Redis()), log); err != nil {
		return nil, err
	}
	return h, nil
}

func taskOptions(cfg *config.App) queue.TaskOptions {
	opts := queue.DefaultTaskOptions()
	opts.MaxRetry = cfg.MaxRetry
	opts.Timeout = cfg.TaskTimeout
	return opts
}

// loadConfig reads the settings of a subcommand from the environment and
// its flags, mapping command-line mistakes to errUsage.
func loadConfig(role config.Role, name string, args []string, stderr io.Writer) (*config.App, error) {
	cfg, err := config.Load(role, name, args, os.Getenv, stderr)
	switch {
	case err == nil:
		return cfg, nil
	case errors.Is(err, flag.ErrHelp):
		return nil, flag.ErrHelp
	case errors.Is(err, config.ErrUsage):
		return nil, errUsage
	}
	// A bad setting is a usage error whether it came from a flag or the
	// environment: say so once and exit 2.
	fmt.Fprintf(stderr, "symposium %s: invalid settings (see `symposium %s --help`):\n%v\n", name, name, err)
	return nil, errUsage
}

// newLogger logs to stderr in the configured format and level.
func newLogger(cfg *config.App, stderr io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel, ReplaceAttr: observe.ReplaceDurations}
	var h slog.Handler = slog.NewJSONHandler(stderr, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(stderr, opts)
	}
	log := slog.New(observe.NewHandler(h))
	// Library code logs through the default logger with its ctx; go-redis
	// through its own hook.
	slog.SetDefault(log)
	queue.SetRedisLogger(log)
	return log
}
