package observe

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// Inspector is the part of *asynq.Inspector the queue collector reads.
type Inspector interface {
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

var (
	queueTasksDesc = prometheus.NewDesc("symposium_queue_tasks",
		"Tasks in an asynq queue by state (pending, active, scheduled, retry, archived, completed), read from Redis at scrape time.",
		[]string{"queue", "state"}, nil)
	queueLatencyDesc = prometheus.NewDesc("symposium_queue_latency_seconds",
		"Age of the oldest pending task of a queue (0 when none is pending).",
		[]string{"queue"}, nil)
	queueUpDesc = prometheus.NewDesc("symposium_queue_up",
		"1 when the queue collector could read every queue from Redis at the last scrape, else 0.",
		nil, nil)
)

// QueueCollector is a Prometheus collector of queue depth: on each scrape
// it reads every queue of tasks.QueuePriorities through the asynq
// inspector.
type QueueCollector struct {
	insp   Inspector
	queues []string
	log    *slog.Logger
}

// NewQueueCollector returns a collector reading insp; log (nil:
// slog.Default()) receives scrape errors.
func NewQueueCollector(insp Inspector, log *slog.Logger) *QueueCollector {
	if log == nil {
		log = slog.Default()
	}
	queues := make([]string, 0, len(tasks.QueuePriorities))
	for q := range tasks.QueuePriorities {
		queues = append(queues, q)
	}
	slices.Sort(queues)
	return &QueueCollector{insp: insp, queues: queues, log: log}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueTasksDesc
	ch <- queueLatencyDesc
	ch <- queueUpDesc
}

// Collect implements prometheus.Collector. A queue that never held a task
// counts as empty; a Redis error sets symposium_queue_up to 0 rather than
// failing the whole scrape.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	up := 1.0
	existing, err := c.insp.Queues()
	if err != nil {
		c.log.Warn("queue metrics: could not list the queues in Redis", "err", err)
		ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, 0)
		return
	}
	for _, q := range c.queues {
		info, err := &asynq.QueueInfo{Queue: q}, error(nil)
		if slices.Contains(existing, q) {
			info, err = c.insp.GetQueueInfo(q)
		}
		if err != nil {
			up = 0
			c.log.Warn("queue metrics: could not read the queue from Redis", "queue", q, "err", err)
			continue
		}
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(n), q, state)
		}
		ch <- prometheus.MustNewConstMetric(queueLatencyDesc, prometheus.GaugeValue, info.Latency.Seconds(), q)
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, up)
}

// RegisterQueueCollector registers a QueueCollector on reg (nil:
// prometheus.DefaultRegisterer). Registering a second one (serve runs the
// receiver and a worker in one process) is not an error.
func RegisterQueueCollector(reg prometheus.Registerer, insp Inspector, log *slog.Logger) error {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	err := reg.Register(NewQueueCollector(insp, log))
	var already prometheus.AlreadyRegisteredError
	if err != nil && !errors.As(err, &already) {
		return fmt.Errorf("register the queue metrics: %w", err)
	}
	return nil
}
