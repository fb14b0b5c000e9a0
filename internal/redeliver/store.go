package redeliver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys. ReceivedKeyPrefix is the receiver's de-duplication key
// (internal/queue); a test keeps the two in step.
const (
	ReceivedKeyPrefix = "symposium:delivery:"
	askedKeyPrefix    = "symposium:redeliver:asked:"
	lockKey           = "symposium:redeliver:lock"
)

// AskedTTL is how long we remember asking for a GUID. GitHub keeps
// deliveries, and lets them be redelivered, for three days.
const AskedTTL = 72 * time.Hour

// ErrBusy reports that another redeliver run holds the lock.
var ErrBusy = errors.New("another redeliver run is in progress")

// Store is the Redis state of redelivery: which GUIDs the receiver recorded,
// which we asked for, and the lock that keeps runs one at a time.
type Store struct {
	rdb redis.UniversalClient
}

// NewStore returns a Store on rdb (the queue's Redis).
func NewStore(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

// Known looks the GUIDs up: whether the receiver recorded each and how
// often we asked for it.
func (s *Store) Known(ctx context.Context, guids []string) (map[string]Known, error) {
	out := make(map[string]Known, len(guids))
	if len(guids) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	exists := make([]*redis.IntCmd, len(guids))
	asked := make([]*redis.MapStringStringCmd, len(guids))
	for i, g := range guids {
		exists[i] = pipe.Exists(ctx, ReceivedKeyPrefix+g)
		asked[i] = pipe.HGetAll(ctx, askedKeyPrefix+g)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("look up %d delivery ids in Redis: %w", len(guids), err)
	}
	for i, g := range guids {
		k := Known{Received: exists[i].Val() > 0}
		h := asked[i].Val()
		k.Asked, _ = strconv.Atoi(h["count"])
		k.LastAskedID, _ = strconv.ParseInt(h["last_id"], 10, 64)
		if unix, err := strconv.ParseInt(h["last_at"], 10, 64); err == nil {
			k.LastAsked = time.Unix(unix, 0)
		}
		out[g] = k
	}
	return out, nil
}

// MarkAsked records that we asked GitHub to redeliver guid, whose newest
// attempt was deliveryID. It is called before asking, so that a crash
// between the two cannot lead to asking twice.
func (s *Store) MarkAsked(ctx context.Context, guid string, deliveryID int64, at time.Time) error {
	key := askedKeyPrefix + guid
	pipe := s.rdb.TxPipeline()
	pipe.HIncrBy(ctx, key, "count", 1)
	pipe.HSet(ctx, key, "last_id", deliveryID, "last_at", at.Unix())
	pipe.Expire(ctx, key, AskedTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record redelivery of %s in Redis: %w", guid, err)
	}
	return nil
}

// unlockScript deletes the lock only while it still holds our token.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// Lock takes the run lock for at most ttl; it returns ErrBusy when another
// run holds it. Call the returned function to release it.
func (s *Store) Lock(ctx context.Context, ttl time.Duration) (unlock func(), err error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	ok, err := s.rdb.SetNX(ctx, lockKey, token, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("take the redeliver lock in Redis: %w", err)
	}
	if !ok {
		return nil, ErrBusy
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = unlockScript.Run(ctx, s.rdb, []string{lockKey}, token).Err()
	}, nil
}
