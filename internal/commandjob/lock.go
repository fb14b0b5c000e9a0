package commandjob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	renewScript   = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
	errLockLost   = errors.New("lost the pull request's fix lock")
)

// lockPR waits for the pull request's fix lock and holds it, renewing its
// lease, until unlock is called: two fix commands on one pull request run
// one after the other, so the second sees the first one's commit. The
// returned context ends if the lease is lost.
func (c *Commander) lockPR(ctx context.Context, j *job) (unlock func(), _ context.Context, err error) {
	key := fmt.Sprintf("%sfix:lock:%d:%d", c.opts.KeyPrefix, j.p.Repo.ID, j.p.PRNumber)
	lease := c.opts.LockLease
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	value := hex.EncodeToString(b)
	waited := false
	for {
		ok, err := c.opts.Redis.SetNX(ctx, key, value, lease).Result()
		if err != nil {
			return nil, ctx, fmt.Errorf("take the pull request's fix lock: %w", err)
		}
		if ok {
			break
		}
		if !waited {
			j.log.Info("another fix of this pull request is running: waiting for it")
			waited = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx, fmt.Errorf("wait for the pull request's fix lock: %w", ctx.Err())
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
				n, err := renewScript.Run(lockCtx, c.opts.Redis, []string{key}, value, lease.Milliseconds()).Int()
				if err == nil && n == 0 {
					j.log.Error("fix lock lost: stopping")
					cancel(errLockLost)
					return
				}
				if err != nil {
					j.log.Warn("renew fix lock", "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		cancel(nil)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := releaseScript.Run(rctx, c.opts.Redis, []string{key}, value).Err(); err != nil {
			j.log.Warn("release fix lock (it expires with its lease)", "err", err)
		}
	}, lockCtx, nil
}
