package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// DeliveryTTL is how long a delivery id is remembered for de-duplication.
// GitHub lets a delivery be redelivered for three days.
const DeliveryTTL = 72 * time.Hour

// deliveryKeyPrefix prefixes the de-duplication keys in Redis.
const deliveryKeyPrefix = "symposium:delivery:"

// TaskOptions are the asynq options given to every task enqueued.
type TaskOptions struct {
	// MaxRetry is the number of retries before a task is archived.
	MaxRetry int
	// Timeout bounds one run of a task.
	Timeout time.Duration
	// Retention keeps a completed task (and so its id) this long, so more
	// deliveries for a head already reviewed collapse into it. A user
	// re-run deletes it first (see Queue.EnqueueReview).
	Retention time.Duration
}

// DefaultTaskOptions are the options used when none are configured.
func DefaultTaskOptions() TaskOptions {
	return TaskOptions{MaxRetry: 5, Timeout: 30 * time.Minute, Retention: 24 * time.Hour}
}

// Queue enqueues tasks and remembers delivery ids.
type Queue struct {
	conn      *Conn
	client    *asynq.Client
	inspector *asynq.Inspector
	opts      TaskOptions
}

// New returns a Queue on conn. It shares conn's pool and does not close it.
func New(conn *Conn, opts TaskOptions) *Queue {
	return &Queue{
		conn:      conn,
		client:    asynq.NewClientFromRedisClient(conn.rdb),
		inspector: asynq.NewInspectorFromRedisClient(conn.rdb),
		opts:      opts,
	}
}

// Inspector returns the asynq inspector on the same Redis.
func (q *Queue) Inspector() *asynq.Inspector { return q.inspector }

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error { return q.conn.Ping(ctx) }

// DeliverySeen reports whether a delivery id is recorded, which
// RecordDelivery does only once every task of the delivery is queued.
func (q *Queue) DeliverySeen(ctx context.Context, deliveryID string) (bool, error) {
	n, err := q.conn.rdb.Exists(ctx, deliveryKeyPrefix+deliveryID).Result()
	if err != nil {
		return false, fmt.Errorf("look up delivery %s: %w", deliveryID, err)
	}
	return n > 0, nil
}

// RecordDelivery records a delivery id for DeliveryTTL. Call it only after
// every task of the delivery is queued: the mark then never stands for work
// that is not in Redis. A failure before it leaves tasks without a mark,
// which is harmless: the task ids make the redelivery's enqueue find them
// (see EnqueueReview and EnqueueCommand).
func (q *Queue) RecordDelivery(ctx context.Context, deliveryID string) error {
	if err := q.conn.rdb.Set(ctx, deliveryKeyPrefix+deliveryID, time.Now().Unix(), DeliveryTTL).Err(); err != nil {
		return fmt.Errorf("record delivery %s: %w", deliveryID, err)
	}
	return nil
}

// EnqueueReview enqueues a review with id tasks.ReviewTaskID. When a task
// with that id already exists it reports existing and no error: the head is
// already queued, running or (within the retention) done. With rerun, a
// completed or archived task with that id is deleted first so the head is
// reviewed again, unless that task was queued by this very delivery: a
// redelivery of a re-run, after an answer that did not reach GitHub, finds
// its own task rather than running it twice.
func (q *Queue) EnqueueReview(ctx context.Context, p *tasks.ReviewPayload, rerun bool) (id string, existing bool, err error) {
	id = tasks.ReviewTaskID(p.Repo.ID, p.PR.Number, p.PR.HeadSHA)
	if rerun {
		if _, err := q.deleteFinished(ctx, tasks.QueueReviews, id, p.DeliveryID); err != nil {
			return id, false, err
		}
	}
	body, err := tasks.Marshal(p)
	if err != nil {
		return id, false, err
	}
	h := ReviewHeaders(p)
	observe.StampReceived(h, time.Now())
	t := asynq.NewTaskWithHeaders(tasks.TypeReview, body, h)
	existing, err = q.enqueue(ctx, t, tasks.QueueReviews, id)
	return id, existing, err
}

// EnqueueCommand enqueues a command with id tasks.CommandTaskID; an existing
// task with that id (the same delivery) is reported as existing.
func (q *Queue) EnqueueCommand(ctx context.Context, p *tasks.CommandPayload) (id string, existing bool, err error) {
	id = tasks.CommandTaskID(p.DeliveryID)
	body, err := tasks.Marshal(p)
	if err != nil {
		return id, false, err
	}
	h := CommandHeaders(p)
	observe.StampReceived(h, time.Now())
	t := asynq.NewTaskWithHeaders(tasks.TypeCommand, body, h)
	existing, err = q.enqueue(ctx, t, tasks.QueueCommands, id)
	return id, existing, err
}

// EnqueueCleanup enqueues the removal of a closed pull request's caches
// with id tasks.CleanupTaskID, on the maintenance queue.
func (q *Queue) EnqueueCleanup(ctx context.Context, p *tasks.CleanupPayload) (id string, existing bool, err error) {
	id = tasks.CleanupTaskID(p.DeliveryID)
	body, err := tasks.Marshal(p)
	if err != nil {
		return id, false, err
	}
	h := map[string]string{
		tasks.HeaderDelivery:     p.DeliveryID,
		tasks.HeaderInstallation: strconv.FormatInt(p.InstallationID, 10),
		tasks.HeaderRepo:         p.Repo.FullName,
		tasks.HeaderPR:           strconv.Itoa(p.PRNumber),
	}
	existing, err = q.enqueue(ctx, asynq.NewTaskWithHeaders(tasks.TypeCleanup, body, h), tasks.QueueMaintenance, id)
	return id, existing, err
}

func (q *Queue) enqueue(ctx context.Context, t *asynq.Task, queue, id string) (bool, error) {
	opts := []asynq.Option{
		asynq.Queue(queue),
		asynq.TaskID(id),
		asynq.MaxRetry(q.opts.MaxRetry),
	}
	if q.opts.Timeout > 0 {
		opts = append(opts, asynq.Timeout(q.opts.Timeout))
	}
	if q.opts.Retention > 0 {
		opts = append(opts, asynq.Retention(q.opts.Retention))
	}
	start := time.Now()
	_, err := q.client.EnqueueContext(ctx, t, opts...)
	enqueueSeconds.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("enqueue %s task %s: %w", t.Type(), id, err)
	}
	return false, nil
}

// DeleteFinished deletes the task id from queue when it is completed or
// archived (failed for good), so that it no longer blocks a new task with the
// same id. Pending, scheduled, retrying and running tasks are left alone. It
// reports whether a task was deleted.
func (q *Queue) DeleteFinished(ctx context.Context, queue, id string) (bool, error) {
	return q.deleteFinished(ctx, queue, id, "")
}

// deleteFinished is DeleteFinished that also keeps a task queued by the
// delivery keepDelivery (when not empty).
func (q *Queue) deleteFinished(ctx context.Context, queue, id, keepDelivery string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	info, err := q.inspector.GetTaskInfo(queue, id)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up task %s: %w", id, err)
	}
	if info.State != asynq.TaskStateCompleted && info.State != asynq.TaskStateArchived {
		return false, nil
	}
	if keepDelivery != "" && info.Headers[tasks.HeaderDelivery] == keepDelivery {
		return false, nil
	}
	err = q.inspector.DeleteTask(queue, id)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("delete %s task %s: %w", info.State, id, err)
	}
	return true, nil
}

// ReviewHeaders is the log context of a review task.
func ReviewHeaders(p *tasks.ReviewPayload) map[string]string {
	return map[string]string{
		tasks.HeaderDelivery:     p.DeliveryID,
		tasks.HeaderInstallation: strconv.FormatInt(p.InstallationID, 10),
		tasks.HeaderRepo:         p.Repo.FullName,
		tasks.HeaderPR:           strconv.Itoa(p.PR.Number),
		tasks.HeaderHeadSHA:      p.PR.HeadSHA,
	}
}

// CommandHeaders is the log context of a command task.
func CommandHeaders(p *tasks.CommandPayload) map[string]string {
	h := map[string]string{
		tasks.HeaderDelivery:     p.DeliveryID,
		tasks.HeaderInstallation: strconv.FormatInt(p.InstallationID, 10),
		tasks.HeaderRepo:         p.Repo.FullName,
		tasks.HeaderPR:           strconv.Itoa(p.PRNumber),
	}
	if p.PR != nil && p.PR.HeadSHA != "" {
		h[tasks.HeaderHeadSHA] = p.PR.HeadSHA
	}
	return h
}

// Close is a no-op kept for symmetry: the Queue shares its Conn's pool,
// which the owner of the Conn closes.
func (q *Queue) Close() error { return nil }
