package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/queue"
)

// TestServeLogsWhenRedisGoesAway runs `symposium serve` with JSON logs
// against a Redis that goes away and comes to a clean shutdown: every line
// is one JSON object with no key twice, durations are in milliseconds, and
// nothing is logged at ERROR by a clean shutdown.
func TestServeLogsWhenRedisGoesAway(t *testing.T) {
	for _, k := range []string{"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_FILE"} {
		t.Setenv(k, "")
	}
	redis, err := queue.StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("REDIS_URL", redis.URL())
	t.Setenv("GITHUB_WEBHOOK_SECRET", "s3cret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--shutdown-timeout", "2s", "--log-format", "json"}, io.Discard, &logs)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "worker started"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", logs.String())
		}
	}
	redis.Close()
	time.Sleep(2500 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}

	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	n := 0
	for sc.Scan() {
		line := sc.Text()
		n++
		keys, err := topLevelKeys(line)
		if err != nil {
			t.Errorf("not a JSON line: %q (%v)", line, err)
			continue
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("key %q twice in %s", k, line)
			}
			seen[k] = true
		}
		if seen["grace"] || seen["duration"] {
			t.Errorf("a duration is not in milliseconds: %s", line)
		}
	}
	if n < 3 {
		t.Errorf("only %d log lines: %s", n, logs.String())
	}
}

// TestJSONLoggerNoDuplicateComponent: a sub-logger's component replaces its
// parent's, and durations are milliseconds.
func TestJSONLoggerNoDuplicateComponent(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	var buf lockedBuffer
	log := newLogger(&config.App{LogFormat: "json"}, &buf)
	log.With("component", "worker").With("component", "github").Info("x", "elapsed", 1500*time.Microsecond)
	keys, err := topLevelKeys(strings.TrimSpace(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(strings.Join(keys, ","), "component") != 1 || !strings.Contains(buf.String(), `"component":"github"`) ||
		!strings.Contains(buf.String(), `"elapsed_ms":1.5`) {
		t.Errorf("line %s", buf.String())
	}
}

func topLevelKeys(line string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
