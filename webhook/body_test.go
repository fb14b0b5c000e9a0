package webhook

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSignatureHeaderForm(t *testing.T) {
	body := loadFixture(t, "pull_request.opened.payload.json")
	good := sign(testSecret, body)
	sha1MAC := hmac.New(sha1.New, []byte(testSecret))
	sha1MAC.Write(body)
	tests := []struct {
		name, value string
		code        int
	}{
		{"sha256 lowercase", good, 202},
		{"sha1 value in the 256 header", "sha1=" + hex.EncodeToString(sha1MAC.Sum(nil)), 401},
		{"uppercase hex", "sha256=" + strings.ToUpper(good[len("sha256="):]), 401},
		{"uppercase prefix", "SHA256=" + good[len("sha256="):], 401},
		{"short", good[:len(good)-1], 401},
		{"trailing", good + "0", 401},
		{"space", " " + good, 401},
		{"no prefix", good[len("sha256="):], 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := embeddedReceiver(t, Options{})
			r := delivery("pull_request", "sig-1", body)
			r.Header.Set("X-Hub-Signature-256", tt.value)
			if code, resp := do(t, h, r); code != tt.code {
				t.Errorf("%q: got %d %+v, want %d", tt.value, code, resp, tt.code)
			}
		})
	}
}

func TestParseSignature(t *testing.T) {
	mac := sha256.Sum256([]byte("x"))
	got, ok := parseSignature("sha256=" + hex.EncodeToString(mac[:]))
	if !ok || !bytes.Equal(got, mac[:]) {
		t.Fatalf("parseSignature = %x %v", got, ok)
	}
	if _, ok := parseSignature("sha256=" + strings.Repeat("g", 64)); ok {
		t.Error("accepted non-hex digits")
	}
}

// residentBytes is this process's resident set size, from /proc/self/statm.
func residentBytes(t testing.TB) uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		t.Fatalf("statm %q", b)
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * uint64(os.Getpagesize())
}

// TestUnauthenticatedFlood: 100 connections each announce a 25 MB body
// with a well-formed but wrong signature and send 1 MiB of it slowly, never
// finishing. The Go heap in use (runtime.MemStats.HeapInuse, sampled every
// few milliseconds; the receiver runs in this process) and the process's
// resident set size each grow by less than 100 MB, the deliveries beyond the budget are answered 503, and once the
// connections are gone the whole budget is free again.
func TestUnauthenticatedFlood(t *testing.T) {
	h, _ := embeddedReceiver(t, Options{})
	srv := httptest.NewServer(NewMux(h))
	defer srv.Close()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapInuse
	baseRSS := residentBytes(t)
	var peak, peakRSS atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			if r := residentBytes(t); r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	const conns, announced, sent, piece = 100, 25_000_000, 1 << 20, 32 << 10
	wrong := "sha256=" + strings.Repeat("ab", 32)
	head := fmt.Sprintf("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"X-GitHub-Event: push\r\nX-GitHub-Delivery: flood\r\nX-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n", wrong, announced)
	chunk := bytes.Repeat([]byte("x"), piece)
	var (
		wg    sync.WaitGroup
		busy  atomic.Int32
		opens = make([]net.Conn, conns)
	)
	for i := range conns {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		opens[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Write([]byte(head)); err != nil {
				return
			}
			for n := 0; n < sent; n += piece {
				if _, err := c.Write(chunk); err != nil {
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
			// Hold the connection; read an early answer if one comes.
			_ = c.SetReadDeadline(time.Now().Add(DefaultBodyWait + time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					busy.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range opens {
		c.Close()
	}
	close(stop)
	<-sampled

	growth := int64(peak.Load()) - int64(baseline)
	t.Logf("HeapInuse: baseline %d MB, peak %d MB, growth %d MB; %d of %d connections answered 503",
		baseline>>20, peak.Load()>>20, growth>>20, busy.Load(), conns)
	if growth >= 100<<20 {
		t.Errorf("heap grew by %d MB under the flood, want < 100 MB", growth>>20)
	}
	rssGrowth := int64(peakRSS.Load()) - int64(baseRSS)
	t.Logf("RSS: baseline %d MB, peak %d MB, growth %d MB", baseRSS>>20, peakRSS.Load()>>20, rssGrowth>>20)
	if rssGrowth >= 100<<20 {
		t.Errorf("RSS grew by %d MB under the flood, want < 100 MB", rssGrowth>>20)
	}
	if busy.Load() == 0 {
		t.Errorf("no connection was refused though %d MiB were sent against a %d MiB budget", conns*sent>>20, DefaultUnauthenticatedBytes>>20)
	}
	// Every chunk is released once the readers end.
	deadline := time.Now().Add(5 * time.Second)
	for !h.body.budget.TryAcquire(DefaultUnauthenticatedBytes) {
		if time.Now().After(deadline) {
			t.Fatal("the unauthenticated budget is not released after the connections closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.body.budget.Release(DefaultUnauthenticatedBytes)
	body := loadFixture(t, "pull_request.opened.payload.json")
	if code, resp := do(t, h, delivery("pull_request", "after-flood", body)); code != 202 {
		t.Errorf("after the flood: %d %+v", code, resp)
	}
}
