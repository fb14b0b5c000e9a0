package queue

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// ServerOptions configure the asynq server a worker runs.
type ServerOptions struct {
	// Concurrency is the number of tasks run at once.
	Concurrency int
	// ShutdownTimeout is how long running tasks may finish on shutdown
	// before they are handed back to the queue.
	ShutdownTimeout time.Duration
	// Logger receives asynq's own logs and task failures.
	Logger *slog.Logger
	// RetryDelay, when set, replaces RetryDelay (e.g. to wait out a rate
	// limit the error reports).
	RetryDelay asynq.RetryDelayFunc
}

// TaskCheckInterval is how long an idle worker waits between looks for a
// new task when every queue was empty (asynq's default is 1 s, ~0.8 s median
// pickup). Each look costs Redis one dequeue script (EVAL, an RPOPLPUSH per
// queue) per idle worker, so 50 ms is ~20 commands a second per idle worker:
// cheap for Redis, and a task starts within tens of milliseconds.
const TaskCheckInterval = 50 * time.Millisecond

// NewServer returns an asynq server on conn, consuming tasks.QueuePriorities
// with exponential backoff between retries. It does not close conn.
func NewServer(conn *Conn, opts ServerOptions) *asynq.Server {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	retryDelay := opts.RetryDelay
	if retryDelay == nil {
		retryDelay = RetryDelay
	}
	return asynq.NewServerFromRedisClient(conn.rdb, asynq.Config{
		Concurrency:       opts.Concurrency,
		Queues:            tasks.QueuePriorities,
		RetryDelayFunc:    retryDelay,
		ShutdownTimeout:   opts.ShutdownTimeout,
		TaskCheckInterval: TaskCheckInterval,
		Logger:            asynqLogger{log.With("component", "asynq")},
		LogLevel:          asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			retried, _ := asynq.GetRetryCount(ctx)
			maxRetry, _ := asynq.GetMaxRetry(ctx)
			id, _ := asynq.GetTaskID(ctx)
			attrs := []any{"type", t.Type(), "task_id", id, "retry", retried, "max_retry", maxRetry, "err", err}
			for k, v := range t.Headers() {
				attrs = append(attrs, k, v)
			}
			log.Error("task failed", attrs...)
		}),
	})
}

// RetryDelay is the backoff between retries: 15s doubling per retry, capped
// at 30 minutes, with up to 20% jitter so retries of a burst spread out.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := 15 * time.Second
	for i := 0; i < n && d < 30*time.Minute; i++ {
		d *= 2
	}
	d = min(d, 30*time.Minute)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

// Logger adapts l to asynq's logger interface, for asynq's servers and
// schedulers.
func Logger(l *slog.Logger) asynq.Logger { return asynqLogger{l} }

// asynqLogger adapts slog to asynq's logger interface.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) {
	msg := fmt.Sprint(args...)
	if strings.Contains(msg, "redis connection is shared") {
		// asynq's scheduler and inspector say so on every clean shutdown
		// because we hand them the process's own pool, which we close.
		a.l.Debug(msg)
		return
	}
	a.l.Error(msg)
}

// Fatal logs and exits, as asynq expects of its logger.
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)); os.Exit(1) }
