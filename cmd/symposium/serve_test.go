package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSubcommandHelpListsSettings(t *testing.T) {
	for name, envs := range map[string][]string{
		"serve":   {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_FILE", "GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS", "GITHUB_API_URL", "REDIS_URL", "SYMPOSIUM_LISTEN", "SYMPOSIUM_CONCURRENCY"},
		"webhook": {"GITHUB_WEBHOOK_SECRET", "REDIS_URL", "SYMPOSIUM_LISTEN"},
		"worker":  {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_API_URL", "REDIS_URL", "SYMPOSIUM_CONCURRENCY"},
	} {
		var out bytes.Buffer
		if code := run(context.Background(), []string{name, "--help"}, &out, &out); code != 0 {
			t.Errorf("%s --help exited %d", name, code)
		}
		for _, env := range envs {
			if !strings.Contains(out.String(), env) {
				t.Errorf("%s --help lacks %s", name, env)
			}
		}
	}
}

func TestWebhookNeedsSecret(t *testing.T) {
	t.Setenv("GITHUB_WEBHOOK_SECRET", "")
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"webhook"}, &out, &out); code != 2 || !strings.Contains(out.String(), "GITHUB_WEBHOOK_SECRET") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestServeEmbedded starts `symposium serve` with no REDIS_URL and sends it a
// signed delivery.
func TestServeEmbedded(t *testing.T) {
	for _, k := range []string{"REDIS_URL", "GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("GITHUB_WEBHOOK_SECRET", "s3cret")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--shutdown-timeout", "2s"}, io.Discard, &logs)
	}()

	body, err := os.ReadFile("../../webhook/testdata/github-webhooks/pull_request.opened.payload.json")
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", "serve-1")
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	out := logs.String()
	if !strings.Contains(out, "QUEUED WORK IS LOST") || strings.Contains(out, "s3cret") {
		t.Errorf("logs: %s", out)
	}
	if !strings.Contains(out, "worker started") {
		t.Errorf("the worker did not start: %s", out)
	}
}
