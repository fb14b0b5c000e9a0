// Package worker runs Symposium's tasks: one asynq handler per task type
// decodes the payload, builds a logger from the task's headers and hands
// the work to a small interface.
//
// The seams, for the packages that do the work:
//
//	Reviewer     Review(ctx, tasks.ReviewPayload) error       symposium:review
//	Commander    Command(ctx, tasks.CommandPayload) error     symposium:command
//	Redeliverer  Redeliver(ctx, tasks.RedeliverPayload) error symposium:redeliver
//	Cleaner      Cleanup(ctx, tasks.CleanupPayload) error     symposium:cleanup
//
// An implementation gets the task's logger with Logger(ctx) and its task id
// with TaskID(ctx). Returning an error retries the task with backoff (see
// queue.RetryDelay); wrapping asynq.SkipRetry archives it at once (use it
// for errors a retry cannot fix). The ctx is cancelled at the task timeout
// and on shutdown; an implementation must return promptly then, and must
// be idempotent, because a task handed back on shutdown runs again.
//
// The defaults (LogOnly) only log and acknowledge.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// Reviewer reviews one head of one pull request.
type Reviewer interface {
	Review(ctx context.Context, p tasks.ReviewPayload) error
}

// Commander runs a `/symposium <command>` or a check run action.
type Commander interface {
	Command(ctx context.Context, p tasks.CommandPayload) error
}

// Cleaner removes the build caches of a closed pull request.
type Cleaner interface {
	Cleanup(ctx context.Context, p tasks.CleanupPayload) error
}

// Redeliverer asks GitHub to redeliver failed webhook deliveries.
type Redeliverer interface {
	Redeliver(ctx context.Context, p tasks.RedeliverPayload) error
}

// Handlers are the implementations the worker calls; a nil field uses
// LogOnly.
type Handlers struct {
	Reviewer    Reviewer
	Commander   Commander
	Redeliverer Redeliverer
	Cleaner     Cleaner
	// Logger is the base logger; default slog.Default().
	Logger *slog.Logger
	// Timeout, when set, also bounds each task's ctx (asynq applies the
	// timeout given at enqueue time as well).
	Timeout time.Duration
}

// NewMux returns the asynq mux with one handler per task type.
func NewMux(h Handlers) *asynq.ServeMux {
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	logOnly := LogOnly{}
	if h.Reviewer == nil {
		h.Reviewer = logOnly
	}
	if h.Commander == nil {
		h.Commander = logOnly
	}
	if h.Redeliverer == nil {
		h.Redeliverer = logOnly
	}
	if h.Cleaner == nil {
		h.Cleaner = logOnly
	}
	mux := asynq.NewServeMux()
	mux.Handle(tasks.TypeReview, handler(h, func(ctx context.Context, p tasks.ReviewPayload) error {
		return h.Reviewer.Review(ctx, p)
	}))
	mux.Handle(tasks.TypeCommand, handler(h, func(ctx context.Context, p tasks.CommandPayload) error {
		return h.Commander.Command(ctx, p)
	}))
	mux.Handle(tasks.TypeCleanup, handler(h, func(ctx context.Context, p tasks.CleanupPayload) error {
		return h.Cleaner.Cleanup(ctx, p)
	}))
	mux.Handle(tasks.TypeRedeliver, handler(h, func(ctx context.Context, p tasks.RedeliverPayload) error {
		return h.Redeliverer.Redeliver(ctx, p)
	}))
	return mux
}

// handler decodes a payload of type P and calls do with a task logger in ctx.
func handler[P any](h Handlers, do func(context.Context, P) error) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		ctx = observe.FromTask(ctx, t)
		log := observe.Logger(ctx, h.Logger)
		ctx = context.WithValue(ctx, loggerKey{}, log)
		var p P
		if err := tasks.Unmarshal(t.Payload(), &p); err != nil {
			tasksTotal.WithLabelValues(t.Type(), "bad_payload").Inc()
			log.Error("task payload rejected; archived without retry", "err", err)
			return fmt.Errorf("%s: %w: %w", t.Type(), err, asynq.SkipRetry)
		}
		if h.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, h.Timeout)
			defer cancel()
		}
		start := time.Now()
		err := do(ctx, p)
		taskSeconds.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
		tasksTotal.WithLabelValues(t.Type(), outcome(ctx, err)).Inc()
		return err
	})
}

// outcome labels a task run for symposium_worker_tasks_total: done, retry,
// or failed when no retry follows (the error said so, or it was the last).
func outcome(ctx context.Context, err error) string {
	if err == nil {
		return "done"
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, hasMax := asynq.GetMaxRetry(ctx)
	if errors.Is(err, asynq.SkipRetry) || (hasMax && retried >= maxRetry) {
		return "failed"
	}
	return "retry"
}

type loggerKey struct{}

// Logger returns the task's logger from a handler's ctx: the worker's base
// logger with the task's observe.Fields (delivery, installation, repo, PR,
// head, task id and type); slog.Default() outside a handler. Code without
// a logger at hand logs with slog's *Context functions and the same ctx.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// TaskID returns the asynq task id from a handler's ctx, "" outside one.
func TaskID(ctx context.Context) string {
	id, _ := asynq.GetTaskID(ctx)
	return id
}

// LogOnly implements every interface by logging the task and acknowledging
// it. It stands in until the real implementations are wired.
type LogOnly struct{}

// Review logs the review it was asked for.
func (LogOnly) Review(ctx context.Context, p tasks.ReviewPayload) error {
	Logger(ctx).Info("review task received (no reviewer configured: acknowledged only)",
		"event", p.Event, "action", p.Action, "full", p.Full)
	return nil
}

// Command logs the command it was asked for.
func (LogOnly) Command(ctx context.Context, p tasks.CommandPayload) error {
	Logger(ctx).Info("command task received (no commander configured: acknowledged only)",
		"command", p.Command, "unknown", p.Unknown, "sender", p.Sender)
	return nil
}

// Redeliver logs the redelivery it was asked for.
func (LogOnly) Redeliver(ctx context.Context, p tasks.RedeliverPayload) error {
	Logger(ctx).Info("redeliver task received (no redeliverer configured: acknowledged only)", "since_seconds", p.SinceSeconds)
	return nil
}

// Cleanup logs the cleanup it was asked for.
func (LogOnly) Cleanup(ctx context.Context, p tasks.CleanupPayload) error {
	Logger(ctx).Info("cleanup task received (no cleaner configured: acknowledged only)", "pr", p.PRNumber)
	return nil
}

// Run starts srv with mux and blocks until ctx is done, then shuts it down:
// it stops taking tasks, lets running ones finish within the server's
// shutdown timeout and hands the rest back to the queue.
func Run(ctx context.Context, srv *asynq.Server, mux *asynq.ServeMux, log *slog.Logger) error {
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	log.Info("worker started", "queues", tasks.QueuePriorities)
	<-ctx.Done()
	log.Info("worker stopping: finishing running tasks")
	srv.Shutdown()
	log.Info("worker stopped")
	return nil
}
