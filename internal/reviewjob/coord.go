package reviewjob

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/redislock"
)

// newestTTL bounds how long the newest task of a pull request is remembered.
const newestTTL = 7 * 24 * time.Hour

func (r *Reviewer) prKey(kind string, j *job) string {
	return fmt.Sprintf("%sreview:%s:%d:%d", r.opts.KeyPrefix, kind, j.p.Repo.ID, j.p.PR.Number)
}

// claimNewest records j as the task reviewing the newest head of its pull
// request and cancels the task it replaces if that one is running.
func (r *Reviewer) claimNewest(ctx context.Context, j *job) error {
	prev, err := r.opts.Redis.SetArgs(ctx, r.prKey("newest", j), j.taskID, redis.SetArgs{Get: true, TTL: newestTTL}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("record the newest review task: %w", err)
	}
	if prev == "" || prev == j.taskID || r.opts.Inspector == nil {
		return nil
	}
	// CancelProcessing is a no-op for a task that is not running; one
	// that is pending or retrying notices the moved head when it starts.
	if err := r.opts.Inspector.CancelProcessing(prev); err != nil {
		j.log.Warn("cancel the superseded review task", "superseded_task", prev, "err", err)
		return nil
	}
	j.log.Info("asked the superseded review task to stop", "superseded_task", prev)
	return nil
}

// supersededNow tells whether a newer task of the pull request replaced j.
func (r *Reviewer) supersededNow(ctx context.Context, j *job) bool {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	newest, err := r.opts.Redis.Get(cctx, r.prKey("newest", j)).Result()
	return err == nil && newest != "" && newest != j.taskID
}

// lockPR waits for the pull request's lock and holds it, renewing its lease,
// until the returned unlock is called. The returned context is cancelled
// if the lease is lost.
func (r *Reviewer) lockPR(ctx context.Context, j *job) (unlock func(), _ context.Context, err error) {
	owner := j.taskID
	if attempt, ok := asynq.GetRetryCount(ctx); ok {
		owner = fmt.Sprintf("%s#%d", j.taskID, attempt)
	}
	return redislock.Lock{
		Redis: r.opts.Redis,
		Key:   r.prKey("lock", j),
		Owner: owner,
		Lease: r.opts.LockLease,
		Name:  "the pull request's review lock",
		Log:   j.log,
		OnWait: func() {
			j.log.Info("another worker is reviewing this pull request: waiting for it")
		},
	}.Hold(ctx)
}
