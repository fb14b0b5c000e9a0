package queue

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisLogEvery is how often one kind of go-redis message is logged: while
// Redis is down the client reports every failed dial, several a second.
const redisLogEvery = 30 * time.Second

// SetRedisLogger sends go-redis's own messages (pool and dial failures) to
// l as warnings, each distinct message at most once every 30 seconds with
// the count of the ones held back, instead of go-redis's plain-text lines
// on stderr.
func SetRedisLogger(l *slog.Logger) {
	redis.SetLogger(&redisLogger{l: l.With("component", "redis"), last: map[string]time.Time{}, held: map[string]int{}})
}

type redisLogger struct {
	l    *slog.Logger
	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

// Printf implements go-redis's internal.Logging.
func (r *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.mu.Lock()
	now := time.Now()
	if t, ok := r.last[format]; ok && now.Sub(t) < redisLogEvery {
		r.held[format]++
		r.mu.Unlock()
		return
	}
	held := r.held[format]
	r.last[format], r.held[format] = now, 0
	r.mu.Unlock()
	args := []any{}
	if held > 0 {
		args = append(args, "repeated", held)
	}
	r.l.WarnContext(ctx, fmt.Sprintf(format, v...), args...)
}
