package webhook

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	deliveries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_webhook_deliveries_total",
		Help: "Webhook deliveries by event, action and outcome (queued, duplicate, ignored, pong, logged, unauthorized, bad_request, too_large, busy, method_not_allowed, unavailable); deliveries refused before their signature is checked count as event \"unverified\".",
	}, []string{"event", "action", "outcome"})

	enqueueSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "symposium_webhook_enqueue_seconds",
		Help:    "Time from the first Redis call of a delivery to its tasks being in Redis (de-duplication included).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
)

// events are the event names kept as metric labels; others count as
// "other" so an unauthenticated header cannot grow the label set.
var events = map[string]bool{
	"ping": true, "pull_request": true, "issue_comment": true, "check_run": true, "check_suite": true,
	"installation": true, "installation_repositories": true, "push": true, "pull_request_review": true,
	"pull_request_review_comment": true, "issues": true, "status": true, "workflow_run": true,
}

func knownEvent(event string) string {
	switch {
	case event == "":
		return "none"
	case events[event]:
		return event
	}
	return "other"
}

// actionLabel bounds an action (from a verified payload) to a short label.
func actionLabel(action string) string {
	if len(action) > 32 {
		return "other"
	}
	for _, r := range action {
		if (r < 'a' || r > 'z') && r != '_' {
			return "other"
		}
	}
	return action
}
