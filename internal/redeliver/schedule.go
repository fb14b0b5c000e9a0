package redeliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// DefaultInterval is how often the redeliver task runs.
const DefaultInterval = 10 * time.Minute

// NewTask returns a redeliver task looking back since.
func NewTask(since time.Duration) (*asynq.Task, error) {
	body, err := tasks.Marshal(&tasks.RedeliverPayload{SinceSeconds: int64(since / time.Second)})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(tasks.TypeRedeliver, body), nil
}

// TaskOptions are the options of a redeliver task: the maintenance queue,
// no retry (the next run retries), a timeout, and uniqueness for the
// interval so that several processes running the scheduler enqueue one task
// per interval between them.
func TaskOptions(interval time.Duration) []asynq.Option {
	return []asynq.Option{
		asynq.Queue(tasks.QueueMaintenance),
		asynq.MaxRetry(0),
		asynq.Timeout(DefaultLockTTL),
		asynq.Unique(max(interval-time.Second, time.Second)),
	}
}

// Scheduler enqueues the redeliver task periodically.
type Scheduler struct {
	s *asynq.Scheduler
}

// NewScheduler returns a scheduler that enqueues a redeliver task looking
// back since every interval on rdb (the queue's Redis); it returns nil and
// no error when interval is 0 (disabled). Start it with Start and stop it
// with Shutdown. Every worker process may run one: uniqueness collapses
// their tasks.
func NewScheduler(rdb redis.UniversalClient, interval, since time.Duration, log *slog.Logger) (*Scheduler, error) {
	if interval == 0 {
		return nil, nil
	}
	if interval < time.Minute {
		return nil, fmt.Errorf("redeliver interval %s: must be at least 1m (or 0 to disable)", interval)
	}
	if since <= 0 {
		since = DefaultSince
	}
	if log == nil {
		log = slog.Default()
	}
	t, err := NewTask(since)
	if err != nil {
		return nil, err
	}
	s := asynq.NewSchedulerFromRedisClient(rdb, &asynq.SchedulerOpts{
		Logger:   queue.Logger(log),
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			switch {
			case err == nil:
				log.Debug("redeliver task enqueued", "task_id", info.ID)
			case errors.Is(err, asynq.ErrDuplicateTask):
				log.Debug("redeliver task already enqueued by another process")
			default:
				log.Error("could not enqueue the redeliver task", "err", err)
			}
		},
	})
	if _, err := s.Register(fmt.Sprintf("@every %s", interval), t, TaskOptions(interval)...); err != nil {
		return nil, fmt.Errorf("register the redeliver task every %s: %w", interval, err)
	}
	return &Scheduler{s: s}, nil
}

// Start starts the scheduler in the background.
func (s *Scheduler) Start() error {
	if err := s.s.Start(); err != nil {
		return fmt.Errorf("start the redeliver scheduler: %w", err)
	}
	return nil
}

// Shutdown stops the scheduler.
func (s *Scheduler) Shutdown() { s.s.Shutdown() }

// Run starts the scheduler and stops it when ctx is done. A nil Scheduler
// (disabled) returns at once.
func (s *Scheduler) Run(ctx context.Context) error {
	if s == nil {
		return nil
	}
	if err := s.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	s.Shutdown()
	return nil
}
