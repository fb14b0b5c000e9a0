package queue

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/tasks"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string
		check   func(t *testing.T, c redis.UniversalClient)
	}{
		{url: "redis://127.0.0.1:6379/3", check: func(t *testing.T, c redis.UniversalClient) {
			o := c.(*redis.Client).Options()
			if o.Addr != "127.0.0.1:6379" || o.DB != 3 || o.TLSConfig != nil {
				t.Errorf("%+v", o)
			}
		}},
		{url: "rediss://:pw@cache.example:6380/0", check: func(t *testing.T, c redis.UniversalClient) {
			o := c.(*redis.Client).Options()
			if o.TLSConfig == nil || o.TLSConfig.ServerName != "cache.example" || o.Password != "pw" {
				t.Errorf("%+v", o)
			}
		}},
		{url: "unix:///run/redis.sock?db=2"},
		{url: "redis+sentinel://s1:26379,s2:26379/1?master_name=mymaster&password=pw"},
		{url: "redis-sentinel://s1:26379?master=mymaster"},
		{url: "rediss+sentinel://s1:26379?master_name=m"},
		{url: "redis+sentinel://s1:26379", wantErr: "master_name"},
		{url: "http://x", wantErr: "unsupported scheme"},
		{url: "redis://h/notanumber", wantErr: "database"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := Open(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if strings.Contains(c.String(), "pw") {
				t.Errorf("password in %s", c)
			}
			if tt.check != nil {
				tt.check(t, c.Redis())
			}
		})
	}
}

// TestRetryDelay: 15s doubling to a 30-minute cap, plus at most 20%
// jitter (so two retries at the cap may come in either order).
func TestRetryDelay(t *testing.T) {
	base := 15 * time.Second
	for n := range 12 {
		d := RetryDelay(n, nil, nil)
		if d < base || d > base+base/5 {
			t.Errorf("retry %d: %v, want %v plus at most 20%%", n, d, base)
		}
		base = min(2*base, 30*time.Minute)
	}
}

func TestEnqueueAndDeleteFinished(t *testing.T) {
	e, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	conn, err := Open(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q := New(conn, DefaultTaskOptions())
	ctx := context.Background()

	if seen, err := q.DeliverySeen(ctx, "d1"); err != nil || seen {
		t.Fatalf("seen before recorded: %v %v", seen, err)
	}
	if err := q.RecordDelivery(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if seen, _ := q.DeliverySeen(ctx, "d1"); !seen {
		t.Fatal("recorded delivery not seen")
	}
	e.FastForward(DeliveryTTL + time.Second)
	if seen, _ := q.DeliverySeen(ctx, "d1"); seen {
		t.Fatal("delivery id outlived its TTL")
	}

	p := &tasks.ReviewPayload{DeliveryID: "d1", Repo: tasks.Repo{ID: 1, FullName: "o/r"}, PR: tasks.PullRequest{Number: 2, HeadSHA: "abc"}}
	id, existing, err := q.EnqueueReview(ctx, p, false)
	if err != nil || existing || id != "review:1:2:abc" {
		t.Fatalf("enqueue: %s %v %v", id, existing, err)
	}
	if _, existing, _ := q.EnqueueReview(ctx, p, true); !existing {
		t.Fatal("a pending task must not be replaced by a rerun")
	}
	if deleted, err := q.DeleteFinished(ctx, tasks.QueueReviews, id); err != nil || deleted {
		t.Fatalf("deleted a pending task: %v %v", deleted, err)
	}
	if err := q.Inspector().ArchiveTask(tasks.QueueReviews, id); err != nil {
		t.Fatal(err)
	}
	if _, existing, _ := q.EnqueueReview(ctx, p, false); !existing {
		t.Fatal("an archived task must collapse automatic deliveries")
	}
	if _, existing, err := q.EnqueueReview(ctx, p, true); err != nil || !existing {
		t.Fatalf("a redelivered rerun replaced the task its own delivery queued: %v %v", existing, err)
	}
	other := *p
	other.DeliveryID = "d2"
	if _, existing, err := q.EnqueueReview(ctx, &other, true); err != nil || existing {
		t.Fatalf("rerun of an archived task: %v %v", existing, err)
	}
	info, err := q.Inspector().GetTaskInfo(tasks.QueueReviews, id)
	if err != nil || info.State != asynq.TaskStatePending || info.Headers[tasks.HeaderHeadSHA] != "abc" || info.Headers[tasks.HeaderDelivery] != "d2" || info.MaxRetry != 5 {
		t.Fatalf("after rerun: %+v %v", info, err)
	}
	if deleted, err := q.DeleteFinished(ctx, tasks.QueueReviews, "review:nope"); err != nil || deleted {
		t.Fatalf("missing task: %v %v", deleted, err)
	}
}
