package webhook

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/symposium-dev/symposium/internal/queue"
)

// BenchmarkHandlerRealRedis serves signed pull_request.synchronize
// deliveries, each with its own delivery id and head SHA (so each queues a
// new task), to the handler on the real Redis, logging JSON at info level
// as `symposium webhook` does (to io.Discard). Profile it with
//
//	go test -run '^$' -bench HandlerRealRedis -cpuprofile cpu.out ./webhook/
func BenchmarkHandlerRealRedis(b *testing.B) {
	conn := realRedis(b)
	h, err := New(Options{
		Secrets: [][]byte{[]byte(testSecret)},
		Queue:   queue.New(conn, queue.DefaultTaskOptions()),
		Logger:  slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	fixture := loadFixture(b, "pull_request.synchronize.payload.json")
	const sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	const batch = 500
	reqs := make([]*http.Request, 0, batch)
	n := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(fixture)))
	b.ResetTimer()
	for i := range b.N {
		if i%batch == 0 {
			b.StopTimer()
			reqs = reqs[:0]
			for range min(batch, b.N-i) {
				n++
				body := bytes.ReplaceAll(fixture, []byte(sha), fmt.Appendf(nil, "%040x", n))
				reqs = append(reqs, delivery("pull_request", fmt.Sprintf("bench-%d", n), body))
			}
			b.StartTimer()
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i%batch])
		if w.Code != http.StatusAccepted {
			b.Fatalf("answer %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkRoute decodes and routes a pull_request.synchronize payload: the
// receiver's largest CPU cost per delivery after the HMAC.
func BenchmarkRoute(b *testing.B) {
	body := loadFixture(b, "pull_request.synchronize.payload.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Route("pull_request", "bench", body, RouteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
