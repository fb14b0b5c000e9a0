package main

import (
	"bytes"
	"context"
	"github.com/symposium-dev/symposium/internal/testredis"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

func TestRedeliverCommand(t *testing.T) {
	const db = 10 // this test's own Redis database
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Addr(), DB: db})
	defer rdb.Close()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s: %v", testredis.Addr(), err)
	}
	defer rdb.FlushDB(context.Background())
	gh, err := githubfake.New(githubfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	payload := []byte(`{"action":"opened","number":7,"installation":{"id":1},"repository":{"id":5,"full_name":"octo-org/widgets"}}`)
	failed, err := gh.RecordDelivery("pull_request", payload, http.StatusServiceUnavailable)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_APP_ID", "1")
	t.Setenv("GITHUB_PRIVATE_KEY", string(gh.PrivateKeyPEM()))
	t.Setenv("GITHUB_API_URL", gh.APIURL())
	t.Setenv("REDIS_URL", testredis.URL(db))
	t.Setenv("SYMPOSIUM_LOG_LEVEL", "error")

	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := runRedeliver(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("redeliver %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String()
	}
	out := run("--since", "1h", "--dry-run")
	if !strings.Contains(out, failed.GetGUID()) || !strings.Contains(out, "octo-org/widgets#7") ||
		!strings.Contains(out, "would redeliver") || len(gh.Redeliveries()) != 0 {
		t.Errorf("dry run printed:\n%s\nand asked for %d redeliveries", out, len(gh.Redeliveries()))
	}
	out = run("--since=1h")
	if !strings.Contains(out, "redelivery requested") || len(gh.Redeliveries()) != 1 {
		t.Errorf("run printed:\n%s\nand asked for %d redeliveries, want 1", out, len(gh.Redeliveries()))
	}
	out = run("--since", "1h")
	if !strings.Contains(out, "0 selected, 1 pending") || len(gh.Redeliveries()) != 1 {
		t.Errorf("second run printed:\n%s\nand asked for %d redeliveries, want still 1", out, len(gh.Redeliveries()))
	}

	var stderr bytes.Buffer
	if err := runRedeliver(ctx, []string{"--since", "-1h"}, &bytes.Buffer{}, &stderr); err != errUsage {
		t.Errorf("negative --since: %v, want errUsage", err)
	}
}
