package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/githubfake/conformance"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// e2eRedisDB is the Redis database the tests own; it is flushed before
// each test and after the last.
const e2eRedisDB = "14"

var (
	// dataDir is shared by every test so that cargo's target dir stays warm.
	dataDir string
	logs    = &syncBuffer{}
	logger  = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "symposium-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dataDir = dir
	// The analysis and cargo log to the default logger: capture them too.
	slog.SetDefault(logger)
	code := m.Run()
	if code != 0 {
		out := logs.String()
		if len(out) > 20000 {
			out = out[len(out)-20000:]
		}
		fmt.Fprintf(os.Stderr, "--- last logs ---\n%s\n", out)
	}
	if rdb := openRedis(); rdb != nil {
		rdb.FlushDB(context.Background())
		rdb.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// redisURL is REDIS_URL (default 127.0.0.1:6379) on the tests' own database.
func redisURL() string {
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + e2eRedisDB
	return u.String()
}

func openRedis() *redis.Client {
	opts, err := redis.ParseURL(redisURL())
	if err != nil {
		return nil
	}
	return redis.NewClient(opts)
}

func sandboxMode() string {
	if m := os.Getenv("SYMPOSIUM_SANDBOX"); m != "" {
		return m
	}
	return sandbox.ModeBwrap
}

// env is one test's whole bot: a fake GitHub with the sample repository
// and pull request #1, the receiver, real Redis and a worker.
type env struct {
	t      *testing.T
	ctx    context.Context
	stack  *demo.Stack
	gh     *githubfake.Server
	full   string
	bare   string
	built  *githubfake.BuiltRepo
	number int
	repoID int64
}

// start flushes the tests' Redis database and starts the stack.
func start(t *testing.T) *env {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with a chance to change the stack's options.
func startWith(t *testing.T, change func(*demo.StackOptions)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	rdb := openRedis()
	if rdb == nil {
		t.Fatalf("bad Redis URL %q", redisURL())
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s (set REDIS_URL): %v", redisURL(), err)
	}
	rdb.Close()
	opts := demo.StackOptions{
		RedisURL: redisURL(), DataDir: dataDir, Sandbox: sandboxMode(), Logger: logger,
		Concurrency: 2, MaxRetry: 3,
		RetryDelay:        func(int, error, *asynq.Task) time.Duration { return 300 * time.Millisecond },
		GitHubConformance: conformance.For(t),
	}
	if change != nil {
		change(&opts)
	}
	stack, err := demo.StartStack(ctx, opts)
	if err != nil {
		t.Fatalf("start the stack: %v", err)
	}
	t.Cleanup(stack.Close)
	return &env{t: t, ctx: ctx, stack: stack, gh: stack.GitHub}
}

// openSample adds the bundled sample as octo-org/inventory and opens PR #1.
func (e *env) openSample() {
	e.t.Helper()
	e.openSampleWith(githubfake.PullRequest{HeadRef: "feature", BaseRef: "main", Title: "Describe and find"})
}

// openSampleWith is openSample with the pull request's fields given.
func (e *env) openSampleWith(spec githubfake.PullRequest) {
	e.t.Helper()
	e.bare = filepath.Join(e.t.TempDir(), "inventory.git")
	built, err := demo.BuildSample(e.ctx, e.bare)
	if err != nil {
		e.t.Fatal(err)
	}
	e.built = built
	e.full = demo.SampleOwner + "/" + demo.SampleName
	if err := e.gh.AddRepo(demo.SampleOwner, demo.SampleName, e.bare); err != nil {
		e.t.Fatal(err)
	}
	pr, err := e.gh.AddPullRequest(e.full, spec)
	if err != nil {
		e.t.Fatal(err)
	}
	e.number = pr.GetNumber()
	e.repoID = pr.GetBase().GetRepo().GetID()
}

// send delivers a signed pull_request webhook and checks the receiver took it.
func (e *env) send(action string) *github.HookDelivery {
	e.t.Helper()
	payload, err := e.stack.PullRequestEvent(e.ctx, e.full, e.number, action)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.gh.SendWebhook(e.ctx, "pull_request", payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if c := d.GetStatusCode(); c < 200 || c > 299 {
		e.t.Fatalf("receiver answered %d", c)
	}
	return d
}

// wait waits until the worker has nothing left to do.
func (e *env) wait() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 3*time.Minute)
	defer cancel()
	if err := e.stack.WaitIdle(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the test's deadline passes.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	for !cond() {
		select {
		case <-e.ctx.Done():
			e.t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// checkRuns returns the check runs on sha.
func (e *env) checkRuns(sha string) []*github.CheckRun {
	var out []*github.CheckRun
	for _, cr := range e.gh.CheckRuns(e.full) {
		if cr.GetHeadSHA() == sha {
			out = append(out, cr)
		}
	}
	return out
}

// commentsOf returns the review comments of one review.
func (e *env) commentsOf(reviewID int64) []*github.PullRequestComment {
	var out []*github.PullRequestComment
	for _, c := range e.gh.ReviewComments(e.full, e.number) {
		if c.GetPullRequestReviewID() == reviewID {
			out = append(out, c)
		}
	}
	return out
}

// push commits files on the feature branch and moves the PR's head there.
func (e *env) push(files map[string]string, message string) string {
	e.t.Helper()
	sha, err := githubfake.Commit(e.ctx, e.bare, "feature", files, nil, message)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.gh.SetPullRequestHead(e.full, e.number, sha); err != nil {
		e.t.Fatal(err)
	}
	return sha
}

func sampleHead(t *testing.T, path string) string {
	t.Helper()
	files, err := demo.SampleFiles("head")
	if err != nil {
		t.Fatal(err)
	}
	return files[path]
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Contains(s string) bool { return strings.Contains(b.String(), s) }
