package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/symposium-dev/symposium/internal/testredis"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/commandjob"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/githubfake/conformance"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/webhook"
	"github.com/symposium-dev/symposium/worker"
)

// fixRedisURL is the Redis database the command tests own; it is flushed
// before and after them.
var fixRedisURL = testredis.URL(9)

// fixStack is the whole bot against the fake GitHub, with the real
// receiver, queue, worker, review job and command job.
type fixStack struct {
	gh        *githubfake.Server
	commander *commandjob.Commander
	client    *github.Client
	conn      *queue.Conn
	dataDir   string

	mu    sync.Mutex
	repos int
}

// startFixStack starts a stack for one test and stops it when the test ends.
func startFixStack(t *testing.T) *fixStack {
	t.Helper()
	s, stop, err := newFixStack(conformance.For(t))
	if err != nil {
		t.Fatalf("start the stack: %v", err)
	}
	t.Cleanup(stop)
	return s
}

func newFixStack(checkGitHub func(http.Handler) http.Handler) (_ *fixStack, stop func(), err error) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var closers []func()
	stop = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	s := &fixStack{}
	if s.dataDir, err = os.MkdirTemp("", "symposium-e2e-fix-"); err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { os.RemoveAll(s.dataDir) })
	const secret = "e2e-fix-secret"
	if s.gh, err = githubfake.New(githubfake.Options{WebhookSecret: secret, Conformance: checkGitHub}); err != nil {
		return nil, nil, err
	}
	closers = append(closers, s.gh.Close)
	if s.conn, err = queue.Open(fixRedisURL); err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { s.conn.Close() })
	// Another process may run these tests at once (the e2e package is
	// shared): runs take turns on the database, and each clears it first.
	release, err := lockDatabase(ctx, s.conn.Redis())
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, release)
	if err := clearDatabase(ctx, s.conn.Redis()); err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { clearDatabase(context.Background(), s.conn.Redis()) })
	q := queue.New(s.conn, queue.TaskOptions{MaxRetry: 1, Timeout: 5 * time.Minute, Retention: time.Hour})
	h, err := webhook.New(webhook.Options{Secrets: [][]byte{[]byte(secret)}, Queue: q, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	receiver := httptest.NewServer(webhook.NewMux(h))
	closers = append(closers, receiver.Close)
	s.gh.SetWebhook(receiver.URL+"/webhook", secret)

	clients, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: s.gh.AppID(), PrivateKey: s.gh.PrivateKeyPEM(), BaseURL: s.gh.APIURL(),
		Transport: githubapp.TransportOptions{WriteInterval: 10 * time.Millisecond}, Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	runner, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		return nil, nil, err
	}
	reviewer, err := reviewjob.New(reviewjob.Options{Clients: clients, Redis: s.conn.Redis(), Inspector: q.Inspector(),
		Runner: runner, DataDir: filepath.Join(s.dataDir, "review"), KeyPrefix: "e2efix:"})
	if err != nil {
		return nil, nil, err
	}
	if s.commander, err = commandjob.New(commandjob.Options{Clients: clients, Redis: s.conn.Redis(), Runner: runner,
		DataDir: filepath.Join(s.dataDir, "commands"), Reviewer: reviewer, KeyPrefix: "e2efix:"}); err != nil {
		return nil, nil, err
	}
	srv := asynq.NewServerFromRedisClient(s.conn.Redis(), asynq.Config{
		Concurrency: 2, Queues: tasks.QueuePriorities, ShutdownTimeout: 10 * time.Second, LogLevel: asynq.FatalLevel,
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return time.Second },
	})
	if err := srv.Start(worker.NewMux(worker.Handlers{Reviewer: reviewer, Commander: s.commander, Logger: log})); err != nil {
		return nil, nil, err
	}
	closers = append(closers, srv.Shutdown)
	s.client, err = github.NewClient(nil).WithAuthToken(s.gh.IssueToken(nil, nil)).WithEnterpriseURLs(s.gh.URL(), s.gh.URL())
	if err != nil {
		return nil, nil, err
	}
	return s, stop, nil
}

// prSpec is a pull request to seed.
type prSpec struct {
	base, head map[string]string
	// fork, when set, puts the head in a fork owned by this account.
	fork                string
	maintainerCanModify bool
}

// seededPR is a pull request on the fake.
type seededPR struct {
	full, owner, name string
	number            int
	headRepoBare      string
	headRef, headSHA  string
}

// seedPR creates a repository (and fork) holding spec and opens the PR.
func (s *fixStack) seedPR(t *testing.T, spec prSpec) seededPR {
	t.Helper()
	ctx := context.Background()
	s.mu.Lock()
	s.repos++
	// Names unique to this process: a task another run queued cannot
	// address one of ours.
	name := fmt.Sprintf("crate%d-%d", s.repos, os.Getpid())
	s.mu.Unlock()
	bare := filepath.Join(s.dataDir, "remotes", "octo-org", name+".git")
	built, err := githubfake.BuildRepo(ctx, bare, githubfake.RepoSpec{Base: spec.base, Head: spec.head})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.gh.AddRepo("octo-org", name, bare); err != nil {
		t.Fatal(err)
	}
	full := "octo-org/" + name
	for user, role := range map[string]string{"maintainer": "maintain", "reader": "read"} {
		if err := s.gh.SetCollaboratorPermission(full, user, role); err != nil {
			t.Fatal(err)
		}
	}
	pr := githubfake.PullRequest{Title: "Add things", Author: "contributor", HeadRef: built.HeadBranch}
	headBare := bare
	if spec.fork != "" {
		// The fork's own name differs: the fake resolves token requests by
		// the bare repository name.
		forkName := name + "-fork"
		headBare = filepath.Join(s.dataDir, "remotes", spec.fork, forkName+".git")
		if _, err := githubfake.BuildRepo(ctx, headBare, githubfake.RepoSpec{Base: spec.base, Head: spec.head}); err != nil {
			t.Fatal(err)
		}
		if err := s.gh.AddRepo(spec.fork, forkName, headBare); err != nil {
			t.Fatal(err)
		}
		pr.HeadRepo, pr.MaintainerCanModify = spec.fork+"/"+forkName, spec.maintainerCanModify
	}
	got, err := s.gh.AddPullRequest(full, pr)
	if err != nil {
		t.Fatal(err)
	}
	return seededPR{full: full, owner: "octo-org", name: name, number: got.GetNumber(), headRepoBare: headBare,
		headRef: built.HeadBranch, headSHA: got.GetHead().GetSHA()}
}

// comment posts a comment on the PR as user and sends its webhook.
func (s *fixStack) comment(t *testing.T, pr seededPR, user, userType, body string) *github.IssueComment {
	t.Helper()
	ctx := context.Background()
	c, err := s.gh.AddIssueComment(pr.full, pr.number, user, body)
	if err != nil {
		t.Fatal(err)
	}
	repo, _, err := s.client.Repositories.Get(ctx, pr.owner, pr.name)
	if err != nil {
		t.Fatal(err)
	}
	ev := github.IssueCommentEvent{
		Action: github.String("created"),
		Issue: &github.Issue{Number: github.Int(pr.number), State: github.String("open"),
			PullRequestLinks: &github.PullRequestLinks{URL: github.String(fmt.Sprintf("%s/repos/%s/pulls/%d", s.gh.APIURL(), pr.full, pr.number))}},
		Comment:      c,
		Repo:         repo,
		Installation: &github.Installation{ID: github.Int64(s.gh.InstallationID())},
		Sender:       &github.User{Login: github.String(user), ID: github.Int64(int64(len(user))), Type: github.String(userType)},
	}
	s.send(t, "issue_comment", ev)
	return c
}

func (s *fixStack) send(t *testing.T, event string, payload any) {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.gh.SendWebhook(context.Background(), event, b)
	if err != nil {
		t.Fatalf("send %s webhook: %v", event, err)
	}
	if code := d.GetStatusCode(); code >= 300 {
		t.Fatalf("receiver answered %s webhook with %d", event, code)
	}
}

// waitReplies waits until the PR holds at least n comments by the bot and
// returns them.
func (s *fixStack) waitReplies(t *testing.T, pr seededPR, n int) []*github.IssueComment {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var bot []*github.IssueComment
		for _, c := range s.gh.IssueComments(pr.full, pr.number) {
			if c.GetUser().GetLogin() == s.gh.BotLogin() {
				bot = append(bot, c)
			}
		}
		if len(bot) >= n {
			return bot
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d bot replies on %s#%d, got %d", n, pr.full, pr.number, len(bot))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// reactions returns the contents of the reactions on a comment.
func (s *fixStack) reactions(pr seededPR, commentID int64) string {
	var out []string
	for _, r := range s.gh.Reactions(pr.full, commentID) {
		out = append(out, r.GetContent())
	}
	return strings.Join(out, ",")
}

// branchLog lists the commits of a branch of a bare repository, newest first.
func branchLog(t *testing.T, bare, branch string) []string {
	t.Helper()
	out, err := gitOut(bare, "log", "--format=%H", "refs/heads/"+branch)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(out)
}

func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %v: %w: %s", args, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

const fixLockKey = "e2efix:run-lock"

// lockDatabase waits until no other test run uses the database and takes
// it; the returned function gives it back.
func lockDatabase(ctx context.Context, rdb redis.UniversalClient) (func(), error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	me := hex.EncodeToString(b)
	deadline := time.Now().Add(15 * time.Minute)
	for {
		ok, err := rdb.SetNX(ctx, fixLockKey, me, 5*time.Minute).Result()
		if err != nil {
			return nil, fmt.Errorf("lock the test Redis database: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the test Redis database stayed locked by another run")
		}
		time.Sleep(500 * time.Millisecond)
	}
	return func() {
		if v, _ := rdb.Get(context.Background(), fixLockKey).Result(); v == me {
			rdb.Del(context.Background(), fixLockKey)
		}
	}, nil
}

// clearDatabase deletes the queue's and the commands' keys, not the lock.
func clearDatabase(ctx context.Context, rdb redis.UniversalClient) error {
	for _, pattern := range []string{"asynq:*", "e2efix:*"} {
		keys, err := rdb.Keys(ctx, pattern).Result()
		if err != nil {
			return fmt.Errorf("clear the test Redis database: %w", err)
		}
		for _, k := range keys {
			if k != fixLockKey {
				if err := rdb.Del(ctx, k).Err(); err != nil {
					return fmt.Errorf("clear the test Redis database: %w", err)
				}
			}
		}
	}
	return nil
}
