package worker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
)

type recordingReviewer struct {
	mu   sync.Mutex
	got  []tasks.ReviewPayload
	done chan struct{}
}

func (r *recordingReviewer) Review(ctx context.Context, p tasks.ReviewPayload) error {
	Logger(ctx).Info("reviewing")
	r.mu.Lock()
	r.got = append(r.got, p)
	r.mu.Unlock()
	r.done <- struct{}{}
	return nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServerRunsTasks enqueues a review and a command and checks the worker
// hands them to the implementations with the log context of the headers.
func TestServerRunsTasks(t *testing.T) {
	e, err := queue.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	conn, err := queue.Open(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q := queue.New(conn, queue.DefaultTaskOptions())
	ctx := context.Background()
	p := &tasks.ReviewPayload{DeliveryID: "d1", InstallationID: 7, Repo: tasks.Repo{ID: 1, Owner: "o", Name: "r", FullName: "o/r"}, PR: tasks.PullRequest{Number: 2, HeadSHA: "abc"}}
	if _, _, err := q.EnqueueReview(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.EnqueueCommand(ctx, &tasks.CommandPayload{DeliveryID: "d2", InstallationID: 7, Repo: p.Repo, PRNumber: 2, Command: tasks.CommandHelp, Sender: "u"}); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rev := &recordingReviewer{done: make(chan struct{}, 1)}
	srv := queue.NewServer(conn, queue.ServerOptions{Concurrency: 2, ShutdownTimeout: 5 * time.Second, Logger: log})
	runCtx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- Run(runCtx, srv, NewMux(Handlers{Reviewer: rev, Logger: log}), log) }()
	select {
	case <-rev.done:
	case <-time.After(30 * time.Second):
		t.Fatal("review task never ran")
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "command task received") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if len(rev.got) != 1 || rev.got[0].PR.HeadSHA != "abc" || rev.got[0].InstallationID != 7 {
		t.Errorf("reviewed %+v", rev.got)
	}
	out := logs.String()
	for _, want := range []string{"msg=reviewing", "delivery=d1", "repo=o/r", "pr=2", "head_sha=abc", "task_id=review:1:2:abc", "command task received", "command=help"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestBadPayloadSkipsRetry(t *testing.T) {
	mux := NewMux(Handlers{Logger: slog.New(slog.DiscardHandler)})
	task := asynq.NewTask(tasks.TypeReview, []byte(`{"version":99}`))
	err := mux.ProcessTask(context.Background(), task)
	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("got %v; want SkipRetry", err)
	}
	if err := mux.ProcessTask(context.Background(), asynq.NewTask(tasks.TypeRedeliver, []byte(`{"version":1}`))); err != nil {
		t.Errorf("redeliver: %v", err)
	}
}
