package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/internal/testredis"
)

// outageRedisDB is the database TestNoDeliveryLostToRedisOutage owns.
const outageRedisDB = 15

// TestNoDeliveryLostToRedisOutage sends a burst of deliveries (reviews,
// commands, re-runs) to the receiver over HTTP while the Redis behind it
// goes away for 200 ms and later flaps (drops every connection, eight
// times in a row), then redelivers, as GitHub and `symposium
// redeliver` would, every delivery not answered 202, until each is answered
// 202 or duplicate. Every delivery ends up queued exactly once: each
// expected task is pending once, no other task exists, and every delivery
// id is marked seen.
func TestNoDeliveryLostToRedisOutage(t *testing.T) {
	ctx := context.Background()
	direct := redis.NewClient(&redis.Options{Addr: testredis.Addr(), DB: outageRedisDB})
	defer direct.Close()
	if err := direct.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s: %v", testredis.Addr(), err)
	}
	defer direct.FlushDB(context.Background())
	proxy := testredis.StartProxy(t, testredis.Addr())
	conn, err := queue.Open(fmt.Sprintf("redis://%s/%d?dial_timeout=200ms&read_timeout=300ms&write_timeout=300ms&max_retries=-1", proxy.Addr(), outageRedisDB))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h, err := New(Options{
		Secrets: [][]byte{[]byte(testSecret)}, Queue: queue.New(conn, queue.DefaultTaskOptions()),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RedisTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	sends := outageBurst(t)
	want := map[string]bool{} // expected task ids
	for _, s := range sends {
		d, err := Route(s.event, s.id, s.body, RouteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Command != nil {
			want[tasks.CommandTaskID(s.id)] = true
		}
		for _, p := range d.Reviews {
			want[tasks.ReviewTaskID(p.Repo.ID, p.PR.Number, p.PR.HeadSHA)] = true
		}
	}

	// The burst, with two outages along the way.
	answers := make([]string, len(sends))
	var done atomic.Int32
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				answers[i] = post(t, srv.URL, sends[i])
				done.Add(1)
				time.Sleep(40 * time.Millisecond) // a burst of about a second
			}
		}()
	}
	outages := make(chan struct{})
	go func() {
		defer close(outages)
		for done.Load() < int32(len(sends)/5) {
			time.Sleep(time.Millisecond)
		}
		proxy.SetUp(false) // Redis gone for a while
		time.Sleep(200 * time.Millisecond)
		proxy.SetUp(true)
		for done.Load() < int32(len(sends)*3/5) {
			time.Sleep(time.Millisecond)
		}
		for range 8 { // Redis flapping: connections cut mid-command
			proxy.SetUp(false)
			time.Sleep(10 * time.Millisecond)
			proxy.SetUp(true)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for i := range sends {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	<-outages

	failed := 0
	for _, a := range answers {
		if a != "202 queued" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no delivery failed: the outages did not hit the burst")
	}
	// Redeliver what was not answered 202.
	for round := 0; ; round++ {
		var again []int
		for i, a := range answers {
			if a != "202 queued" && a != "200 duplicate" {
				again = append(again, i)
			}
		}
		if len(again) == 0 {
			break
		}
		if round == 5 {
			t.Fatalf("after %d rounds, %d deliveries still fail, e.g. %q", round, len(again), answers[again[0]])
		}
		for _, i := range again {
			answers[i] = post(t, srv.URL, sends[i])
		}
	}

	// Exactly once.
	insp := asynq.NewInspectorFromRedisClient(direct)
	got := map[string]int{}
	for _, qn := range []string{tasks.QueueReviews, tasks.QueueCommands} {
		pending, err := insp.ListPendingTasks(qn, asynq.PageSize(10*len(sends)))
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range pending {
			got[ti.ID]++
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("task %s queued %d times, want once", id, got[id])
		}
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("unexpected task %s (%d)", id, n)
		}
	}
	for _, s := range sends {
		if n, err := direct.Exists(ctx, "symposium:delivery:"+s.id).Result(); err != nil || n != 1 {
			t.Errorf("delivery %s not marked seen (%v)", s.id, err)
		}
	}
	t.Logf("%d deliveries, %d failed in the burst and were redelivered; %d tasks expected", len(sends), failed, len(want))
}

type outageSend struct {
	event, id string
	body      []byte
}

// outageBurst is 120 pull requests opened, 30 commands and 20 re-requested
// check suites, each its own head or delivery.
func outageBurst(t *testing.T) []outageSend {
	var out []outageSend
	for i := range 120 {
		sha := fmt.Sprintf("%040x", i+1)
		out = append(out, outageSend{"pull_request", "pr-" + strconv.Itoa(i), editFixture(t, "pull_request.opened.payload.json", func(m map[string]any) {
			pr := m["pull_request"].(map[string]any)
			pr["number"] = 1000 + i
			pr["head"].(map[string]any)["sha"] = sha
		})})
	}
	for i := range 30 {
		out = append(out, outageSend{"issue_comment", "cmd-" + strconv.Itoa(i), prComment(t, "/symposium review")})
	}
	for i := range 20 {
		sha := fmt.Sprintf("%040x", 5000+i)
		out = append(out, outageSend{"check_suite", "rerun-" + strconv.Itoa(i), editFixture(t, "check_suite.rerequested.payload.json", func(m map[string]any) {
			suite := m["check_suite"].(map[string]any)
			suite["head_sha"] = sha
			prs := suite["pull_requests"].([]any)
			pr := prs[0].(map[string]any)
			pr["number"] = 3000 + i
			suite["pull_requests"] = prs[:1]
		})})
	}
	return out
}

// post sends one signed delivery and returns "<code> <status>".
func post(t *testing.T, url string, s outageSend) string {
	req, err := http.NewRequest(http.MethodPost, url+"/webhook", bytes.NewReader(s.body))
	if err != nil {
		t.Error(err)
		return ""
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", s.event)
	req.Header.Set("X-GitHub-Delivery", s.id)
	req.Header.Set("X-Hub-Signature-256", sign(testSecret, s.body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "error " + err.Error()
	}
	defer resp.Body.Close()
	var r Response
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return strconv.Itoa(resp.StatusCode) + " " + r.Status
}
