package agent

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DailyBudget counts the tokens each installation spent per UTC day.
type DailyBudget interface {
	// Spent returns the tokens installation spent on day.
	Spent(ctx context.Context, installation int64, day time.Time) (int64, error)
	// Add adds tokens to installation's count for day.
	Add(ctx context.Context, installation int64, day time.Time, tokens int64) error
}

// RedisBudget keeps the daily counts in Redis, one key per installation and
// day ("<Prefix>agent:tokens:<installation>:<YYYY-MM-DD>"), expiring after two days.
type RedisBudget struct {
	Client redis.UniversalClient
	// Prefix starts every key; "symposium:" when empty.
	Prefix string
}

func (b RedisBudget) key(installation int64, day time.Time) string {
	prefix := b.Prefix
	if prefix == "" {
		prefix = "symposium:"
	}
	return prefix + "agent:tokens:" + strconv.FormatInt(installation, 10) + ":" + day.UTC().Format(time.DateOnly)
}

// Spent implements DailyBudget.
func (b RedisBudget) Spent(ctx context.Context, installation int64, day time.Time) (int64, error) {
	n, err := b.Client.Get(ctx, b.key(installation, day)).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("agent budget: read: %w", err)
	}
	return n, nil
}

// Add implements DailyBudget.
func (b RedisBudget) Add(ctx context.Context, installation int64, day time.Time, tokens int64) error {
	key := b.key(installation, day)
	pipe := b.Client.TxPipeline()
	pipe.IncrBy(ctx, key, tokens)
	pipe.Expire(ctx, key, 48*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("agent budget: add: %w", err)
	}
	return nil
}

// MemoryBudget keeps the daily counts in memory (tests, `symposium review`).
type MemoryBudget struct {
	mu sync.Mutex
	m  map[string]int64
}

func memKey(installation int64, day time.Time) string {
	return strconv.FormatInt(installation, 10) + ":" + day.UTC().Format(time.DateOnly)
}

// Spent implements DailyBudget.
func (b *MemoryBudget) Spent(_ context.Context, installation int64, day time.Time) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[memKey(installation, day)], nil
}

// Add implements DailyBudget.
func (b *MemoryBudget) Add(_ context.Context, installation int64, day time.Time, tokens int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]int64{}
	}
	b.m[memKey(installation, day)] += tokens
	return nil
}
