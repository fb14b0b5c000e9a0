package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/testredis"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/githubfake/conformance"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/redeliver"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/webhook"
	"github.com/symposium-dev/symposium/worker"
)

// redeliverRedisDB is the database this file's test owns (the other e2e
// tests use e2eRedisDB).
const redeliverRedisDB = 11

// TestRedeliverAfterRedisOutage: a delivery that failed because Redis was
// down (the receiver answered 503, GitHub recorded the failure) is
// recovered by the redeliver task once Redis is back, and processed
// exactly once: one review task, one review run; running the redeliver
// again (task or command path) asks GitHub for nothing new.
func TestRedeliverAfterRedisOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.Default()

	// Redis, reached through a proxy that can play dead.
	direct := redis.NewClient(&redis.Options{Addr: testredis.Addr(), DB: redeliverRedisDB})
	defer direct.Close()
	if err := direct.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s: %v", testredis.Addr(), err)
	}
	defer direct.FlushDB(context.Background())
	proxy := testredis.StartProxy(t, testredis.Addr())
	conn, err := queue.Open(proxy.URL(redeliverRedisDB) + "?dial_timeout=500ms&read_timeout=500ms&max_retries=0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// The real receiver over HTTP, and the fake GitHub delivering to it.
	const secret = "redeliver-secret"
	h, err := webhook.New(webhook.Options{
		Secrets: [][]byte{[]byte(secret)}, Queue: queue.New(conn, queue.DefaultTaskOptions()),
		Logger: log.With("component", "webhook"), RedisTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	receiver := httptest.NewServer(webhook.NewMux(h))
	defer receiver.Close()
	gh, err := githubfake.New(githubfake.Options{WebhookURL: receiver.URL + "/webhook", WebhookSecret: secret, Logger: log, Conformance: conformance.For(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	payload, err := os.ReadFile("../webhook/testdata/github-webhooks/pull_request.opened.payload.json")
	if err != nil {
		t.Fatal(err)
	}

	// Redis is down: the delivery fails and GitHub records it.
	proxy.SetUp(false)
	failed, err := gh.SendWebhook(ctx, "pull_request", payload)
	if err != nil {
		t.Fatal(err)
	}
	if failed.GetStatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("with Redis down the receiver answered %d, want 503", failed.GetStatusCode())
	}
	guid := failed.GetGUID()

	// Redis is back; a worker runs the review and redeliver tasks.
	proxy.SetUp(true)
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("Redis through the proxy: %v", err)
	}
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: gh.AppID(), PrivateKey: gh.PrivateKeyPEM(), BaseURL: gh.APIURL(), Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := redeliver.New(cc.AppClient().Apps, redeliver.NewStore(conn.Redis()), redeliver.Options{Logger: log})
	r.LoggerFromContext = worker.Logger
	reviews := &redeliverCountingReviewer{}
	runs := &redeliverCountingRedeliverer{next: r}
	srv := queue.NewServer(conn, queue.ServerOptions{Concurrency: 2, ShutdownTimeout: 5 * time.Second, Logger: log})
	if err := srv.Start(worker.NewMux(worker.Handlers{Reviewer: reviews, Redeliverer: runs, Logger: log})); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	client := asynq.NewClientFromRedisClient(conn.Redis())
	enqueue := func() {
		t.Helper()
		task, err := redeliver.NewTask(time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.EnqueueContext(ctx, task, redeliver.TaskOptions(redeliver.DefaultInterval)...); err != nil {
			t.Fatalf("enqueue the redeliver task: %v", err)
		}
	}

	enqueue()
	redeliverWaitFor(ctx, t, "the redelivered delivery to be reviewed", func() bool {
		return runs.calls.Load() == 1 && reviews.count() == 1
	})
	if got := gh.Redeliveries(); len(got) != 1 || got[0] != failed.GetID() {
		t.Errorf("redeliveries asked = %v, want [%d]", got, failed.GetID())
	}
	var attempts []int
	for _, d := range gh.Deliveries() {
		if d.GetGUID() == guid {
			attempts = append(attempts, d.GetStatusCode())
		}
	}
	if len(attempts) != 2 || attempts[1] != http.StatusAccepted {
		t.Errorf("attempts of %s: status codes %v, want [503 202]", guid, attempts)
	}

	// Again, as the next scheduled run would: nothing new is asked for.
	enqueue()
	redeliverWaitFor(ctx, t, "the second redeliver run", func() bool { return runs.calls.Load() == 2 })
	if got := gh.Redeliveries(); len(got) != 1 {
		t.Errorf("after a second run, redeliveries asked = %v, want one", got)
	}
	// And by hand, as `symposium redeliver --since 1h` does.
	rep, err := r.Run(ctx, time.Now().Add(-time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Selection.Candidates) != 0 || rep.Failed != 0 || len(gh.Redeliveries()) != 1 {
		t.Errorf("by hand: %d failed, %d candidates, %d redeliveries; want 0, 0, 1",
			rep.Failed, len(rep.Selection.Candidates), len(gh.Redeliveries()))
	}

	// Exactly once: one review task in Redis, reviewed once.
	if n := reviews.count(); n != 1 {
		t.Errorf("reviews run: %d, want 1", n)
	}
	if ids := reviews.deliveries(); len(ids) != 1 || ids[0] != guid {
		t.Errorf("reviewed deliveries %v, want [%s]", ids, guid)
	}
	completed, err := asynq.NewInspectorFromRedisClient(conn.Redis()).ListCompletedTasks(tasks.QueueReviews)
	if err != nil {
		t.Fatal(err)
	}
	if len(completed) != 1 {
		t.Errorf("completed review tasks: %d, want 1", len(completed))
	}
}

// redeliverCountingReviewer records the review tasks it is given.
type redeliverCountingReviewer struct {
	mu  sync.Mutex
	got []tasks.ReviewPayload
}

func (c *redeliverCountingReviewer) Review(_ context.Context, p tasks.ReviewPayload) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, p)
	return nil
}

func (c *redeliverCountingReviewer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func (c *redeliverCountingReviewer) deliveries() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, p := range c.got {
		out = append(out, p.DeliveryID)
	}
	return out
}

// redeliverCountingRedeliverer counts the redeliver tasks run to completion.
type redeliverCountingRedeliverer struct {
	next  *redeliver.Redeliverer
	calls atomic.Int32
}

func (c *redeliverCountingRedeliverer) Redeliver(ctx context.Context, p tasks.RedeliverPayload) error {
	defer c.calls.Add(1)
	return c.next.Redeliver(ctx, p)
}

func redeliverWaitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
