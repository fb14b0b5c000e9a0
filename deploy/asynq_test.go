package deploy_test

import (
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/symposium-dev/symposium/internal/tasks"
)

// pendingKey is the Redis list where asynq keeps the tasks waiting in queue
// q, which worker-keda.yaml watches.
func pendingKey(q string) string { return "asynq:{" + q + "}:pending" }

// TestPendingKeyIsAsynqs enqueues with asynq and looks where the task went,
// so an asynq upgrade that moves it fails here rather than in a cluster.
func TestPendingKeyIsAsynqs(t *testing.T) {
	mr := miniredis.RunT(t)
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: mr.Addr()})
	defer client.Close()
	for _, q := range []string{tasks.QueueCommands, tasks.QueueReviews} {
		if _, err := client.Enqueue(asynq.NewTask("deploy:test", nil), asynq.Queue(q)); err != nil {
			t.Fatal(err)
		}
		list, err := mr.List(pendingKey(q))
		if err != nil || len(list) != 1 {
			t.Errorf("after one enqueue on %s, list %s = %q, %v; want one task", q, pendingKey(q), list, err)
		}
	}
}
