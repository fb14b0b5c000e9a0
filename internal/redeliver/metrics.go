package redeliver

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	runs = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_redeliver_runs_total",
		Help: "Redeliver runs by outcome (done, busy: another run held the lock, error).",
	}, []string{"outcome"})

	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_redeliver_requests_total",
		Help: "Redeliveries asked of GitHub, by result (requested, error).",
	}, []string{"result"})

	skipped = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_redeliver_skipped_total",
		Help: "Failed delivery GUIDs seen by a run and not redelivered, by reason (succeeded, received, pending, gave_up, too_old, deferred).",
	}, []string{"reason"})

	lastSuccess = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "symposium_redeliver_last_success_timestamp_seconds",
		Help: "Unix time of the last redeliver run that completed without error; alert when it grows old.",
	})
)
