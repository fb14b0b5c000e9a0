// Package redislock is a lease lock on one Redis key: taken with SET NX,
// renewed while its holder runs, and released only by its owner.
package redislock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	// renewScript extends the lease when the lock is still ours.
	renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`)
	// releaseScript deletes the lock when it is still ours.
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
)

// ErrLost is the cause of a held lock's context when its lease expired or
// another owner took the key.
var ErrLost = errors.New("redislock: lease lost")

// DefaultLease is the lease of a Lock that sets none.
const DefaultLease = 30 * time.Second

// defaultPoll is how often a busy lock is tried again.
const defaultPoll = 250 * time.Millisecond

// Lock describes a lease lock; its zero Lease, Poll and Log take defaults.
type Lock struct {
	// Redis holds the lock; required.
	Redis redis.UniversalClient
	// Key is the Redis key of the lock.
	Key string
	// Owner identifies the holder; only the owner renews or releases.
	Owner string
	// Lease is how long the lock outlives a holder that stopped renewing;
	// it is renewed every third of it (default DefaultLease).
	Lease time.Duration
	// Name names the lock in errors and logs, e.g. "the pull request's fix lock".
	Name string
	// Poll is how often a busy lock is tried again (default 250 ms).
	Poll time.Duration
	// Log receives renewal and release problems (default slog.Default()).
	Log *slog.Logger
	// OnWait, when set, is called once when the lock is busy.
	OnWait func()
}

// Hold waits for the lock and holds it, renewing its lease, until unlock is
// called. The returned context ends, with cause ErrLost, if the lease is
// lost. Hold fails when Redis fails or ctx ends while waiting.
func (l Lock) Hold(ctx context.Context) (unlock func(), _ context.Context, err error) {
	if l.Lease <= 0 {
		l.Lease = DefaultLease
	}
	poll, log := l.Poll, l.Log
	if poll <= 0 {
		poll = defaultPoll
	}
	if log == nil {
		log = slog.Default()
	}
	log = log.With("lock", l.Name)
	waited := false
	for {
		ok, err := l.Redis.SetNX(ctx, l.Key, l.Owner, l.Lease).Result()
		if err != nil {
			return nil, ctx, fmt.Errorf("take %s: %w", l.Name, err)
		}
		if ok {
			break
		}
		if !waited && l.OnWait != nil {
			l.OnWait()
		}
		waited = true
		select {
		case <-ctx.Done():
			return nil, ctx, fmt.Errorf("wait for %s: %w", l.Name, ctx.Err())
		case <-time.After(poll):
		}
	}
	lockCtx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(l.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n, err := renewScript.Run(lockCtx, l.Redis, []string{l.Key}, l.Owner, l.Lease.Milliseconds()).Int()
				if err == nil && n == 0 {
					log.Error("lock lost: stopping")
					cancel(ErrLost)
					return
				}
				if err != nil {
					log.Warn("renew lock", "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		cancel(nil)
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := releaseScript.Run(rctx, l.Redis, []string{l.Key}, l.Owner).Err(); err != nil {
			log.Warn("release lock (it expires with its lease)", "err", err)
		}
	}, lockCtx, nil
}
