package queue

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// TestServerPicksUpPromptly enqueues a task on an idle server (its queues
// were empty long enough for the workers to be between checks) and expects
// it to start well under asynq's default one-second check interval. The
// bound is loose for loaded machines; bench/bot carries the real figure.
func TestServerPicksUpPromptly(t *testing.T) {
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

	srv := NewServer(conn, ServerOptions{Concurrency: 1, ShutdownTimeout: time.Second})
	started := make(chan time.Time, 4)
	mux := asynq.NewServeMux()
	mux.HandleFunc("probe", func(context.Context, *asynq.Task) error {
		started <- time.Now()
		return nil
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	client := asynq.NewClientFromRedisClient(conn.Redis())
	for i := range 3 {
		time.Sleep(200 * time.Millisecond) // let the worker go idle
		enqueued := time.Now()
		if _, err := client.Enqueue(asynq.NewTask("probe", nil), asynq.Queue(tasks.QueueReviews)); err != nil {
			t.Fatal(err)
		}
		select {
		case at := <-started:
			if d := at.Sub(enqueued); d > 300*time.Millisecond {
				t.Errorf("task %d started %v after it was enqueued; want < 300ms", i, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("task %d never started", i)
		}
	}
}
