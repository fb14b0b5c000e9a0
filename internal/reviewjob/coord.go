package reviewjob

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
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

var (
	// renewScript extends the lease when the lock is still ours.
	renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
	// releaseScript deletes the lock when it is still ours.
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
)

// errLockLost reports that the per-PR lock expired under a running task.
var errLockLost = errors.New("lost the pull request's review lock")

// lockPR waits for the pull request's lock and holds it, renewing its lease,
// until the returned unlock is called. The returned context is cancelled
// if the lease is lost.
func (r *Reviewer) lockPR(ctx context.Context, j *job) (unlock func(), _ context.Context, err error) {
	key, lease := r.prKey("lock", j), r.opts.LockLease
	value := j.taskID
	if attempt, ok := asynq.GetRetryCount(ctx); ok {
		value = fmt.Sprintf("%s#%d", j.taskID, attempt)
	}
	waited := false
	for {
		ok, err := r.opts.Redis.SetNX(ctx, key, value, lease).Result()
		if err != nil {
			return nil, ctx, fmt.Errorf("take the pull request's review lock: %w", err)
		}
		if ok {
			break
		}
		if !waited {
			j.log.Info("another worker is reviewing this pull request: waiting for it")
			waited = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx, fmt.Errorf("wait for the pull request's review lock: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	lockCtx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n, err := renewScript.Run(lockCtx, r.opts.Redis, []string{key}, value, lease.Milliseconds()).Int()
				if err == nil && n == 0 {
					j.log.Error("review lock lost: stopping")
					cancel(errLockLost)
					return
				}
				if err != nil {
					j.log.Warn("renew review lock", "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		cancel(nil)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := releaseScript.Run(rctx, r.opts.Redis, []string{key}, value).Err(); err != nil {
			j.log.Warn("release review lock (it expires with its lease)", "err", err)
		}
	}, lockCtx, nil
}
