// Package observe holds observability helpers shared by the receiver and
// the workers: the log context of a delivery as it flows through the stages
// (delivery id, installation, repository, pull request, head SHA, task id),
// stage timers, the delivery-to-posted latency and the queue-depth collector.
//
// Typical use in a task handler:
//
//	ctx = observe.FromTask(ctx, t)              // fields from the task's headers
//	done := observe.Stage(ctx, "checkout")      // symposium_stage_seconds{stage="checkout"}
//	err := checkout(ctx)
//	done()
//	...
//	observe.Posted(ctx, "review")               // symposium_delivery_to_posted_seconds
//
// and logging with observe.Logger(ctx, base), or with a logger whose handler
// is wrapped by NewHandler, so that every line carries the fields.
package observe

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// HeaderReceivedAt is the task header holding when the receiver accepted
// the delivery (Unix milliseconds); see StampReceived.
const HeaderReceivedAt = "received_at"

// Fields are the log context of one unit of work. Zero fields are absent.
type Fields struct {
	Delivery     string
	Installation int64
	Repo         string
	PR           int
	HeadSHA      string
	TaskID       string
	TaskType     string
	// ReceivedAt is when the receiver accepted the delivery.
	ReceivedAt time.Time
}

type fieldsKey struct{}

// With returns ctx carrying f merged over the fields ctx already carries:
// a non-zero field of f replaces the one in ctx.
func With(ctx context.Context, f Fields) context.Context {
	cur := FieldsOf(ctx)
	if f.Delivery != "" {
		cur.Delivery = f.Delivery
	}
	if f.Installation != 0 {
		cur.Installation = f.Installation
	}
	if f.Repo != "" {
		cur.Repo = f.Repo
	}
	if f.PR != 0 {
		cur.PR = f.PR
	}
	if f.HeadSHA != "" {
		cur.HeadSHA = f.HeadSHA
	}
	if f.TaskID != "" {
		cur.TaskID = f.TaskID
	}
	if f.TaskType != "" {
		cur.TaskType = f.TaskType
	}
	if !f.ReceivedAt.IsZero() {
		cur.ReceivedAt = f.ReceivedAt
	}
	return context.WithValue(ctx, fieldsKey{}, cur)
}

// FieldsOf returns the fields ctx carries.
func FieldsOf(ctx context.Context) Fields {
	f, _ := ctx.Value(fieldsKey{}).(Fields)
	return f
}

// Attrs returns the fields as log attributes, with the key names the task
// headers and the receiver's logs use (delivery, installation, repo, pr,
// head_sha, task_id, task_type).
func (f Fields) Attrs() []slog.Attr {
	var out []slog.Attr
	add := func(k, v string) {
		if v != "" {
			out = append(out, slog.String(k, v))
		}
	}
	add(tasks.HeaderDelivery, f.Delivery)
	if f.Installation != 0 {
		out = append(out, slog.Int64(tasks.HeaderInstallation, f.Installation))
	}
	add(tasks.HeaderRepo, f.Repo)
	if f.PR != 0 {
		out = append(out, slog.Int(tasks.HeaderPR, f.PR))
	}
	add(tasks.HeaderHeadSHA, f.HeadSHA)
	add("task_id", f.TaskID)
	add("task_type", f.TaskType)
	return out
}

// Logger returns base (slog.Default() when nil) with the fields of ctx.
func Logger(ctx context.Context, base *slog.Logger) *slog.Logger {
	if base == nil {
		base = slog.Default()
	}
	attrs := FieldsOf(ctx).Attrs()
	args := make([]any, len(attrs))
	for i, a := range attrs {
		args[i] = a
	}
	return base.With(args...)
}

// FieldsFromHeaders reads the log context the receiver put in a task's
// headers (see queue.ReviewHeaders); malformed numbers are left out.
func FieldsFromHeaders(h map[string]string) Fields {
	f := Fields{Delivery: h[tasks.HeaderDelivery], Repo: h[tasks.HeaderRepo], HeadSHA: h[tasks.HeaderHeadSHA]}
	f.Installation, _ = strconv.ParseInt(h[tasks.HeaderInstallation], 10, 64)
	f.PR, _ = strconv.Atoi(h[tasks.HeaderPR])
	if ms, err := strconv.ParseInt(h[HeaderReceivedAt], 10, 64); err == nil && ms > 0 {
		f.ReceivedAt = time.UnixMilli(ms)
	}
	return f
}

// FromTask returns ctx carrying the fields of an asynq task: its headers,
// type and (inside a handler) id.
func FromTask(ctx context.Context, t *asynq.Task) context.Context {
	f := FieldsFromHeaders(t.Headers())
	f.TaskType = t.Type()
	f.TaskID, _ = asynq.GetTaskID(ctx)
	return With(ctx, f)
}

// StampReceived records in task headers when the delivery was received, for
// the delivery-to-posted latency. It keeps an earlier stamp.
func StampReceived(h map[string]string, at time.Time) {
	if _, ok := h[HeaderReceivedAt]; !ok {
		h[HeaderReceivedAt] = strconv.FormatInt(at.UnixMilli(), 10)
	}
}
