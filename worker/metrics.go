package worker

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	tasksTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_worker_tasks_total",
		Help: "Tasks handled by type and outcome (done, retry, failed, bad_payload).",
	}, []string{"type", "outcome"})

	taskSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_worker_task_seconds",
		Help:    "Time spent running one task, by type.",
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
	}, []string{"type"})
)
