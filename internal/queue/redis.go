// Package queue connects Symposium to the Redis that holds its asynq queues:
// it parses REDIS_URL (redis://, rediss://, unix://, Redis Sentinel), runs the
// embedded in-process Redis used by `symposium serve` without REDIS_URL,
// enqueues tasks (with delivery de-duplication and task-id collapsing) and
// builds the asynq server the workers run in.
package queue

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/config"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Conn is a connection pool to the Redis that holds the queue.
type Conn struct {
	rdb  redis.UniversalClient
	desc string
}

// Open parses a Redis URL and returns a connection pool; it does no I/O.
//
// Accepted forms:
//
//	redis://[user:password@]host:port[/db][?option=value...]
//	rediss://...                          the same over TLS
//	unix://[user:password@]/path/to/socket[?db=N]
//	redis+sentinel://[user:password@]host1:port[,host2:port...][/db]?master_name=NAME[&password=...]
//	rediss+sentinel://...                 the same over TLS
//
// For Sentinel the user info authenticates to the sentinels and the
// password query parameter to the master. Options are go-redis's URL query
// options (dial_timeout, pool_size, ...).
func Open(rawURL string) (*Conn, error) {
	desc := config.RedactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse Redis URL: not a URL")
	}
	var rdb redis.UniversalClient
	switch u.Scheme {
	case "redis", "rediss", "unix":
		opts, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("parse Redis URL %s: %w", desc, err)
		}
		opts.ContextTimeoutEnabled = true
		rdb = redis.NewClient(opts)
	case "redis+sentinel", "rediss+sentinel", "redis-sentinel":
		opts, err := parseSentinel(u)
		if err != nil {
			return nil, fmt.Errorf("parse Redis Sentinel URL %s: %w", desc, err)
		}
		rdb = redis.NewFailoverClient(opts)
	default:
		return nil, fmt.Errorf("parse Redis URL %s: unsupported scheme %q", desc, u.Scheme)
	}
	return &Conn{rdb: rdb, desc: desc}, nil
}

// parseSentinel maps redis+sentinel://h1,h2/db?master_name=m onto go-redis's
// failover URL form (redis://h1/db?addr=h2&master_name=m).
func parseSentinel(u *url.URL) (*redis.FailoverOptions, error) {
	hosts := strings.Split(u.Host, ",")
	if hosts[0] == "" {
		return nil, fmt.Errorf("no sentinel host")
	}
	q := u.Query()
	if m := q.Get("master"); m != "" && !q.Has("master_name") {
		q.Set("master_name", m)
	}
	q.Del("master")
	if q.Get("master_name") == "" {
		return nil, fmt.Errorf("master_name query parameter is required")
	}
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	v := *u
	v.Scheme = "redis"
	if strings.HasPrefix(u.Scheme, "rediss") {
		v.Scheme = "rediss"
	}
	v.Host = hosts[0]
	v.RawQuery = q.Encode()
	opts, err := redis.ParseFailoverURL(v.String())
	if err != nil {
		return nil, err
	}
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

// Redis returns the client, for callers that need plain Redis commands.
func (c *Conn) Redis() redis.UniversalClient { return c.rdb }

// String describes the server without its password.
func (c *Conn) String() string { return c.desc }

// Ping checks that Redis answers.
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping Redis at %s: %w", c.desc, err)
	}
	return nil
}

// Close closes the pool.
func (c *Conn) Close() error { return c.rdb.Close() }

// Embedded is an in-process Redis (miniredis). Whatever it holds is lost when
// the process exits: it is for local use and demos only.
type Embedded struct {
	m *miniredis.Miniredis
}

// StartEmbedded starts an in-process Redis on a free loopback port.
func StartEmbedded() (*Embedded, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded Redis: %w", err)
	}
	return &Embedded{m: m}, nil
}

// URL is the redis:// URL of the embedded server.
func (e *Embedded) URL() string { return "redis://" + e.m.Addr() }

// FastForward moves the embedded server's clock, expiring keys; for tests.
func (e *Embedded) FastForward(d time.Duration) { e.m.FastForward(d) }

// Close stops the server; its data is gone.
func (e *Embedded) Close() { e.m.Close() }
