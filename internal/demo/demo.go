// Package demo runs the whole bot in one process against a fake GitHub:
// the fake (internal/githubfake) serving a bundled sample Rust repository
// and pull request (or one built from a local repository), the webhook
// receiver on a real HTTP endpoint, the queue (an embedded Redis unless one
// is given) and a worker running the real review job. It sends the signed
// pull_request.opened webhook, waits for the work to finish and reports what
// the bot sent to GitHub. `symposium demo` and the end-to-end tests use it.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

// Options configure Run.
type Options struct {
	// RepoDir, Base and Heads build the pull request from a local
	// repository: opened at Heads[0], then each later head pushed in order
	// and reviewed. Empty RepoDir uses the bundled sample.
	RepoDir, Base string
	Heads         []string
	// Sandbox is "bwrap" (default) or "none".
	Sandbox string
	// RedisURL is a Redis to use instead of the embedded one.
	RedisURL string
	// DataDir keeps the worker's caches (cargo target dir) between runs;
	// empty means a temporary directory, removed afterwards.
	DataDir string
	// Timeout bounds the wait for the review (default 10 minutes).
	Timeout time.Duration
	// Logger receives the logs of every part; default discards them.
	Logger *slog.Logger
}

// Posted is what the bot sent to GitHub, as it sent it.
type Posted struct {
	// CheckRun is the request that completed the check run, with the
	// annotations of every batch gathered in output.annotations.
	CheckRun map[string]any `json:"check_run"`
	// Review is the request that created the review, without its comments.
	Review map[string]any `json:"review"`
	// Comments are the review's inline comments.
	Comments []map[string]any `json:"comments"`
	// Threads are the pull request's review threads after the last push.
	Threads []Thread `json:"threads"`
}

// Thread is a review thread as the demo reports it: where it was opened,
// the rule of its finding, its first comment and its final state.
type Thread struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	Rule     string `json:"rule"`
	Body     string `json:"body"`
	Resolved bool   `json:"resolved"`
	Outdated bool   `json:"outdated"`
}

// Run starts the stack, opens the pull request, sends the webhook and
// returns what the bot posted.
func Run(ctx context.Context, opts Options) (*Posted, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.RepoDir != "" && (opts.Base == "" || len(opts.Heads) == 0) {
		return nil, errors.New("demo: a local repository needs both a base and a head revision")
	}
	tmp, err := os.MkdirTemp("", "symposium-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(tmp)
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(tmp, "data")
	}
	stack, err := StartStack(ctx, StackOptions{
		RedisURL: opts.RedisURL, DataDir: dataDir, Sandbox: opts.Sandbox, Logger: opts.Logger, Concurrency: 1,
	})
	if err != nil {
		return nil, err
	}
	defer stack.Close()

	bare := filepath.Join(tmp, "repo.git")
	owner, name := SampleOwner, SampleName
	var title string
	if opts.RepoDir == "" {
		_, err = BuildSample(ctx, bare)
		title = "Describe and find items"
	} else {
		name = repoName(opts.RepoDir)
		_, err = BuildFromLocal(ctx, opts.RepoDir, opts.Base, opts.Heads[0], bare)
		title = fmt.Sprintf("%s..%s", opts.Base, opts.Heads[0])
	}
	if err != nil {
		return nil, err
	}
	fullName := owner + "/" + name
	if err := stack.GitHub.AddRepo(owner, name, bare); err != nil {
		return nil, err
	}
	pr, err := stack.GitHub.AddPullRequest(fullName, githubfake.PullRequest{
		Title: title, HeadRef: "feature", BaseRef: "main", Author: "octocat",
	})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := reviewEvent(wctx, stack, fullName, pr.GetNumber(), "opened"); err != nil {
		return nil, err
	}
	for _, head := range opts.Heads[min(1, len(opts.Heads)):] {
		sha, err := PushLocal(ctx, opts.RepoDir, head, bare)
		if err != nil {
			return nil, err
		}
		if err := stack.GitHub.SetPullRequestHead(fullName, pr.GetNumber(), sha); err != nil {
			return nil, err
		}
		if err := reviewEvent(wctx, stack, fullName, pr.GetNumber(), "synchronize"); err != nil {
			return nil, err
		}
	}
	return Collect(stack.GitHub, fullName, pr.GetNumber())
}

// reviewEvent sends a pull_request webhook and waits for the worker to be
// done with it.
func reviewEvent(ctx context.Context, stack *Stack, fullName string, number int, action string) error {
	payload, err := stack.PullRequestEvent(ctx, fullName, number, action)
	if err != nil {
		return err
	}
	d, err := stack.GitHub.SendWebhook(ctx, "pull_request", payload)
	if err != nil {
		return err
	}
	if code := d.GetStatusCode(); code < 200 || code > 299 {
		return fmt.Errorf("demo: the receiver answered the %s webhook with %d", action, code)
	}
	return stack.WaitIdle(ctx)
}

func repoName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "repo"
	}
	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, filepath.Base(abs))
	if base == "" || base == "." || base == "-" {
		return "repo"
	}
	return base
}

// Collect reads what the bot sent about a pull request from the fake's
// request record: the last completed check run and the last review
// created; and the pull request's review threads as they are now.
func Collect(gh *githubfake.Server, fullName string, number int) (*Posted, error) {
	out := &Posted{Comments: []map[string]any{}, Threads: threadsOf(gh, fullName, number)}
	var annotations []any
	for _, r := range gh.RequestsMatching(http.MethodPatch, `/repos/`+fullName+`/check-runs/\d+$`) {
		if r.Status != http.StatusOK {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			return nil, fmt.Errorf("demo: decode a check run request: %w", err)
		}
		if body["status"] == "completed" {
			out.CheckRun, annotations = body, nil
		}
		if o, ok := body["output"].(map[string]any); ok && out.CheckRun != nil {
			if as, ok := o["annotations"].([]any); ok {
				annotations = append(annotations, as...)
			}
		}
	}
	if out.CheckRun != nil {
		if o, ok := out.CheckRun["output"].(map[string]any); ok {
			if annotations == nil {
				annotations = []any{}
			}
			o["annotations"] = annotations
		}
	}
	for _, r := range gh.RequestsMatching(http.MethodPost, fmt.Sprintf(`/repos/%s/pulls/%d/reviews$`, fullName, number)) {
		if r.Status != http.StatusOK {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			return nil, fmt.Errorf("demo: decode a review request: %w", err)
		}
		out.Comments = []map[string]any{}
		if cs, ok := body["comments"].([]any); ok {
			for _, c := range cs {
				if m, ok := c.(map[string]any); ok {
					out.Comments = append(out.Comments, m)
				}
			}
		}
		delete(body, "comments")
		out.Review = body
	}
	if out.CheckRun == nil {
		return out, errors.New("demo: the worker did not complete a check run (run with --verbose to see its logs)")
	}
	return out, nil
}

func threadsOf(gh *githubfake.Server, fullName string, number int) []Thread {
	out := []Thread{}
	for _, t := range gh.ReviewThreads(fullName, number) {
		body := t.Comments[0].GetBody()
		out = append(out, Thread{
			Path: t.Path, Line: t.Line, Rule: ruleOf(body), Body: body,
			Resolved: t.Resolved, Outdated: t.Outdated,
		})
	}
	return out
}

// headlineRule finds the rule at the end of the first line of a
// Symposium comment: "... — [`clippy::len_zero`](url)" or "... — `E0308`".
var headlineRule = regexp.MustCompile("— \\[?`([^`]+)`\\]?(?:\\([^)]*\\))?\\s*$")

// ruleOf is the rule a comment's headline names, or "".
func ruleOf(body string) string {
	first, _, _ := strings.Cut(body, "\n")
	if m := headlineRule.FindStringSubmatch(strings.TrimSpace(first)); m != nil {
		return m[1]
	}
	return ""
}

// WriteJSON writes p as indented JSON.
func (p *Posted) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// WriteText writes p for a person to read.
func (p *Posted) WriteText(w io.Writer) error {
	var b strings.Builder
	rule := strings.Repeat("─", 72)
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	num := func(m map[string]any, k string) int { f, _ := m[k].(float64); return int(f) }

	out, _ := p.CheckRun["output"].(map[string]any)
	fmt.Fprintf(&b, "%s\nCHECK RUN %q: %s — %s\n%s\n\n", rule, str(p.CheckRun, "name"), str(p.CheckRun, "conclusion"), str(out, "title"), rule)
	b.WriteString(strings.TrimRight(str(out, "summary"), "\n") + "\n")
	if as, _ := out["annotations"].([]any); len(as) > 0 {
		fmt.Fprintf(&b, "\nAnnotations (%d):\n", len(as))
		for _, a := range as {
			m, _ := a.(map[string]any)
			fmt.Fprintf(&b, "  %s:%d  %-7s %s — %s\n", str(m, "path"), num(m, "start_line"), str(m, "annotation_level"), str(m, "title"), oneLine(str(m, "message")))
		}
	}
	if acts, _ := p.CheckRun["actions"].([]any); len(acts) > 0 {
		b.WriteString("\nButtons:")
		for _, a := range acts {
			m, _ := a.(map[string]any)
			fmt.Fprintf(&b, " [%s] (%s)", str(m, "label"), str(m, "identifier"))
		}
		b.WriteString("\n")
	}
	if p.Review == nil {
		fmt.Fprintf(&b, "\n%s\nNO REVIEW: nothing to say beyond the check run.\n", rule)
	} else {
		fmt.Fprintf(&b, "\n%s\nREVIEW (%s) on %s\n%s\n\n%s\n", rule, str(p.Review, "event"), str(p.Review, "commit_id"), rule,
			strings.TrimRight(str(p.Review, "body"), "\n"))
		for i, c := range p.Comments {
			loc := fmt.Sprintf("%s:%d", str(c, "path"), num(c, "line"))
			if s := num(c, "start_line"); s > 0 {
				loc = fmt.Sprintf("%s:%d-%d", str(c, "path"), s, num(c, "line"))
			}
			fmt.Fprintf(&b, "\n%s\nCOMMENT %d/%d on %s (%s)\n%s\n\n%s\n", rule, i+1, len(p.Comments), loc, str(c, "side"), rule,
				strings.TrimRight(str(c, "body"), "\n"))
		}
	}
	if len(p.Threads) > 0 {
		fmt.Fprintf(&b, "\n%s\nTHREADS (%d) after the last push\n%s\n", rule, len(p.Threads), rule)
		for _, t := range p.Threads {
			state := "open"
			if t.Resolved {
				state = "resolved"
			}
			if t.Outdated {
				state += ", outdated"
			}
			fmt.Fprintf(&b, "  %s:%d  %-20s %s\n", t.Path, t.Line, state, t.Rule)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
