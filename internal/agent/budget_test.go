package agent_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/testredis"

	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/agent"
)

func TestRedisBudget(t *testing.T) {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: testredis.Addr(), DB: 13})
	defer client.Close()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v", testredis.Addr(), err)
	}
	prefix := fmt.Sprintf("test-agent-%d:", time.Now().UnixNano())
	t.Cleanup(func() {
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	b := agent.RedisBudget{Client: client, Prefix: prefix}
	day := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)
	if n, err := b.Spent(ctx, 7, day); err != nil || n != 0 {
		t.Fatalf("spent %d %v", n, err)
	}
	for _, add := range []int64{100, 250} {
		if err := b.Add(ctx, 7, day, add); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := b.Spent(ctx, 7, day); n != 350 {
		t.Errorf("spent %d, want 350", n)
	}
	if n, _ := b.Spent(ctx, 7, day.Add(2*time.Hour)); n != 0 {
		t.Errorf("next day spent %d, want 0", n)
	}
	if n, _ := b.Spent(ctx, 8, day); n != 0 {
		t.Errorf("other installation spent %d", n)
	}
	if ttl := client.TTL(ctx, prefix+"agent:tokens:7:2026-11-26").Val(); ttl <= 0 || ttl > 48*time.Hour {
		t.Errorf("ttl %v", ttl)
	}
}
