// Command webhook benchmarks the webhook receiver over loopback against a
// real Redis, next to a minimal baseline (a bare handler that only checks
// the HMAC and does one LPUSH).
//
// Both get signed pull_request.synchronize deliveries, each with a unique
// delivery id and head SHA (so every delivery queues a new task). Two phases
// per server: a closed loop (fixed number of requests from concurrent
// clients) for throughput, then an open loop at a fixed rate for latency,
// measured from each request's scheduled send time. The last line is
//
//	webhook_throughput_ratio=<ours/baseline> p99_ms=<ours, at the fixed rate>
//
// Usage: go run ./bench/webhook [-requests 4000] [-rate 1000] [-duration 3s]
// It uses database 10 of REDIS_URL (default redis://127.0.0.1:6379) and
// flushes it before and after.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/webhook"
)

const (
	secret     = "bench-secret"
	fixture    = "webhook/testdata/github-webhooks/pull_request.synchronize.payload.json"
	fixtureSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
)

func main() {
	requests := flag.Int("requests", 4000, "requests per server in the throughput phase")
	clients := flag.Int("clients", 16, "concurrent clients in the throughput phase")
	rate := flag.Int("rate", 1000, "requests per second in the latency phase")
	duration := flag.Duration("duration", 3*time.Second, "length of the latency phase")
	db := flag.Int("db", 10, "Redis database to use (flushed)")
	flag.Parse()
	if err := run(*requests, *clients, *rate, *duration, *db); err != nil {
		fmt.Fprintln(os.Stderr, "bench/webhook:", err)
		os.Exit(1)
	}
}

type server struct {
	name string
	url  string
}

type result struct {
	n        int
	errors   int
	elapsed  time.Duration
	latency  []time.Duration
	perSec   float64
	p50, p99 time.Duration
}

func run(requests, clients, rate int, duration time.Duration, db int) error {
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	u.Path = fmt.Sprintf("/%d", db)
	conn, err := queue.Open(u.String())
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		return err
	}
	flush := func() error { return conn.Redis().FlushDB(context.Background()).Err() }
	if err := flush(); err != nil {
		return err
	}
	defer flush()

	body, err := os.ReadFile(fixture)
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))

	// Ours: the real receiver, wired as `symposium webhook` wires it.
	h, err := webhook.New(webhook.Options{
		Secrets: [][]byte{[]byte(secret)},
		Queue:   queue.New(conn, queue.DefaultTaskOptions()),
		Logger:  quiet,
	})
	if err != nil {
		return err
	}
	ours, err := listen(ctx, webhook.NewMux(h), quiet)
	if err != nil {
		return err
	}
	// Baseline: check the HMAC, LPUSH, answer.
	rdb := conn.Redis()
	base, err := listen(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(b)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Hub-Signature-256"))) {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		if err := rdb.LPush(r.Context(), "bench:baseline", b).Err(); err != nil {
			http.Error(w, "redis", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}), quiet)
	if err != nil {
		return err
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}, Timeout: 10 * time.Second}
	var seq atomic.Int64
	send := func(s server) error {
		n := seq.Add(1)
		sha := fmt.Sprintf("%040x", n)
		b := bytes.ReplaceAll(body, []byte(fixtureSHA), []byte(sha))
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(b)
		req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", n))
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}

	servers := []server{{"baseline", base + "/webhook"}, {"symposium", ours + "/webhook"}}
	fmt.Printf("loopback, Redis db %d, %d-byte payloads, GOMAXPROCS shared by client and servers\n", db, len(body))
	// Warm up connections and code paths.
	for _, s := range servers {
		closedLoop(s, 200, clients, send)
	}
	through := map[string]result{}
	latency := map[string]result{}
	for _, s := range servers {
		through[s.name] = closedLoop(s, requests, clients, send)
	}
	for _, s := range servers {
		latency[s.name] = openLoop(s, rate, duration, send)
	}
	for _, s := range servers {
		t, l := through[s.name], latency[s.name]
		fmt.Printf("%-9s throughput: %7.0f req/s (%d requests, %d clients, %d errors; p50 %.2f ms, p99 %.2f ms)\n",
			s.name, t.perSec, t.n, clients, t.errors, ms(t.p50), ms(t.p99))
		fmt.Printf("%-9s at %d req/s for %v: p50 %.2f ms, p99 %.2f ms (%d requests, %d errors)\n",
			s.name, rate, duration, ms(l.p50), ms(l.p99), l.n, l.errors)
	}
	ratio := through["symposium"].perSec / through["baseline"].perSec
	fmt.Printf("webhook_throughput_ratio=%.2f p99_ms=%.2f\n", ratio, ms(latency["symposium"].p99))
	return nil
}

func listen(ctx context.Context, h http.Handler, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = metrics.ServeListener(ctx, ln, h, time.Second, log) }()
	return "http://" + ln.Addr().String(), nil
}

// closedLoop sends n requests from c concurrent clients.
func closedLoop(s server, n, c int, send func(server) error) result {
	var next atomic.Int64
	var mu sync.Mutex
	var r result
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				t := time.Now()
				err := send(s)
				d := time.Since(t)
				mu.Lock()
				r.latency = append(r.latency, d)
				if err != nil {
					r.errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return summarize(r)
}

// openLoop sends rate requests per second for d, each at its scheduled time
// whatever the previous ones are doing; latency counts from that time.
func openLoop(s server, rate int, d time.Duration, send func(server) error) result {
	total := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	var mu sync.Mutex
	var r result
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Go(func() {
			err := send(s)
			lat := time.Since(at)
			mu.Lock()
			r.latency = append(r.latency, lat)
			if err != nil {
				r.errors++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return summarize(r)
}

func summarize(r result) result {
	r.n = len(r.latency)
	slices.Sort(r.latency)
	if r.n > 0 {
		r.p50 = r.latency[r.n*50/100]
		r.p99 = r.latency[min(r.n-1, r.n*99/100)]
		r.perSec = float64(r.n) / r.elapsed.Seconds()
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
