// Package reviewjob implements worker.Reviewer: it reviews one head of one
// pull request end to end, as the app installation. It creates the
// `Symposium` check run, checks the pull request out with a token narrowed to
// the repository (contents: read), runs internal/analysis in the sandbox,
// posts only the findings not already on the pull request, re-checks that the
// head did not move before posting, and completes the check run — never
// leaving it in_progress, whether the task succeeds, fails for good or is
// superseded by a newer head.
//
// Coordination goes through Redis: the task reviewing the newest head of a
// pull request is recorded per pull request (an older running task is
// cancelled through asynq's Inspector.CancelProcessing), and a lock with a
// renewed lease makes one worker at a time review a pull request.
package reviewjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/analysis"
	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/review"
	"github.com/symposium-dev/symposium/worker"
)

// Conclusions are the check run conclusions of a finished review.
type Conclusions struct {
	// CompileError is used when a compiler error sits on the diff (default failure).
	CompileError string
	// Findings is used when the review found something else (default neutral).
	Findings string
	// Clean is used when the review found nothing (default success).
	Clean string
	// Incomplete is used when the review could not analyse everything —
	// cargo could not run on the head (its root manifest is a link, missing,
	// not a regular file) or build it (its dependencies could not be
	// fetched because of it), clippy's output was cut — and no compiler
	// error is on the changed lines (default neutral). Such a review is
	// never concluded Clean.
	Incomplete string
}

func (c Conclusions) withDefaults() Conclusions {
	if c.CompileError == "" {
		c.CompileError = "failure"
	}
	if c.Findings == "" {
		c.Findings = "neutral"
	}
	if c.Clean == "" {
		c.Clean = "success"
	}
	if c.Incomplete == "" {
		c.Incomplete = "neutral"
	}
	return c
}

// Options configure a Reviewer.
type Options struct {
	// Clients authenticates as the app and its installations; required.
	Clients *githubapp.ClientCreator
	// Redis holds the per-PR lock and the newest task of each PR; required.
	Redis redis.UniversalClient
	// Inspector cancels superseded running tasks; nil disables cancellation
	// (superseded tasks then notice the moved head before posting).
	Inspector *asynq.Inspector
	// Runner runs cargo; required (sandbox.New("bwrap", ...) in production).
	Runner sandbox.Runner
	// DataDir holds the git caches, the cargo homes (per repository), the
	// target and source dirs (per pull request) and per-task work dirs;
	// required. See package cachedir.
	DataDir string
	// Fetch runs `cargo fetch` (with network) before the offline analysis.
	Fetch bool
	// Budget, when set, is swept after each review: pull requests' dirs
	// over the file cap or beyond the disk budget are removed.
	Budget *cachedir.Budget
	// Conclusions override the default check run conclusions.
	Conclusions Conclusions
	// LockLease is the lease of the per-PR lock, renewed while the task runs
	// (default 30 s).
	LockLease time.Duration
	// KeyPrefix prefixes the Redis keys (default "symposium:").
	KeyPrefix string
	// Agent reviews beside clippy; nil or agent.None means the built-in
	// review alone. AgentConfig gives its backend name and budgets.
	Agent       agent.Agent
	AgentConfig agent.Config
}

// Reviewer implements worker.Reviewer.
type Reviewer struct {
	opts Options
}

var _ worker.Reviewer = (*Reviewer)(nil)

// New validates opts and returns a Reviewer.
func New(opts Options) (*Reviewer, error) {
	switch {
	case opts.Clients == nil:
		return nil, errors.New("reviewjob: Options.Clients is required")
	case opts.Redis == nil:
		return nil, errors.New("reviewjob: Options.Redis is required")
	case opts.Runner == nil:
		return nil, errors.New("reviewjob: Options.Runner is required")
	case opts.DataDir == "":
		return nil, errors.New("reviewjob: Options.DataDir is required")
	}
	for _, c := range []string{opts.Conclusions.CompileError, opts.Conclusions.Findings, opts.Conclusions.Clean, opts.Conclusions.Incomplete} {
		switch c {
		case "", "success", "failure", "neutral", "action_required":
		default:
			return nil, fmt.Errorf("reviewjob: conclusion %q is not success, failure, neutral or action_required", c)
		}
	}
	opts.Conclusions = opts.Conclusions.withDefaults()
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "symposium:"
	}
	dataDir, err := MakeDataDir(opts.DataDir, "git", "target", "src", "work", "cargo")
	if err != nil {
		return nil, fmt.Errorf("reviewjob: %w", err)
	}
	opts.DataDir = dataDir
	return &Reviewer{opts: opts}, nil
}

// job is the state of one run of one review task.
type job struct {
	r      *Reviewer
	p      tasks.ReviewPayload
	taskID string
	log    *slog.Logger
	repo   githubapp.Repo
	run    *github.CheckRun
}

// Review reviews the head p.PR.HeadSHA of pull request p.PR.Number. It
// returns nil when the work is done (or superseded), an error wrapping
// asynq.SkipRetry when a retry cannot help, and any other error to be
// retried. On the last attempt and on permanent errors the check run is
// completed with an explanation.
func (r *Reviewer) Review(ctx context.Context, p tasks.ReviewPayload) error {
	j := &job{r: r, p: p, taskID: worker.TaskID(ctx), log: worker.Logger(ctx)}
	if j.taskID == "" {
		j.taskID = tasks.ReviewTaskID(p.Repo.ID, p.PR.Number, p.PR.HeadSHA)
		j.log = j.log.With("task_id", j.taskID)
	}
	if p.Repo.Owner == "" || p.Repo.Name == "" || p.PR.Number <= 0 || p.PR.HeadSHA == "" || p.InstallationID <= 0 {
		return fmt.Errorf("review task %s: payload lacks repository, pull request, head or installation: %w", j.taskID, asynq.SkipRetry)
	}
	ctx = githubapp.WithLogContext(ctx, p.Repo.FullName, p.PR.Number)
	err := j.do(ctx)
	if err == nil {
		return nil
	}
	outcome := classify(err)
	if ctx.Err() != nil && r.supersededNow(ctx, j) {
		outcome = superseded
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, hasMax := asynq.GetMaxRetry(ctx)
	last := outcome == permanent || (hasMax && retried >= maxRetry)
	switch {
	case outcome == superseded:
		j.log.Info("review superseded by a newer head: stopped", "err", err)
		j.finishSuperseded(ctx, "A newer commit was pushed while this one was being reviewed; it is reviewed instead.")
		return nil
	case last:
		j.log.Error("review failed for good", "err", err, "retry", retried, "max_retry", maxRetry)
		j.finishFailed(ctx, err, outcome == permanent)
		if outcome == permanent {
			return fmt.Errorf("review %s#%d: %w: %w", p.Repo.FullName, p.PR.Number, err, asynq.SkipRetry)
		}
		return fmt.Errorf("review %s#%d: %w", p.Repo.FullName, p.PR.Number, err)
	default:
		j.log.Warn("review failed; will retry", "err", err, "retry", retried, "max_retry", maxRetry)
		return fmt.Errorf("review %s#%d: %w", p.Repo.FullName, p.PR.Number, err)
	}
}

func (j *job) do(ctx context.Context) error {
	client, err := j.r.opts.Clients.InstallationClient(j.p.InstallationID)
	if err != nil {
		return permanentError(err)
	}
	j.repo = githubapp.Repo{Client: client, Owner: j.p.Repo.Owner, Name: j.p.Repo.Name}

	pr, err := j.repo.PullRequest(ctx, j.p.PR.Number)
	if err != nil {
		return err
	}
	if current := pr.GetHead().GetSHA(); current != j.p.PR.HeadSHA {
		j.log.Info("pull request head moved before the review started: skipped", "current_head", current)
		j.finishSuperseded(ctx, fmt.Sprintf("The pull request's head is now `%s`; this commit is no longer reviewed.", short(current)))
		return nil
	}
	if pr.GetState() == "closed" {
		j.log.Info("pull request is closed: skipped")
		return nil
	}

	if err := j.r.claimNewest(ctx, j); err != nil {
		return err
	}
	unlock, ctx, err := j.r.lockPR(ctx, j)
	if err != nil {
		return err
	}
	defer unlock()

	if j.run, err = j.repo.StartCheckRun(ctx, j.p.PR.HeadSHA, j.taskID); err != nil {
		return err
	}
	if j.run.GetStatus() == "completed" {
		j.log.Info("check run already completed by an earlier attempt: nothing to do", "check_run", j.run.GetID(), "conclusion", j.run.GetConclusion())
		return nil
	}
	j.log.Info("review started", "check_run", j.run.GetID(), "full", j.p.Full)

	res, err := j.analyse(ctx, pr)
	var off turnedOff
	if errors.As(err, &off) {
		j.log.Info("review skipped by the repository configuration", "reason", off.reason)
		j.complete(ctx, githubapp.CheckRunResult{
			Conclusion: "skipped", Title: "Not reviewed",
			Summary: off.reason + "\n\nThe setting is read from `" + config.RepoConfigPath + "` on the base branch.",
		})
		return nil
	}
	if err != nil {
		return err
	}
	endPublish := observe.Stage(ctx, "publish")
	defer endPublish()
	if err := j.publish(ctx, res); err != nil {
		return err
	}
	observe.Posted(ctx, "review")
	if err := j.r.opts.Budget.Sweep(ctx, false); err != nil {
		j.log.Warn("cache budget sweep", "err", err)
	}
	return nil
}

// analyse fetches the pull request into a per-task work dir (always removed)
// and runs the local review on it.
func (j *job) analyse(ctx context.Context, pr *github.PullRequest) (review.Result, error) {
	cloneURL := pr.GetBase().GetRepo().GetCloneURL()
	if cloneURL == "" {
		return review.Result{}, permanentError(fmt.Errorf("GitHub gave no clone URL for %s", j.p.Repo.FullName))
	}
	baseRef := pr.GetBase().GetRef()
	if baseRef == "" {
		baseRef = j.p.PR.BaseRef
	}
	token, err := j.r.opts.Clients.RepositoryToken(ctx, j.p.InstallationID, j.p.Repo.Name, false)
	if err != nil {
		return review.Result{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Join(j.r.opts.DataDir, "work"), "task-")
	if err != nil {
		return review.Result{}, fmt.Errorf("create work dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	endCheckout := observe.Stage(ctx, "checkout")
	co, err := gitrepo.FetchPullRequest(ctx, gitrepo.FetchOptions{
		URL: cloneURL, Token: token.Value(), PR: j.p.PR.Number, BaseRef: baseRef,
		HeadSHA: j.p.PR.HeadSHA, CacheDir: filepath.Join(j.r.opts.DataDir, "git"),
		WorkDir:   filepath.Join(tmp, "checkout"),
		BaseFiles: []string{config.RepoConfigPath},
		// The analysis reads through git and exports the head itself: the
		// blobs it reads come in one request, no work tree is written.
		NoCheckout: true,
	})
	endCheckout()
	if err != nil {
		return review.Result{}, err
	}
	defer func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := co.Remove(rmCtx); err != nil {
			j.log.Warn("remove checkout", "err", err)
		}
	}()
	j.log.Info("pull request fetched", "base", co.BaseSHA, "merge_base", co.MergeBase, "head", co.HeadSHA)

	dirs := cachedir.ForPR(j.r.opts.DataDir, j.p.Repo.ID, j.p.PR.Number)
	target, source := dirs.Target, dirs.Source
	if err := dirs.Make(); err != nil {
		return review.Result{}, err
	}
	repoCfg, warnings, err := analysis.LoadConfig(ctx, co.Dir, co.BaseSHA)
	if err != nil {
		return review.Result{}, permanentError(err)
	}
	if reason := skipReason(repoCfg, pr.GetDraft(), j.p.Full); reason != "" {
		return review.Result{}, turnedOff{reason}
	}
	endAnalysis := observe.Stage(ctx, "analysis")
	res, err := analysis.Run(ctx, analysis.Request{
		RepoDir: co.Dir, Base: co.BaseSHA, Head: co.HeadSHA,
		Runner: j.r.opts.Runner, TargetDir: target, CargoHome: dirs.CargoHome, SourceDir: source, Fetch: j.r.opts.Fetch,
		Config: repoCfg, ConfigWarnings: warnings,
	})
	endAnalysis()
	if err != nil {
		return review.Result{}, err
	}
	if j.r.opts.Agent != nil {
		endAgent := observe.Stage(ctx, "agent")
		aug, err := analysis.Augment(ctx, &res, analysis.AgentStep{
			Agent: j.r.opts.Agent, Backend: j.r.opts.AgentConfig.Backend, TokenBudget: j.r.opts.AgentConfig.TokenBudget, SkillDirs: j.r.opts.AgentConfig.SkillDirs,
			Title: pr.GetTitle(), Body: pr.GetBody(),
			RepoDir: co.Dir, Base: co.BaseSHA, Head: co.HeadSHA, SourceDir: source,
			Runner: j.r.opts.Runner, TargetDir: target, CargoHome: dirs.CargoHome,
			Installation: j.p.InstallationID, Daily: agent.RedisBudget{Client: j.r.opts.Redis, Prefix: j.r.opts.KeyPrefix},
			DailyLimit: j.r.opts.AgentConfig.DailyTokens,
		})
		endAgent()
		if err != nil {
			return review.Result{}, err
		}
		j.log.Info("agent review", "status", aug.Status, "comments", len(aug.Comments),
			"tokens_in", aug.Usage.InputTokens, "tokens_out", aug.Usage.OutputTokens)
	}
	return res, nil
}

// finishSuperseded completes the task's check run, when it has one, as
// skipped: a newer head is reviewed instead. It posts nothing else.
func (j *job) finishSuperseded(ctx context.Context, why string) {
	j.complete(ctx, githubapp.CheckRunResult{
		Conclusion: "skipped",
		Title:      "Superseded by a newer commit",
		Summary:    why + "\n\nNothing was posted for this commit.",
	})
}

// finishFailed completes the check run with an explanation of why the
// review could not be done.
func (j *job) finishFailed(ctx context.Context, err error, permanentErr bool) {
	conclusion, title := "failure", "The review could not be completed"
	if errors.Is(err, context.DeadlineExceeded) {
		conclusion, title = "timed_out", "The review ran out of time"
	}
	why := "Symposium gave up after retrying."
	if permanentErr {
		why = "Retrying cannot help with this error."
	}
	j.complete(ctx, githubapp.CheckRunResult{
		Conclusion: conclusion,
		Title:      title,
		Summary:    why + "\n\n" + review.CodeBlock("", truncate(PublicError(err, j.r.opts.DataDir), 2000)),
	})
}

// complete completes the check run of this task with a context of its own,
// so that it works after the task's context was cancelled. Without a check
// run it looks for one an earlier attempt created; it creates none.
func (j *job) complete(ctx context.Context, res githubapp.CheckRunResult) {
	if j.repo.Client == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	run := j.run
	if run == nil {
		found, err := j.repo.FindCheckRun(cctx, j.p.PR.HeadSHA, j.taskID)
		if err != nil {
			j.log.Error("find the check run to complete it", "err", err)
			return
		}
		run = found
	}
	if run == nil || run.GetStatus() == "completed" {
		return
	}
	if err := j.repo.CompleteCheckRun(cctx, run.GetID(), res); err != nil {
		j.log.Error("complete check run", "check_run", run.GetID(), "conclusion", res.Conclusion, "err", err)
		return
	}
	j.log.Info("check run completed", "check_run", run.GetID(), "conclusion", res.Conclusion)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// turnedOff reports a review the repository's configuration turns off.
type turnedOff struct{ reason string }

func (t turnedOff) Error() string { return t.reason }

// skipReason says why the repository's configuration skips this review, or
// "" when it runs. A full review (asked for with `/symposium review` or a
// re-requested check) of a draft runs whatever the drafts setting says.
func skipReason(cfg *config.Repo, draft, full bool) string {
	switch {
	case !cfg.ReviewEnabled():
		return "Reviews are turned off for this repository (`review.enabled = false`)."
	case draft && !full && !cfg.Review.Drafts:
		return "This pull request is a draft, and the repository does not ask for reviews of drafts (`review.drafts = true`). Mark it ready for review, or comment `/symposium review`."
	}
	return ""
}
