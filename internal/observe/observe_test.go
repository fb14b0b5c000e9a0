package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/tasks"
)

func TestWithMerges(t *testing.T) {
	ctx := With(context.Background(), Fields{Delivery: "d1", Repo: "o/r", PR: 7})
	ctx = With(ctx, Fields{HeadSHA: "abc", PR: 8, TaskID: "review:1"})
	got := FieldsOf(ctx)
	want := Fields{Delivery: "d1", Repo: "o/r", PR: 8, HeadSHA: "abc", TaskID: "review:1"}
	if got != want {
		t.Errorf("fields = %+v, want %+v", got, want)
	}
}

func TestFieldsFromHeaders(t *testing.T) {
	received := time.UnixMilli(1_700_000_000_123)
	h := map[string]string{
		tasks.HeaderDelivery: "d1", tasks.HeaderInstallation: "42", tasks.HeaderRepo: "o/r",
		tasks.HeaderPR: "7", tasks.HeaderHeadSHA: "abc",
	}
	StampReceived(h, received)
	StampReceived(h, received.Add(time.Hour)) // an earlier stamp is kept
	tests := []struct {
		name string
		h    map[string]string
		want Fields
	}{
		{"all", h, Fields{Delivery: "d1", Installation: 42, Repo: "o/r", PR: 7, HeadSHA: "abc", ReceivedAt: received}},
		{"malformed numbers are left out", map[string]string{tasks.HeaderPR: "x", tasks.HeaderInstallation: "-", HeaderReceivedAt: "soon"}, Fields{}},
		{"none", nil, Fields{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FieldsFromHeaders(tt.h)
			if !got.ReceivedAt.Equal(tt.want.ReceivedAt) {
				t.Errorf("ReceivedAt = %v, want %v", got.ReceivedAt, tt.want.ReceivedAt)
			}
			got.ReceivedAt, tt.want.ReceivedAt = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("fields = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFromTaskAndHandler(t *testing.T) {
	task := asynq.NewTaskWithHeaders(tasks.TypeReview, nil, map[string]string{
		tasks.HeaderDelivery: "d1", tasks.HeaderRepo: "o/r", tasks.HeaderPR: "7", tasks.HeaderHeadSHA: "abc",
	})
	ctx := FromTask(context.Background(), task)
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	log.InfoContext(ctx, "hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["delivery"] != "d1" || line["repo"] != "o/r" || line["pr"] != float64(7) || line["head_sha"] != "abc" || line["task_type"] != tasks.TypeReview {
		t.Errorf("log line %s lacks the task's fields", buf.String())
	}
	buf.Reset()
	Logger(ctx, slog.New(slog.NewJSONHandler(&buf, nil))).Info("again")
	if !strings.Contains(buf.String(), `"delivery":"d1"`) {
		t.Errorf("Logger line %s lacks the delivery", buf.String())
	}
}

func TestStageAndPosted(t *testing.T) {
	end := Stage(context.Background(), "test_stage")
	end()
	end() // a second call records nothing
	h := stageSeconds.WithLabelValues("test_stage").(prometheus.Histogram)
	if c := histogramCount(t, h); c != 1 {
		t.Errorf("test_stage observations = %d, want 1", c)
	}
	if err := Time(context.Background(), "test_stage", func(context.Context) error { return errors.New("boom") }); err == nil {
		t.Error("Time dropped the error")
	}
	if Posted(context.Background(), "review") {
		t.Error("Posted without ReceivedAt recorded something")
	}
	ctx := With(context.Background(), Fields{ReceivedAt: time.Now().Add(-3 * time.Second)})
	if !Posted(ctx, "review") {
		t.Error("Posted with ReceivedAt recorded nothing")
	}
}

func histogramCount(t *testing.T, h prometheus.Histogram) uint64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	h.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

func TestQueueCollector(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	client := asynq.NewClientFromRedisClient(rdb)
	for range 2 {
		if _, err := client.Enqueue(asynq.NewTask(tasks.TypeReview, nil), asynq.Queue(tasks.QueueReviews)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.Enqueue(asynq.NewTask(tasks.TypeRedeliver, nil), asynq.Queue(tasks.QueueMaintenance), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	if err := RegisterQueueCollector(reg, insp, nil); err != nil {
		t.Fatal(err)
	}
	if err := RegisterQueueCollector(reg, insp, nil); err != nil {
		t.Errorf("second registration: %v", err)
	}
	if up := gauge(t, reg, "symposium_queue_up"); up != 1 {
		t.Errorf("symposium_queue_up = %v, want 1", up)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "symposium_queue_tasks" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var q, s string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "queue":
					q = l.GetValue()
				case "state":
					s = l.GetValue()
				}
			}
			got[q+"/"+s] = m.GetGauge().GetValue()
		}
	}
	if got["reviews/pending"] != 2 || got["maintenance/scheduled"] != 1 || got["commands/pending"] != 0 || len(got) != 18 {
		t.Errorf("queue tasks = %v", got)
	}
}

type failingInspector struct{}

func (failingInspector) Queues() ([]string, error) { return []string{tasks.QueueReviews}, nil }

func (failingInspector) GetQueueInfo(string) (*asynq.QueueInfo, error) {
	return nil, errors.New("connection refused")
}

func TestQueueCollectorRedisDown(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := RegisterQueueCollector(reg, failingInspector{}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if up := gauge(t, reg, "symposium_queue_up"); up != 0 {
		t.Errorf("symposium_queue_up = %v, want 0", up)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no single-valued metric %s", name)
	return 0
}
