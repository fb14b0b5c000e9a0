package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeWithGitHubApp runs the real `symposium serve` wiring — settings
// from the environment, the app's JWT and installation tokens, the
// embedded queue, the worker built by ForWorker — against the fake GitHub,
// and checks that a signed pull_request.opened ends in a posted review.
func TestServeWithGitHubApp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	gh, err := githubfake.New(githubfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	bare := filepath.Join(t.TempDir(), "inventory.git")
	if _, err := demo.BuildSample(ctx, bare); err != nil {
		t.Fatal(err)
	}
	if err := gh.AddRepo(demo.SampleOwner, demo.SampleName, bare); err != nil {
		t.Fatal(err)
	}
	full := demo.SampleOwner + "/" + demo.SampleName
	pr, err := gh.AddPullRequest(full, githubfake.PullRequest{HeadRef: "feature", BaseRef: "main", Title: "Describe and find"})
	if err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const secret = "app-s3cret"
	for k, v := range map[string]string{
		"REDIS_URL": "", "GITHUB_PRIVATE_KEY_FILE": "",
		"GITHUB_APP_ID":         strconv.FormatInt(gh.AppID(), 10),
		"GITHUB_PRIVATE_KEY":    string(gh.PrivateKeyPEM()),
		"GITHUB_API_URL":        gh.APIURL(),
		"GITHUB_WEBHOOK_SECRET": secret,
		"SYMPOSIUM_DATA_DIR":    t.TempDir(),
		"SYMPOSIUM_SANDBOX":     sandboxMode(),
		"SYMPOSIUM_AGENT":       "",
	} {
		t.Setenv(k, v)
	}
	gh.SetWebhook("http://"+addr+"/webhook", secret)
	logs := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", addr, "--shutdown-timeout", "5s"}, io.Discard, logs)
	}()

	payload, err := json.Marshal(github.PullRequestEvent{
		Action: github.String("opened"), Number: github.Int(pr.GetNumber()), PullRequest: pr,
		Repo: pr.GetBase().GetRepo(), Installation: &github.Installation{ID: github.Int64(gh.InstallationID())},
		Sender: pr.GetUser(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sent bool
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !sent; time.Sleep(100 * time.Millisecond) {
		d, err := gh.SendWebhook(ctx, "pull_request", payload)
		sent = err == nil && d.GetStatusCode() == 202
	}
	if !sent {
		t.Fatalf("the receiver never took the delivery; logs:\n%s", logs.String())
	}
	var reviews []*github.PullRequestReview
	for ctx.Err() == nil {
		if reviews = gh.Reviews(full, pr.GetNumber()); len(reviews) > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(reviews) != 1 || !strings.Contains(reviews[0].GetBody(), "## Symposium review") {
		t.Fatalf("reviews %v; logs:\n%s", reviews, logs.String())
	}
	var runs []*github.CheckRun
	for ctx.Err() == nil {
		runs = gh.CheckRuns(full)
		if len(runs) == 1 && runs[0].GetStatus() == "completed" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(runs) != 1 || runs[0].GetConclusion() != "neutral" {
		t.Errorf("check runs %v", runs)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	out := logs.String()
	if strings.Contains(out, secret) || strings.Contains(out, "PRIVATE KEY") {
		t.Error("a secret is in the logs")
	}
	if strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("a clean run and shutdown logged an error:\n%s", out)
	}
	tokens := gh.Tokens()
	if len(tokens) == 0 {
		t.Error("no installation token was issued")
	}
	for _, tok := range tokens {
		if strings.Contains(out, tok) {
			t.Error("an installation token is in the logs")
		}
	}
}
