package queue

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// enqueueSeconds is the time an enqueue takes in Redis, by task type.
var enqueueSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "symposium_queue_enqueue_seconds",
	Help:    "Time to write one task into Redis, by task type.",
	Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
}, []string{"type"})
