// Command bot benchmarks what the whole bot adds to a review: the demo
// stack (internal/demo: fake GitHub → webhook receiver → queue → worker →
// review posted to the fake) on the bundled sample, with the worker's
// settings (bwrap when it works here, fetch on). Each run pushes a new head
// (the sample's head plus one function with a new clippy finding, so cargo
// checks it again and the bot posts a review)
// and sends the signed pull_request.synchronize webhook; the bot's time is
// from just before the delivery to the arrival of the request creating the
// review, and the review itself is the analysis's duration_ms (its "review
// done" log record). After a warm-up review it prints the median of
// several runs, last line bot_overhead_ms=X.
//
//	go run ./bench/bot [-runs 5] [-redis redis://…] [-trace]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/githubfake"
)

func main() {
	runs := flag.Int("runs", 5, "timed pushes after the warm-up")
	redisURL := flag.String("redis", "", "Redis for the queue (default: an embedded one)")
	trace := flag.Bool("trace", false, "print every request the fake received during each push, with its time after the delivery")
	flag.Parse()
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	work, err := os.MkdirTemp("", "symposium-bench-bot-")
	check(err)
	defer os.RemoveAll(work)

	sandbox := "none"
	if exec.Command("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true").Run() == nil {
		sandbox = "bwrap"
	}
	// The analysis logs "review done" on the default logger; the log
	// package keeps writing to stderr.
	durations := make(chan int64, 16)
	slog.SetDefault(slog.New(reviewDone{durations}))
	log.SetOutput(os.Stderr)
	stack, err := demo.StartStack(ctx, demo.StackOptions{
		RedisURL: *redisURL, DataDir: filepath.Join(work, "data"), Sandbox: sandbox, Concurrency: 1,
	})
	check(err)
	defer stack.Close()

	bare := filepath.Join(work, "repo.git")
	_, err = demo.BuildSample(ctx, bare)
	check(err)
	fullName := demo.SampleOwner + "/" + demo.SampleName
	check(stack.GitHub.AddRepo(demo.SampleOwner, demo.SampleName, bare))
	pr, err := stack.GitHub.AddPullRequest(fullName, githubfake.PullRequest{
		Title: "Describe and find items", HeadRef: "feature", BaseRef: "main", Author: "octocat",
	})
	check(err)
	head, err := demo.SampleFiles("head")
	check(err)

	var overheads []time.Duration
	for i := range *runs + 1 {
		action := "synchronize"
		if i == 0 {
			action = "opened"
		} else {
			// A new finding on every push, so the bot posts a review each time.
			extra := fmt.Sprintf("\n/// Added by push %[1]d.\npub fn pushed_%[1]d(v: &[i32]) -> bool {\n    v.len() == 0 || v[0] == %[1]d\n}\n", i)
			files := map[string]string{"src/lib.rs": head["src/lib.rs"] + extra}
			sha, err := githubfake.Commit(ctx, bare, "feature", files, nil, fmt.Sprintf("push %d", i))
			check(err)
			check(stack.GitHub.SetPullRequestHead(fullName, pr.GetNumber(), sha))
		}
		payload, err := stack.PullRequestEvent(ctx, fullName, pr.GetNumber(), action)
		check(err)
		reviewsBefore := len(posts(stack.GitHub, fullName, pr.GetNumber()))
		delivered := time.Now()
		d, err := stack.GitHub.SendWebhook(ctx, "pull_request", payload)
		check(err)
		if code := d.GetStatusCode(); code < 200 || code > 299 {
			log.Fatalf("the receiver answered %d", code)
		}
		check(stack.WaitIdle(ctx))
		reviews := posts(stack.GitHub, fullName, pr.GetNumber())
		if len(reviews) != reviewsBefore+1 {
			log.Fatalf("push %d: %d reviews posted, want one", i, len(reviews)-reviewsBefore)
		}
		var analysis int64
		select {
		case analysis = <-durations:
		default:
			log.Fatalf("push %d: no \"review done\" record with duration_ms", i)
		}
		total := reviews[len(reviews)-1].Time.Sub(delivered)
		overhead := total - time.Duration(analysis)*time.Millisecond
		fmt.Printf("push=%d delivery_to_check_run_ms=%d delivery_to_git_ms=%d..%d delivery_to_review_ms=%d review_duration_ms=%d overhead_ms=%d\n",
			i, firstAfter(stack.GitHub, http.MethodPost, `/repos/`+fullName+`/check-runs$`, delivered).Milliseconds(),
			firstAfter(stack.GitHub, "", `^/`+fullName+`\.git/`, delivered).Milliseconds(),
			lastAfter(stack.GitHub, "", `^/`+fullName+`\.git/`, delivered).Milliseconds(),
			total.Milliseconds(), analysis, overhead.Milliseconds())
		if *trace {
			for _, r := range stack.GitHub.Requests() {
				if r.Time.After(delivered) {
					fmt.Printf("  +%4dms %d %s %s %s\n", r.Time.Sub(delivered).Milliseconds(), r.Status, r.Method, r.Path, r.Query.Encode())
				}
			}
		}
		if i > 0 {
			overheads = append(overheads, overhead)
		}
	}
	slices.Sort(overheads)
	fmt.Printf("runs=%d sandbox=%s fetch=true\n", len(overheads), sandbox)
	fmt.Printf("bot_overhead_ms=%d\n", overheads[len(overheads)/2].Milliseconds())
}

// posts are the successful requests that created a review on the PR.
func posts(gh *githubfake.Server, fullName string, number int) []githubfake.Request {
	var out []githubfake.Request
	for _, r := range gh.RequestsMatching(http.MethodPost, fmt.Sprintf(`/repos/%s/pulls/%d/reviews$`, fullName, number)) {
		if r.Status == http.StatusOK {
			out = append(out, r)
		}
	}
	return out
}

// firstAfter is how long after t the first request matching method and
// path arrived (-1 ms when none did).
func firstAfter(gh *githubfake.Server, method, path string, t time.Time) time.Duration {
	for _, r := range gh.RequestsMatching(method, path) {
		if r.Time.After(t) {
			return r.Time.Sub(t)
		}
	}
	return -time.Millisecond
}

// lastAfter is how long after t the last request matching method and path
// arrived (-1 ms when none did).
func lastAfter(gh *githubfake.Server, method, path string, t time.Time) time.Duration {
	last := -time.Millisecond
	for _, r := range gh.RequestsMatching(method, path) {
		if r.Time.After(t) {
			last = r.Time.Sub(t)
		}
	}
	return last
}

// reviewDone is a log handler that passes on the duration_ms of every
// "review done" record and drops everything else.
type reviewDone struct{ out chan<- int64 }

func (h reviewDone) Enabled(context.Context, slog.Level) bool { return true }
func (h reviewDone) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h reviewDone) WithGroup(string) slog.Handler            { return h }
func (h reviewDone) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "review done" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "duration_ms" {
			h.out <- a.Value.Int64()
			return false
		}
		return true
	})
	return nil
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
