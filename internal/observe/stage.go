package observe

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	stageSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_stage_seconds",
		Help:    "Time spent in one stage of a task (checkout, cargo, agent, publish, ...).",
		Buckets: prometheus.ExponentialBuckets(0.01, 3, 12), // 10 ms .. ~30 min
	}, []string{"stage"})

	deliveryToPosted = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_delivery_to_posted_seconds",
		Help:    "Time from the receiver accepting a delivery to its result being posted on GitHub, by what was posted (review, reply, fix).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 12), // 1 s .. ~68 min
	}, []string{"kind"})
)

// Stage starts timing a stage of the work in ctx; call the returned
// function when the stage ends (once; later calls do nothing). It records
// symposium_stage_seconds{stage} and logs the duration at debug level with
// the fields of ctx.
func Stage(ctx context.Context, stage string) (end func()) {
	start := time.Now()
	done := false
	return func() {
		if done {
			return
		}
		done = true
		d := time.Since(start)
		stageSeconds.WithLabelValues(stage).Observe(d.Seconds())
		Logger(ctx, nil).DebugContext(ctx, "stage done", "stage", stage, "duration", d)
	}
}

// Time runs fn as a stage (see Stage) and returns its error.
func Time(ctx context.Context, stage string, fn func(context.Context) error) error {
	end := Stage(ctx, stage)
	defer end()
	return fn(ctx)
}

// Posted records the time from the delivery of the work in ctx (its
// Fields.ReceivedAt) to now, when the result of kind (review, reply, fix)
// is posted. It reports false, recording nothing, when ctx does not know
// when the delivery was received.
func Posted(ctx context.Context, kind string) bool {
	at := FieldsOf(ctx).ReceivedAt
	if at.IsZero() {
		return false
	}
	deliveryToPosted.WithLabelValues(kind).Observe(time.Since(at).Seconds())
	return true
}
