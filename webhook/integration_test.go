package webhook

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// testRedisDB is the Redis database the integration tests own and flush.
const testRedisDB = "8"

// realRedis connects to REDIS_URL (default redis://127.0.0.1:6379) on
// database 8, flushed before and after the test.
func realRedis(t testing.TB) *queue.Conn {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379"
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + testRedisDB
	conn, err := queue.Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("integration tests need Redis at %s (bash .ci/run starts one): %v", conn, err)
	}
	flush := func() {
		if err := conn.Redis().FlushDB(ctx).Err(); err != nil {
			t.Error(err)
		}
	}
	flush()
	t.Cleanup(func() { flush(); conn.Close() })
	return conn
}

func receiverOn(t *testing.T, q Queue) *Handler {
	t.Helper()
	h, err := New(Options{Secrets: [][]byte{[]byte(testSecret)}, Queue: q, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestIntegrationRealRedis(t *testing.T) {
	conn := realRedis(t)
	q := queue.New(conn, queue.DefaultTaskOptions())
	h := receiverOn(t, q)
	body := loadFixture(t, "pull_request.synchronize.payload.json")

	code, resp := do(t, h, delivery("pull_request", "int-1", body))
	if code != 202 || resp.TaskID != prTaskID {
		t.Fatalf("got %d %+v", code, resp)
	}
	info, err := q.Inspector().GetTaskInfo(tasks.QueueReviews, prTaskID)
	if err != nil {
		t.Fatal(err)
	}
	var p tasks.ReviewPayload
	if err := tasks.Unmarshal(info.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if info.Type != tasks.TypeReview || p.DeliveryID != "int-1" || p.PR.HeadSHA != "ec26c3e57ca3a959ca5aad62de7213c562f8c821" || p.Repo.FullName != "Codertocat/Hello-World" {
		t.Errorf("task %s payload %+v", info.Type, p)
	}
	ttl, err := conn.Redis().TTL(context.Background(), "symposium:delivery:int-1").Result()
	if err != nil || ttl < queue.DeliveryTTL-60e9 {
		t.Errorf("delivery id TTL %v, %v; want about %v", ttl, err, queue.DeliveryTTL)
	}

	// Redelivery: duplicate, nothing more queued.
	if code, resp := do(t, h, delivery("pull_request", "int-1", body)); code != 200 || resp.Status != "duplicate" {
		t.Errorf("redelivery: %d %+v", code, resp)
	}
	// A command goes to the commands queue.
	if code, _ := do(t, h, delivery("issue_comment", "int-2", prComment(t, "/symposium review"))); code != 202 {
		t.Errorf("command: %d", code)
	}
	for queueName, want := range map[string]int{tasks.QueueReviews: 1, tasks.QueueCommands: 1} {
		qi, err := q.Inspector().GetQueueInfo(queueName)
		if err != nil {
			t.Fatal(err)
		}
		if qi.Pending != want {
			t.Errorf("queue %s: %d pending, want %d", queueName, qi.Pending, want)
		}
	}

	// A re-requested check suite re-runs a completed review of the same head.
	if _, err := q.DeleteFinished(context.Background(), tasks.QueueReviews, prTaskID); err != nil {
		t.Fatal(err)
	}
	if err := q.Inspector().ArchiveTask(tasks.QueueReviews, prTaskID); err != nil {
		t.Fatal(err)
	}
	code, resp = do(t, h, delivery("check_suite", "int-3", loadFixture(t, "check_suite.rerequested.payload.json")))
	if code != 202 || resp.Reason != "" {
		t.Errorf("rerun: %d %+v", code, resp)
	}
	if info, err := q.Inspector().GetTaskInfo(tasks.QueueReviews, prTaskID); err != nil || info.State != asynq.TaskStatePending {
		t.Errorf("after rerun: %+v %v", info, err)
	}
}

func TestIntegrationRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	conn, err := queue.Open("redis://" + addr + "/0?dial_timeout=1s&max_retries=1")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := receiverOn(t, queue.New(conn, queue.DefaultTaskOptions()))
	code, resp := do(t, h, delivery("pull_request", "down-1", loadFixture(t, "pull_request.opened.payload.json")))
	if code != 503 || resp.DeliveryID != "down-1" {
		t.Errorf("got %d %+v; want 503", code, resp)
	}
	// Deliveries that queue nothing are still answered.
	if code, resp := do(t, h, delivery("ping", "down-2", loadFixture(t, "ping.with-app_id.payload.json"))); code != 200 || resp.Status != "pong" {
		t.Errorf("ping with Redis down: %d %+v", code, resp)
	}
	w := NewMux(h)
	rec := newRecorder()
	w.ServeHTTP(rec, newGet("/readyz"))
	if rec.Code != 503 {
		t.Errorf("/readyz with Redis down: %d", rec.Code)
	}
}
