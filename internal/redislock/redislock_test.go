package redislock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

const key = "test:lock"

// eventually polls cond until it holds or a second passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a second", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHold(t *testing.T) {
	tests := []struct {
		name string
		// before runs before Hold, e.g. to make the lock busy.
		before func(t *testing.T, mr *miniredis.Miniredis)
		// timeout bounds Hold's wait; zero means none.
		timeout time.Duration
		wantErr error
		waits   int
		// held runs while the lock is held.
		held func(t *testing.T, mr *miniredis.Miniredis, lockCtx context.Context)
		// after runs after unlock.
		after func(t *testing.T, mr *miniredis.Miniredis)
	}{
		{
			name: "free lock is taken and released",
			held: func(t *testing.T, mr *miniredis.Miniredis, _ context.Context) {
				if got, _ := mr.Get(key); got != "me" {
					t.Errorf("lock value = %q, want me", got)
				}
			},
			after: func(t *testing.T, mr *miniredis.Miniredis) {
				if mr.Exists(key) {
					t.Error("lock still exists after unlock")
				}
			},
		},
		{
			name: "busy lock is waited for",
			before: func(t *testing.T, mr *miniredis.Miniredis) {
				mustSet(t, mr, "other")
				go func() {
					time.Sleep(30 * time.Millisecond)
					mr.Del(key)
				}()
			},
			waits: 1,
			held: func(t *testing.T, mr *miniredis.Miniredis, _ context.Context) {
				if got, _ := mr.Get(key); got != "me" {
					t.Errorf("lock value = %q, want me", got)
				}
			},
		},
		{
			name:    "wait ends with the context",
			before:  func(t *testing.T, mr *miniredis.Miniredis) { mustSet(t, mr, "other") },
			timeout: 30 * time.Millisecond,
			wantErr: context.DeadlineExceeded,
			waits:   1,
			after: func(t *testing.T, mr *miniredis.Miniredis) {
				if got, _ := mr.Get(key); got != "other" {
					t.Errorf("lock value = %q, want other's", got)
				}
			},
		},
		{
			name: "lease is renewed while held",
			held: func(t *testing.T, mr *miniredis.Miniredis, _ context.Context) {
				mr.SetTTL(key, time.Hour)
				eventually(t, "lease renewed", func() bool { return mr.TTL(key) <= time.Second })
			},
		},
		{
			name: "lost lease ends the context and another owner's lock stays",
			held: func(t *testing.T, mr *miniredis.Miniredis, lockCtx context.Context) {
				mustSet(t, mr, "other")
				select {
				case <-lockCtx.Done():
				case <-time.After(time.Second):
					t.Fatal("context not ended within a second of losing the lock")
				}
				if cause := context.Cause(lockCtx); !errors.Is(cause, ErrLost) {
					t.Errorf("cause = %v, want ErrLost", cause)
				}
			},
			after: func(t *testing.T, mr *miniredis.Miniredis) {
				if got, _ := mr.Get(key); got != "other" {
					t.Errorf("lock value = %q, want other's", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = rdb.Close() })
			if tt.before != nil {
				tt.before(t, mr)
			}
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			waits := 0
			l := Lock{Redis: rdb, Key: key, Owner: "me", Lease: time.Second, Name: "the test lock",
				Poll: 5 * time.Millisecond, OnWait: func() { waits++ }}
			unlock, lockCtx, err := l.Hold(ctx)
			if waits != tt.waits {
				t.Errorf("OnWait called %d times, want %d", waits, tt.waits)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Hold error = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				if tt.held != nil {
					tt.held(t, mr, lockCtx)
				}
				unlock()
				if lockCtx.Err() == nil {
					t.Error("lock context not ended by unlock")
				}
			}
			if tt.after != nil {
				tt.after(t, mr)
			}
		})
	}
}

func TestHoldDefaultLease(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	unlock, _, err := Lock{Redis: rdb, Key: key, Owner: "me", Name: "the test lock"}.Hold(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if got := mr.TTL(key); got != DefaultLease {
		t.Errorf("lease = %v, want DefaultLease (%v)", got, DefaultLease)
	}
}

func mustSet(t *testing.T, mr *miniredis.Miniredis, owner string) {
	t.Helper()
	if err := mr.Set(key, owner); err != nil {
		t.Fatal(err)
	}
}
