// Command webhook benchmarks the webhook receiver over loopback against a
// real Redis, next to a minimal baseline (a bare handler that only checks
// the HMAC and does one LPUSH).
//
// Both get the same signed pull_request.synchronize deliveries, each with
// its own delivery id and head SHA (so each queues a new task in ours). The
// requests are prepared before any timing: the bodies share the fixture's
// bytes (only the 40-byte SHAs differ) and are signed in advance, so the
// load generator, which shares the CPUs with both servers and Redis, does
// little more than write and read sockets over a bounded set of keep-alive
// connections. Each server runs in the same process, behind the same
// http.Server settings as `symposium webhook`.
//
// Two phases, each in rounds that alternate which server goes first, the
// Redis database flushed and the heap collected before every run:
//
//   - throughput: a closed loop of -clients connections sending -requests
//     requests as fast as answers come back (median req/s of the rounds);
//   - fixed rate: -rate requests/s for -duration, each sent at its
//     scheduled time whatever the others are doing, latency counted from
//     that time (so queueing is measured, not hidden), over at most
//     -clients connections; p50/p99 over all rounds.
//
// It also prints the CPU time per request of this process and of Redis.
// The last line is
//
//	webhook_throughput_ratio=<ours/baseline> p99_ms=<ours, at the fixed rate>
//
// Usage: go run ./bench/webhook [-requests 3000] [-rate 1000] [-duration 2s] [-rounds 3]
// It uses database 10 of REDIS_URL (default redis://127.0.0.1:6379), which
// it flushes. Run it on a quiet machine: it prints the load average first.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/webhook"
)

const (
	secret     = "bench-secret"
	fixture    = "webhook/testdata/github-webhooks/pull_request.synchronize.payload.json"
	fixtureSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	// runTimeout bounds every run, whatever the servers do.
	runTimeout = 60 * time.Second
)

func main() {
	requests := flag.Int("requests", 3000, "requests per server and round in the throughput phase")
	clients := flag.Int("clients", 8, "connections per server (keep-alive)")
	rate := flag.Int("rate", 1000, "requests per second in the fixed-rate phase")
	duration := flag.Duration("duration", 2*time.Second, "length of one fixed-rate run")
	rounds := flag.Int("rounds", 3, "rounds of each phase")
	db := flag.Int("db", 10, "Redis database to use (flushed)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (load generator and both servers) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/webhook:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	b := &bench{clients: *clients, rounds: max(1, *rounds)}
	if err := b.run(*requests, *rate, *duration, *db); err != nil {
		fmt.Fprintln(os.Stderr, "bench/webhook:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// request is one prepared delivery.
type request struct {
	sha, delivery, signature string
}

type server struct {
	name   string
	url    string
	client *http.Client
}

type bench struct {
	clients, rounds int
	segments        [][]byte // the fixture split at its head SHA
	size            int64
	bodies          sync.Pool // of *[]byte
	redis           *queue.Conn
}

// pooledBody is a request body whose buffer goes back to its pool when the
// transport closes it, after its last read.
type pooledBody struct {
	*bytes.Reader
	buf    *[]byte
	pool   *sync.Pool
	closed atomic.Bool
}

func (p *pooledBody) Close() error {
	if !p.closed.Swap(true) {
		p.pool.Put(p.buf)
	}
	return nil
}

type result struct {
	n, errors int
	elapsed   time.Duration
	latency   []time.Duration
	cpu       time.Duration // of this process
	redisCPU  time.Duration
	firstErr  error
}

func (b *bench) run(requests, rate int, duration time.Duration, db int) error {
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average before: %s", load)
	}
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
	b.redis = conn
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		return err
	}
	defer b.flush()

	body, err := os.ReadFile(fixture)
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	b.segments = bytes.Split(body, []byte(fixtureSHA))
	b.size = int64(len(body))
	b.bodies.New = func() any { buf := make([]byte, 0, len(body)); return &buf }
	// The log level and format of `symposium webhook` (info, JSON), to io.Discard.
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))

	h, err := webhook.New(webhook.Options{
		Secrets: [][]byte{[]byte(secret)},
		Queue:   queue.New(conn, queue.DefaultTaskOptions()),
		Logger:  logger,
	})
	if err != nil {
		return err
	}
	ours, err := b.listen(ctx, "symposium", webhook.NewMux(h), logger)
	if err != nil {
		return err
	}
	rdb := conn.Redis()
	base, err := b.listen(ctx, "baseline", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Hub-Signature-256"))) {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		if err := rdb.LPush(r.Context(), "bench:baseline", body).Err(); err != nil {
			http.Error(w, "redis", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}), logger)
	if err != nil {
		return err
	}
	servers := []server{base, ours}

	reqs := b.prepare(max(requests, int(duration.Seconds()*float64(rate))))
	fmt.Printf("loopback, Redis db %d, %d-byte payloads, GOMAXPROCS=%d shared by load generator, both servers and Redis; %d keep-alive connections per server\n",
		db, b.size, runtime.GOMAXPROCS(0), b.clients)
	for _, s := range servers { // warm up connections, code paths, Redis scripts
		if r := b.measure(s, reqs[:min(len(reqs), 300)], func(s server, reqs []request) result { return b.closedLoop(s, reqs) }); r.errors > 0 {
			return fmt.Errorf("%s warm-up: %d errors, first: %w", s.name, r.errors, r.firstErr)
		}
	}
	through, fixed := map[string][]result{}, map[string][]result{}
	for round := range b.rounds {
		for _, s := range order(servers, round) {
			through[s.name] = append(through[s.name], b.measure(s, reqs[:requests], b.closedLoop))
		}
	}
	open := func(s server, reqs []request) result { return b.openLoop(s, reqs, rate) }
	for round := range b.rounds {
		for _, s := range order(servers, round) {
			fixed[s.name] = append(fixed[s.name], b.measure(s, reqs[:int(duration.Seconds()*float64(rate))], open))
		}
	}

	perSec := map[string]float64{}
	for _, s := range servers {
		t, f := through[s.name], merge(fixed[s.name])
		rates := make([]float64, 0, len(t))
		for _, r := range t {
			rates = append(rates, float64(r.n)/r.elapsed.Seconds())
		}
		slices.Sort(rates)
		perSec[s.name] = rates[len(rates)/2]
		all := merge(t)
		fmt.Printf("%-9s throughput: %6.0f req/s median of %v (%d clients; p50 %.2f ms, p99 %.2f ms; %d errors; CPU/request: this process %.0f µs, Redis %.0f µs)\n",
			s.name, perSec[s.name], roundTo(rates), b.clients, ms(pct(all.latency, 50)), ms(pct(all.latency, 99)), all.errors,
			us(all.cpu)/float64(all.n), us(all.redisCPU)/float64(all.n))
		var runP99 []float64
		for _, r := range fixed[s.name] {
			slices.Sort(r.latency)
			runP99 = append(runP99, float64(int(ms(pct(r.latency, 99))*100))/100)
		}
		fmt.Printf("%-9s at %d req/s: p50 %.2f ms, p99 %.2f ms (per run %v), max %.2f ms (%d requests in %d runs of %v, %d errors; CPU/request: this process %.0f µs, Redis %.0f µs)\n",
			s.name, rate, ms(pct(f.latency, 50)), ms(pct(f.latency, 99)), runP99, ms(pct(f.latency, 100)), f.n, b.rounds, duration, f.errors,
			us(f.cpu)/float64(f.n), us(f.redisCPU)/float64(f.n))
		if all.errors+f.errors > 0 {
			fmt.Printf("%-9s first error: %v\n", s.name, errors.Join(all.firstErr, f.firstErr))
		}
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average after: %s", load)
	}
	fmt.Printf("webhook_throughput_ratio=%.2f p99_ms=%.2f\n", perSec["symposium"]/perSec["baseline"], ms(pct(merge(fixed["symposium"]).latency, 99)))
	return nil
}

// prepare signs n deliveries with distinct head SHAs and delivery ids.
func (b *bench) prepare(n int) []request {
	reqs := make([]request, n)
	for i := range reqs {
		sha := fmt.Sprintf("%040x", i+1)
		mac := hmac.New(sha256.New, []byte(secret))
		for j, seg := range b.segments {
			if j > 0 {
				mac.Write([]byte(sha))
			}
			mac.Write(seg)
		}
		reqs[i] = request{sha: sha, delivery: "bench-" + strconv.Itoa(i+1), signature: "sha256=" + hex.EncodeToString(mac.Sum(nil))}
	}
	return reqs
}

func (b *bench) listen(ctx context.Context, name string, h http.Handler, log *slog.Logger) (server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return server{}, err
	}
	go func() { _ = metrics.ServeListener(ctx, ln, h, time.Second, log) }()
	client := &http.Client{
		Transport: &http.Transport{MaxConnsPerHost: b.clients, MaxIdleConnsPerHost: b.clients, DisableCompression: true},
		Timeout:   10 * time.Second,
	}
	return server{name: name, url: "http://" + ln.Addr().String() + "/webhook", client: client}, nil
}

// send posts one prepared delivery; anything but 202 is an error. The body
// is assembled into a pooled buffer (one write to the socket), handed back
// when the transport closes it.
func (b *bench) send(s server, r request) error {
	buf := b.bodies.Get().(*[]byte)
	body := (*buf)[:0]
	for j, seg := range b.segments {
		if j > 0 {
			body = append(body, r.sha...)
		}
		body = append(body, seg...)
	}
	*buf = body
	req, err := http.NewRequest(http.MethodPost, s.url, &pooledBody{Reader: bytes.NewReader(body), buf: buf, pool: &b.bodies})
	if err != nil {
		return err
	}
	req.ContentLength = b.size
	req.Header = http.Header{
		"Content-Type":        {"application/json"},
		"X-Github-Event":      {"pull_request"},
		"X-Github-Delivery":   {r.delivery},
		"X-Hub-Signature-256": {r.signature},
	}
	resp, err := s.client.Do(req)
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

// measure runs one phase on a flushed database and a collected heap, and
// takes the CPU time of this process and of Redis around it.
func (b *bench) measure(s server, reqs []request, phase func(server, []request) result) result {
	b.flush()
	runtime.GC()
	cpu0, redis0 := processCPU(), b.redisCPU()
	r := phase(s, reqs)
	r.cpu, r.redisCPU = processCPU()-cpu0, b.redisCPU()-redis0
	return r
}

// closedLoop sends reqs from b.clients concurrent senders.
func (b *bench) closedLoop(s server, reqs []request) result {
	var next atomic.Int64
	r := collector{latency: make([]time.Duration, 0, len(reqs))}
	deadline := time.Now().Add(runTimeout)
	start := time.Now()
	var wg sync.WaitGroup
	for range b.clients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(reqs)) && time.Now().Before(deadline); i = next.Add(1) - 1 {
				t := time.Now()
				err := b.send(s, reqs[i])
				r.add(time.Since(t), err)
			}
		})
	}
	wg.Wait()
	return r.result(time.Since(start))
}

// openLoop sends reqs at rate per second, each at its scheduled time
// whatever the previous ones are doing; latency counts from that time.
func (b *bench) openLoop(s server, reqs []request, rate int) result {
	interval := time.Second / time.Duration(rate)
	r := collector{latency: make([]time.Duration, 0, len(reqs))}
	deadline := time.Now().Add(runTimeout)
	var wg sync.WaitGroup
	start := time.Now()
	for i, req := range reqs {
		at := start.Add(time.Duration(i) * interval)
		if at.After(deadline) {
			break
		}
		time.Sleep(time.Until(at))
		wg.Go(func() {
			err := b.send(s, req)
			r.add(time.Since(at), err)
		})
	}
	wg.Wait()
	return r.result(time.Since(start))
}

type collector struct {
	mu       sync.Mutex
	latency  []time.Duration
	errors   int
	firstErr error
}

func (c *collector) add(d time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latency = append(c.latency, d)
	if err != nil {
		c.errors++
		if c.firstErr == nil {
			c.firstErr = err
		}
	}
}

func (c *collector) result(elapsed time.Duration) result {
	return result{n: len(c.latency), errors: c.errors, firstErr: c.firstErr, elapsed: elapsed, latency: c.latency}
}

func (b *bench) flush() {
	if err := b.redis.Redis().FlushDB(context.Background()).Err(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/webhook: flush:", err)
	}
}

// redisCPU is the CPU time Redis has used (INFO cpu), 0 when unknown.
func (b *bench) redisCPU() time.Duration {
	info, err := b.redis.Redis().Info(context.Background(), "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for line := range strings.Lines(info) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// order alternates which server runs first.
func order(s []server, round int) []server {
	if round%2 == 1 {
		return []server{s[1], s[0]}
	}
	return s
}

func merge(rs []result) result {
	var m result
	for _, r := range rs {
		m.n += r.n
		m.errors += r.errors
		m.elapsed += r.elapsed
		m.cpu += r.cpu
		m.redisCPU += r.redisCPU
		m.latency = append(m.latency, r.latency...)
		if m.firstErr == nil {
			m.firstErr = r.firstErr
		}
	}
	slices.Sort(m.latency)
	return m
}

// pct is the p-th percentile of sorted latencies.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func roundTo(rates []float64) []int {
	out := make([]int, len(rates))
	for i, r := range rates {
		out[i] = int(r + 0.5)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
