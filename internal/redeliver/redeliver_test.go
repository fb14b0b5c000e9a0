package redeliver

import (
	"context"
	"errors"
	"github.com/symposium-dev/symposium/internal/testredis"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// testRedisDB is this package's dedicated database on the shared Redis.
const testRedisDB = 12

func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Addr(), DB: testRedisDB})
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s: %v", testredis.Addr(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rdb.FlushDB(context.Background()).Err()
		_ = rdb.Close()
	})
	return rdb
}

func testFake(t *testing.T) (*githubfake.Server, GitHub) {
	t.Helper()
	fake, err := githubfake.New(githubfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: fake.AppID(), PrivateKey: fake.PrivateKeyPEM(), BaseURL: fake.APIURL(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fake, cc.AppClient().Apps
}

func record(t *testing.T, fake *githubfake.Server, code int) string {
	t.Helper()
	d, err := fake.RecordDelivery("pull_request", []byte(`{"action":"opened","number":1,"installation":{"id":1},"repository":{"id":5}}`), code)
	if err != nil {
		t.Fatal(err)
	}
	return d.GetGUID()
}

func TestReceivedKeyMatchesQueue(t *testing.T) {
	rdb := testRedis(t)
	ctx := context.Background()
	conn, err := queue.Open(testredis.URL(12))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	q := queue.New(conn, queue.DefaultTaskOptions())
	if err := q.RecordDelivery(ctx, "guid-1"); err != nil {
		t.Fatal(err)
	}
	known, err := NewStore(rdb).Known(ctx, []string{"guid-1", "guid-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !known["guid-1"].Received || known["guid-2"].Received {
		t.Errorf("known = %+v: the receiver's de-duplication key is not where ReceivedKeyPrefix says", known)
	}
}

func TestRunBoundedAndDeduplicated(t *testing.T) {
	rdb := testRedis(t)
	fake, gh := testFake(t)
	ctx := context.Background()
	store := NewStore(rdb)
	okGUID := record(t, fake, http.StatusAccepted)
	a := record(t, fake, http.StatusServiceUnavailable)
	b := record(t, fake, 0)
	c := record(t, fake, http.StatusInternalServerError)
	received := record(t, fake, http.StatusServiceUnavailable)
	if _, err := rdb.Set(ctx, ReceivedKeyPrefix+received, 1, time.Minute).Result(); err != nil {
		t.Fatal(err)
	}
	_ = okGUID
	r := New(gh, store, Options{MaxPerRun: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	since := time.Now().Add(-time.Hour)

	dry, err := r.Run(ctx, since, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Selection.Candidates) != 2 || len(dry.Requested) != 0 || len(fake.Redeliveries()) != 0 {
		t.Fatalf("dry run: %d candidates, %d requested, fake saw %d", len(dry.Selection.Candidates), len(dry.Requested), len(fake.Redeliveries()))
	}

	first, err := r.Run(ctx, since, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := guids(first.Requested); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("first run requested %v, want [%s %s]", got, a, b)
	}
	if first.Selection.Skipped[ReasonReceived] != 1 || first.Selection.Skipped[ReasonDeferred] != 1 {
		t.Errorf("first run skipped %v", first.Selection.Skipped)
	}
	second, err := r.Run(ctx, since, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := guids(second.Requested); len(got) != 1 || got[0] != c {
		t.Errorf("second run requested %v, want [%s]", got, c)
	}
	third, err := r.Run(ctx, since, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Requested) != 0 || third.Selection.Skipped[ReasonPending] != 3 {
		t.Errorf("third run requested %v, skipped %v; want nothing, 3 pending", guids(third.Requested), third.Selection.Skipped)
	}
	if n := len(fake.Redeliveries()); n != 3 {
		t.Errorf("GitHub was asked %d times, want 3", n)
	}
}

func TestRunPaginates(t *testing.T) {
	rdb := testRedis(t)
	fake, gh := testFake(t)
	ctx := context.Background()
	for range 150 {
		record(t, fake, http.StatusAccepted)
	}
	oldest := record(t, fake, http.StatusServiceUnavailable)
	for range 120 {
		record(t, fake, http.StatusAccepted)
	}
	r := New(gh, NewStore(rdb), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rep, err := r.Run(ctx, time.Now().Add(-time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 3 || rep.Listed != 271 {
		t.Errorf("listed %d deliveries in %d pages, want 271 in 3", rep.Listed, rep.Pages)
	}
	if got := guids(rep.Requested); len(got) != 1 || got[0] != oldest {
		t.Errorf("requested %v, want [%s]", got, oldest)
	}
}

func TestRunBusy(t *testing.T) {
	rdb := testRedis(t)
	_, gh := testFake(t)
	ctx := context.Background()
	store := NewStore(rdb)
	unlock, err := store.Lock(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r := New(gh, store, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := r.Run(ctx, time.Now().Add(-time.Hour), false); !errors.Is(err, ErrBusy) {
		t.Errorf("Run with the lock held: %v, want ErrBusy", err)
	}
	if err := r.Redeliver(ctx, tasks.RedeliverPayload{Version: tasks.PayloadVersion}); err != nil {
		t.Errorf("task with the lock held: %v, want nil", err)
	}
	unlock()
	if _, err := r.Run(ctx, time.Now().Add(-time.Hour), false); err != nil {
		t.Errorf("Run after unlock: %v", err)
	}
}

func TestRunReportsGitHubErrors(t *testing.T) {
	rdb := testRedis(t)
	fake, gh := testFake(t)
	ctx := context.Background()
	record(t, fake, http.StatusServiceUnavailable)
	fake.InjectFault(githubfake.Match{Method: http.MethodPost, PathRegexp: `/app/hook/deliveries/\d+/attempts`}, githubfake.Fault{Status: http.StatusUnprocessableEntity})
	r := New(gh, NewStore(rdb), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rep, err := r.Run(ctx, time.Now().Add(-time.Hour), false)
	if err == nil || len(rep.Errors) != 1 {
		t.Fatalf("Run = %v with %d errors; want an error for the refused redelivery", err, len(rep.Errors))
	}
}

func TestNewSchedulerValidates(t *testing.T) {
	rdb := testRedis(t)
	if s, err := NewScheduler(rdb, 0, 0, nil); s != nil || err != nil {
		t.Errorf("interval 0: %v, %v; want disabled", s, err)
	}
	if _, err := NewScheduler(rdb, time.Second, 0, nil); err == nil {
		t.Error("interval 1s accepted")
	}
	s, err := NewScheduler(rdb, 10*time.Minute, time.Hour, nil)
	if err != nil || s == nil {
		t.Fatalf("NewScheduler: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func guids(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.GUID)
	}
	return out
}
