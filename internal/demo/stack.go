package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/webhook"
	"github.com/symposium-dev/symposium/worker"
)

// StackOptions configure a Stack.
type StackOptions struct {
	// RedisURL is the Redis holding the queue; empty runs an embedded one.
	RedisURL string
	// DataDir holds the worker's caches and work dirs; required.
	DataDir string
	// Sandbox is "bwrap" (default) or "none".
	Sandbox string
	// Logger receives the logs of every part; default discards them.
	Logger *slog.Logger
	// Concurrency is the number of tasks the worker runs at once (default 2).
	Concurrency int
	// MaxRetry and TaskTimeout are the task options (default 3 and 10 min).
	MaxRetry    int
	TaskTimeout time.Duration
	// Transport tunes the GitHub client; a zero WriteInterval means 50 ms
	// (the fake needs no pacing).
	Transport githubapp.TransportOptions
	// Conclusions override the check run conclusions.
	Conclusions reviewjob.Conclusions
	// RetryDelay overrides reviewjob.RetryDelay, the backoff between retries.
	RetryDelay asynq.RetryDelayFunc
	// Agent and AgentConfig add an agent to the review (default: none).
	Agent       agent.Agent
	AgentConfig agent.Config
	// GitHubConformance is passed to the fake GitHub as
	// githubfake.Options.Conformance (tests: conformance.For(t)).
	GitHubConformance func(http.Handler) http.Handler
}

// Stack is the whole bot in one process against a fake GitHub: the fake,
// the receiver on a real HTTP endpoint, the queue and a worker running the
// real review job.
type Stack struct {
	// GitHub is the fake GitHub; its webhooks go to the receiver.
	GitHub *githubfake.Server
	// WebhookURL is the receiver's endpoint.
	WebhookURL string
	// Conn and Queue are the connection to the queue's Redis.
	Conn  *queue.Conn
	Queue *queue.Queue

	receiver *httptest.Server
	srv      *asynq.Server
	embedded *queue.Embedded
}

// StartStack starts every part; Close stops them.
func StartStack(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	if opts.DataDir == "" {
		return nil, errors.New("demo: StackOptions.DataDir is required")
	}
	if opts.Sandbox == "" {
		opts.Sandbox = sandbox.ModeBwrap
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.MaxRetry <= 0 {
		opts.MaxRetry = 3
	}
	if opts.TaskTimeout <= 0 {
		opts.TaskTimeout = 10 * time.Minute
	}
	if opts.Transport.WriteInterval == 0 {
		opts.Transport.WriteInterval = 50 * time.Millisecond
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = reviewjob.RetryDelay
	}
	log := opts.Logger
	runner, err := sandbox.New(opts.Sandbox, sandbox.DefaultLimits())
	if err != nil {
		return nil, err
	}
	s := &Stack{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	secret := randomHex(20)
	if s.GitHub, err = githubfake.New(githubfake.Options{WebhookSecret: secret, Logger: log.With("component", "githubfake"), Conformance: opts.GitHubConformance}); err != nil {
		return nil, err
	}
	redisURL := opts.RedisURL
	if redisURL == "" {
		if s.embedded, err = queue.StartEmbedded(); err != nil {
			return nil, err
		}
		redisURL = s.embedded.URL()
	}
	if s.Conn, err = queue.Open(redisURL); err != nil {
		return nil, fmt.Errorf("demo: Redis: %w", err)
	}
	if err := s.Conn.Ping(ctx); err != nil {
		return nil, err
	}
	s.Queue = queue.New(s.Conn, queue.TaskOptions{MaxRetry: opts.MaxRetry, Timeout: opts.TaskTimeout, Retention: time.Hour})

	h, err := webhook.New(webhook.Options{
		Secrets: [][]byte{[]byte(secret)},
		Queue:   s.Queue,
		Logger:  log.With("component", "webhook"),
	})
	if err != nil {
		return nil, err
	}
	s.receiver = httptest.NewServer(webhook.NewMux(h))
	s.WebhookURL = s.receiver.URL + "/webhook"
	s.GitHub.SetWebhook(s.WebhookURL, secret)

	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: s.GitHub.AppID(), PrivateKey: s.GitHub.PrivateKeyPEM(), BaseURL: s.GitHub.APIURL(),
		Transport: opts.Transport, Logger: log.With("component", "github"),
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: data dir: %w", err)
	}
	reviewer, err := reviewjob.New(reviewjob.Options{
		Clients: clients, Redis: s.Conn.Redis(), Inspector: s.Queue.Inspector(), Runner: runner,
		DataDir: filepath.Join(opts.DataDir, "worker"), Conclusions: opts.Conclusions, Fetch: true,
		Agent: opts.Agent, AgentConfig: opts.AgentConfig,
	})
	if err != nil {
		return nil, err
	}
	wlog := log.With("component", "worker")
	s.srv = asynq.NewServerFromRedisClient(s.Conn.Redis(), asynq.Config{
		Concurrency:     opts.Concurrency,
		Queues:          tasks.QueuePriorities,
		RetryDelayFunc:  opts.RetryDelay,
		ShutdownTimeout: 10 * time.Second,
		LogLevel:        asynq.FatalLevel,
		// Idle workers look for tasks every 50 ms (see queue.TaskCheckInterval for the Redis cost).
		TaskCheckInterval: queue.TaskCheckInterval,
	})
	mux := worker.NewMux(worker.Handlers{Reviewer: reviewer, Cleaner: reviewer.Cleaner(), Logger: wlog, Timeout: opts.TaskTimeout})
	if err := s.srv.Start(mux); err != nil {
		return nil, fmt.Errorf("demo: start worker: %w", err)
	}
	return s, nil
}

// Close stops every part; the queue's data stays in an external Redis.
func (s *Stack) Close() {
	if s.srv != nil {
		s.srv.Shutdown()
	}
	if s.receiver != nil {
		s.receiver.Close()
	}
	if s.GitHub != nil {
		s.GitHub.Close()
	}
	if s.Conn != nil {
		s.Conn.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// PullRequestEvent builds the webhook payload GitHub sends for a pull
// request action ("opened", "synchronize", ...), from the fake's view of it.
func (s *Stack) PullRequestEvent(ctx context.Context, fullName string, number int, action string) ([]byte, error) {
	client, err := s.client()
	if err != nil {
		return nil, err
	}
	owner, name, _ := tasks.SplitFullName(fullName)
	pr, _, err := client.PullRequests.Get(ctx, owner, name, number)
	if err != nil {
		return nil, fmt.Errorf("demo: read %s#%d from the fake: %w", fullName, number, err)
	}
	ev := github.PullRequestEvent{
		Action:       github.String(action),
		Number:       github.Int(number),
		PullRequest:  pr,
		Repo:         pr.GetBase().GetRepo(),
		Installation: &github.Installation{ID: github.Int64(s.GitHub.InstallationID())},
		Sender:       pr.GetUser(),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("demo: encode webhook: %w", err)
	}
	return b, nil
}

// client is a client of the fake with a token for every repository, used
// only to read the fake's state as GitHub would show it.
func (s *Stack) client() (*github.Client, error) {
	token := s.GitHub.IssueToken(nil, nil)
	c := github.NewClient(nil).WithAuthToken(token)
	return c.WithEnterpriseURLs(s.GitHub.URL(), s.GitHub.URL())
}

// WaitIdle waits until the reviews queue holds no pending, active,
// scheduled or retrying task, or ctx is done.
func (s *Stack) WaitIdle(ctx context.Context) error {
	insp := s.Queue.Inspector()
	for {
		info, err := insp.GetQueueInfo(tasks.QueueReviews)
		if err == nil && info.Pending+info.Active+info.Scheduled+info.Retry == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("demo: wait for the worker: %w (last error: %v)", ctx.Err(), err)
			}
			return fmt.Errorf("demo: wait for the worker: %w (%d pending, %d running, %d retrying)",
				ctx.Err(), info.Pending+info.Scheduled, info.Active, info.Retry)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
