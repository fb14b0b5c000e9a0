package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// embeddedReceiver returns a receiver on a fresh in-process Redis.
func embeddedReceiver(t *testing.T, opts Options) (*Handler, *queue.Queue) {
	t.Helper()
	e, err := queue.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	conn, err := queue.Open(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	q := queue.New(conn, queue.DefaultTaskOptions())
	opts.Queue = q
	if opts.Secrets == nil {
		opts.Secrets = [][]byte{[]byte(testSecret)}
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h, q
}

const prTaskID = "review:186853002:2:ec26c3e57ca3a959ca5aad62de7213c562f8c821"

func TestDeliveries(t *testing.T) {
	draft := editFixture(t, "pull_request.opened.payload.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["draft"] = true
	})
	noInstallation := editFixture(t, "pull_request.opened.payload.json", func(m map[string]any) { delete(m, "installation") })
	fixAction := editFixture(t, "check_run.requested_action.payload.json", func(m map[string]any) {
		m["requested_action"] = map[string]any{"identifier": "fix"}
	})
	checkRunOnPR := editFixture(t, "check_run.rerequested.payload.json", func(m map[string]any) {
		m["check_run"].(map[string]any)["pull_requests"] = []any{map[string]any{
			"number": 7, "head": map[string]any{"ref": "topic", "sha": "d6fde92930d4715a2b49857d24b940956b26d2d3", "repo": map[string]any{"id": 526}},
			"base": map[string]any{"ref": "main", "sha": "aaaa", "repo": map[string]any{"id": 526}},
		}}
	})
	tests := []struct {
		name, event string
		body        []byte
		code        int
		status      string
		taskID      string
	}{
		{"ping", "ping", loadFixture(t, "ping.with-app_id.payload.json"), 200, "pong", ""},
		{"opened", "pull_request", loadFixture(t, "pull_request.opened.payload.json"), 202, "queued", prTaskID},
		{"opened null body", "pull_request", loadFixture(t, "pull_request.opened.with-null-body.json"), 202, "queued", prTaskID},
		{"synchronize", "pull_request", loadFixture(t, "pull_request.synchronize.payload.json"), 202, "queued", prTaskID},
		{"reopened", "pull_request", loadFixture(t, "pull_request.reopened.payload.json"), 202, "queued", prTaskID},
		{"ready for review", "pull_request", loadFixture(t, "pull_request.ready_for_review.with-installation.payload.json"), 202, "queued", prTaskID},
		{"closed", "pull_request", loadFixture(t, "pull_request.closed.payload.json"), 202, "queued", "cleanup:D"},
		{"labeled", "pull_request", loadFixture(t, "pull_request.labeled.payload.json"), 200, "ignored", ""},
		{"converted to draft", "pull_request", loadFixture(t, "pull_request.converted_to_draft.with-installation.payload.json"), 200, "ignored", ""},
		{"draft opened", "pull_request", draft, 200, "ignored", ""},
		{"no installation", "pull_request", noInstallation, 400, "error", ""},
		{"comment on issue", "issue_comment", loadFixture(t, "issue_comment.created.with-installation.payload.json"), 200, "ignored", ""},
		{"comment without command", "issue_comment", prComment(t, "LGTM"), 200, "ignored", ""},
		{"fix comment", "issue_comment", prComment(t, "Thanks!\n/symposium fix"), 202, "queued", "command:D"},
		{"quoted fix comment", "issue_comment", prComment(t, "> /symposium fix\nno"), 200, "ignored", ""},
		{"edited comment", "issue_comment", loadFixture(t, "issue_comment.edited.payload.json"), 200, "ignored", ""},
		{"check run action", "check_run", loadFixture(t, "check_run.requested_action.payload.json"), 202, "queued", "command:D"},
		{"check run fix action", "check_run", fixAction, 202, "queued", "command:D"},
		{"check run rerequested off PR", "check_run", loadFixture(t, "check_run.rerequested.payload.json"), 200, "ignored", ""},
		{"check run rerequested", "check_run", checkRunOnPR, 202, "queued", "review:526:7:d6fde92930d4715a2b49857d24b940956b26d2d3"},
		{"check suite rerequested", "check_suite", loadFixture(t, "check_suite.rerequested.payload.json"), 202, "queued", prTaskID},
		{"check suite requested", "check_suite", loadFixture(t, "check_suite.requested.payload.json"), 200, "ignored", ""},
		{"installation", "installation", loadFixture(t, "installation.created.payload.json"), 200, "logged", ""},
		{"installation repositories", "installation_repositories", loadFixture(t, "installation_repositories.added.payload.json"), 200, "logged", ""},
		{"push", "push", loadFixture(t, "push.with-installation.payload.json"), 200, "ignored", ""},
		{"unknown event", "sponsorship", []byte(`{}`), 200, "ignored", ""},
		{"bad JSON", "pull_request", []byte(`{"action":`), 400, "error", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := embeddedReceiver(t, Options{})
			id := fmt.Sprintf("delivery-%d", i)
			code, resp := do(t, h, delivery(tt.event, id, tt.body))
			want := strings.ReplaceAll(tt.taskID, "command:D", tasks.CommandTaskID(id))
			want = strings.ReplaceAll(want, "cleanup:D", tasks.CleanupTaskID(id))
			if code != tt.code || resp.Status != tt.status || resp.TaskID != want {
				t.Errorf("got %d %+v; want %d %s task %q", code, resp, tt.code, tt.status, want)
			}
			if code == 202 && resp.DeliveryID != id {
				t.Errorf("delivery_id = %q", resp.DeliveryID)
			}
		})
	}
}

func TestReviewTaskInQueue(t *testing.T) {
	h, q := embeddedReceiver(t, Options{})
	code, resp := do(t, h, delivery("pull_request", "d1", loadFixture(t, "pull_request.synchronize.payload.json")))
	if code != 202 {
		t.Fatalf("got %d %+v", code, resp)
	}
	info, err := q.Inspector().GetTaskInfo(tasks.QueueReviews, resp.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	var p tasks.ReviewPayload
	if err := tasks.Unmarshal(info.Payload, &p); err != nil {
		t.Fatal(err)
	}
	want := tasks.ReviewPayload{
		Version: 1, DeliveryID: "d1", Event: "pull_request", Action: "synchronize", InstallationID: 1,
		Repo: tasks.Repo{ID: 186853002, Owner: "Codertocat", Name: "Hello-World", FullName: "Codertocat/Hello-World"},
		PR: tasks.PullRequest{Number: 2, HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821", HeadRef: "changes", BaseRef: "master",
			BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", HeadRepo: "Codertocat/Hello-World", Author: "Codertocat"},
	}
	if p != want {
		t.Errorf("payload\n got %+v\nwant %+v", p, want)
	}
	if info.Headers[tasks.HeaderDelivery] != "d1" || info.Headers[tasks.HeaderRepo] != "Codertocat/Hello-World" || info.Headers[tasks.HeaderPR] != "2" {
		t.Errorf("headers %v", info.Headers)
	}
	if info.Queue != tasks.QueueReviews || info.State != asynq.TaskStatePending {
		t.Errorf("queue %s state %v", info.Queue, info.State)
	}

	// The same delivery again: duplicate. Another delivery for the head: the same task.
	if code, resp := do(t, h, delivery("pull_request", "d1", loadFixture(t, "pull_request.synchronize.payload.json"))); code != 200 || resp.Status != "duplicate" {
		t.Errorf("redelivery: %d %+v", code, resp)
	}
	code, resp2 := do(t, h, delivery("pull_request", "d2", loadFixture(t, "pull_request.opened.payload.json")))
	if code != 202 || resp2.TaskID != resp.TaskID || resp2.Reason == "" {
		t.Errorf("second delivery for the head: %d %+v", code, resp2)
	}
	// A newer head makes a new task.
	newer := editFixture(t, "pull_request.synchronize.payload.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["head"].(map[string]any)["sha"] = "1111111111111111111111111111111111111111"
	})
	if code, resp3 := do(t, h, delivery("pull_request", "d3", newer)); code != 202 || resp3.TaskID == resp.TaskID {
		t.Errorf("newer head: %d %+v", code, resp3)
	}
}

func TestRerequestedRerunsArchivedTask(t *testing.T) {
	h, q := embeddedReceiver(t, Options{})
	if code, _ := do(t, h, delivery("pull_request", "d1", loadFixture(t, "pull_request.opened.payload.json"))); code != 202 {
		t.Fatal(code)
	}
	if err := q.Inspector().ArchiveTask(tasks.QueueReviews, prTaskID); err != nil {
		t.Fatal(err)
	}
	code, resp := do(t, h, delivery("check_suite", "d2", loadFixture(t, "check_suite.rerequested.payload.json")))
	if code != 202 || resp.TaskID != prTaskID || resp.Reason != "" {
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
	if info.State != asynq.TaskStatePending || !p.Full || p.Event != "check_suite" {
		t.Errorf("state %v payload %+v", info.State, p)
	}
}

func TestCommandTaskPayload(t *testing.T) {
	h, q := embeddedReceiver(t, Options{})
	code, resp := do(t, h, delivery("issue_comment", "c1", prComment(t, "  /Symposium FIX please")))
	if code != 202 {
		t.Fatalf("got %d %+v", code, resp)
	}
	info, err := q.Inspector().GetTaskInfo(tasks.QueueCommands, resp.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	var p tasks.CommandPayload
	if err := tasks.Unmarshal(info.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Command != tasks.CommandFix || p.Args != "please" || p.PRNumber != 1 || p.CommentID == 0 || p.Sender != "Codertocat" ||
		p.InstallationID != 1 || p.Repo.FullName != "Codertocat/Hello-World" {
		t.Errorf("payload %+v", p)
	}
}

func TestReviewDrafts(t *testing.T) {
	h, _ := embeddedReceiver(t, Options{Route: RouteOptions{ReviewDrafts: true}})
	draft := editFixture(t, "pull_request.opened.payload.json", func(m map[string]any) {
		m["pull_request"].(map[string]any)["draft"] = true
	})
	if code, resp := do(t, h, delivery("pull_request", "d1", draft)); code != 202 {
		t.Errorf("got %d %+v", code, resp)
	}
}

func TestRejections(t *testing.T) {
	body := loadFixture(t, "pull_request.opened.payload.json")
	tests := []struct {
		name   string
		req    func() *http.Request
		code   int
		reason string
	}{
		{"wrong signature", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Set("X-Hub-Signature-256", sign("other", body))
			return r
		}, 401, "X-Hub-Signature-256"},
		{"missing signature", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Del("X-Hub-Signature-256")
			return r
		}, 401, "X-Hub-Signature-256"},
		{"sha1 only", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Del("X-Hub-Signature-256")
			r.Header.Set("X-Hub-Signature", "sha1=0000")
			return r
		}, 401, "X-Hub-Signature-256"},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/webhook", nil) }, 405, "POST"},
		{"missing delivery", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Del("X-GitHub-Delivery")
			return r
		}, 400, "X-GitHub-Delivery"},
		{"missing event", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Del("X-GitHub-Event")
			return r
		}, 400, "X-GitHub-Event"},
		{"unsupported content type", func() *http.Request {
			r := delivery("pull_request", "x", body)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, 400, "Content-Type"},
		{"too large", func() *http.Request {
			big := bytes.Repeat([]byte(" "), MaxBodyBytes+1)
			return delivery("pull_request", "x", big)
		}, 413, "25 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := embeddedReceiver(t, Options{})
			code, resp := do(t, h, tt.req())
			if code != tt.code || !strings.Contains(resp.Reason, tt.reason) {
				t.Errorf("got %d %+v; want %d with %q", code, resp, tt.code, tt.reason)
			}
		})
	}
}

func TestPreviousSecretAndForm(t *testing.T) {
	h, _ := embeddedReceiver(t, Options{Secrets: [][]byte{[]byte("new-secret"), []byte(testSecret)}})
	body := loadFixture(t, "pull_request.opened.payload.json")
	if code, resp := do(t, h, delivery("pull_request", "d1", body)); code != 202 {
		t.Errorf("previous secret: %d %+v", code, resp)
	}
	form := []byte(url.Values{"payload": {string(loadFixture(t, "pull_request.synchronize.payload.json"))}}.Encode())
	r := delivery("pull_request", "d2", form)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, resp := do(t, h, r); code != 202 || resp.TaskID != prTaskID {
		t.Errorf("form body: %d %+v", code, resp)
	}
}

// failingQueue fails the enqueue of reviews (failReviews) or the record
// of the delivery id (failRecord), after the real work is done: the reply
// of Redis is what got lost.
type failingQueue struct {
	*queue.Queue
	failReviews, failRecord bool
}

func (f *failingQueue) EnqueueReview(ctx context.Context, p *tasks.ReviewPayload, rerun bool) (string, bool, error) {
	id, existing, err := f.Queue.EnqueueReview(ctx, p, rerun)
	if err == nil && f.failReviews {
		err = errors.New("connection reset")
	}
	return id, existing, err
}

func (f *failingQueue) RecordDelivery(ctx context.Context, id string) error {
	if f.failRecord {
		return errors.New("connection reset")
	}
	return f.Queue.RecordDelivery(ctx, id)
}

// TestFailedEnqueueLeavesNoMark: whichever Redis step fails, the delivery
// is answered 503 without being marked seen, and its redelivery finds the
// task already queued: one task, answered 202.
func TestFailedEnqueueLeavesNoMark(t *testing.T) {
	for _, tt := range []struct {
		name string
		fq   failingQueue
	}{
		{"enqueue", failingQueue{failReviews: true}},
		{"record", failingQueue{failRecord: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, q := embeddedReceiver(t, Options{})
			fq := tt.fq
			fq.Queue = q
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			h, err := New(Options{Secrets: [][]byte{[]byte(testSecret)}, Queue: &fq, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			body := loadFixture(t, "pull_request.opened.payload.json")
			if code, resp := do(t, h, delivery("pull_request", "d1", body)); code != 503 || resp.DeliveryID != "d1" {
				t.Fatalf("got %d %+v", code, resp)
			}
			if seen, err := q.DeliverySeen(context.Background(), "d1"); err != nil || seen {
				t.Fatalf("a delivery answered 503 is marked seen (%v)", err)
			}
			h2, err := New(Options{Secrets: [][]byte{[]byte(testSecret)}, Queue: q, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			if code, resp := do(t, h2, delivery("pull_request", "d1", body)); code != 202 || resp.Reason == "" {
				t.Errorf("redelivery after failure: %d %+v; want 202 finding the task queued", code, resp)
			}
			if qi, err := q.Inspector().GetQueueInfo(tasks.QueueReviews); err != nil || qi.Pending != 1 {
				t.Errorf("review queue %+v %v; want one pending task", qi, err)
			}
		})
	}
}

func TestMux(t *testing.T) {
	h, _ := embeddedReceiver(t, Options{})
	mux := NewMux(h)
	do(t, h, delivery("ping", "p1", loadFixture(t, "ping.with-app_id.payload.json")))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": `symposium_webhook_deliveries_total{action="",event="ping",outcome="pong"}`} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %.200q", path, w.Code, w.Body.String())
		}
	}
}
