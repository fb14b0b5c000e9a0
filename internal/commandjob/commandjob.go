// Package commandjob implements worker.Commander: the `/symposium fix`,
// `/symposium review` and `/symposium help` commands of pull request
// comments, and the check run's "Apply fixes" button.
//
// A command is acknowledged at once with a 👀 reaction on its comment and
// finished with a reply and a 🚀 (done) or 😕 (failed, refused) reaction.
// Only people with write, maintain or admin permission on the base
// repository may run fix and review (the pull request's author may run
// review); bots, ourselves included, are ignored, and only open pull
// requests count.
package commandjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/fix"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/reviewjob"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/review"
	"github.com/symposium-dev/symposium/worker"
)

// Options configure a Commander.
type Options struct {
	// Clients authenticates as the app and its installations; required.
	Clients *githubapp.ClientCreator
	// Redis holds the per-pull-request fix lock; required.
	Redis redis.UniversalClient
	// Runner runs cargo; required.
	Runner sandbox.Runner
	// DataDir holds git caches, cargo target dirs and work dirs; required.
	DataDir string
	// Fetch runs `cargo fetch` (with network) before the offline fixes.
	Fetch bool
	// Reviewer runs `/symposium review` (called with Full set); nil answers
	// that reviews are not available on this worker.
	Reviewer worker.Reviewer
	// Patches, when set, adds the agent's verified patches to fixes.
	Patches func(pr *github.PullRequest) fix.PatchSource
	// BotName and BotEmail override the commit author; by default the
	// app's bot user, from GET /app and GET /users/<slug>[bot].
	BotName, BotEmail string
	// LockLease is the lease of the per-PR fix lock (default 30 s).
	LockLease time.Duration
	// KeyPrefix prefixes Redis keys (default "symposium:").
	KeyPrefix string
}

// Commander implements worker.Commander.
type Commander struct {
	opts Options

	mu     sync.Mutex
	author fix.Author
}

var _ worker.Commander = (*Commander)(nil)

var commandsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "symposium_commands_total",
	Help: "Commands handled, by command and outcome (done, failed, refused, ignored).",
}, []string{"command", "outcome"})

// New validates opts and returns a Commander.
func New(opts Options) (*Commander, error) {
	switch {
	case opts.Clients == nil:
		return nil, errors.New("commandjob: Options.Clients is required")
	case opts.Redis == nil:
		return nil, errors.New("commandjob: Options.Redis is required")
	case opts.Runner == nil:
		return nil, errors.New("commandjob: Options.Runner is required")
	case opts.DataDir == "":
		return nil, errors.New("commandjob: Options.DataDir is required")
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "symposium:"
	}
	dataDir, err := reviewjob.MakeDataDir(opts.DataDir, "git", "target", "work")
	if err != nil {
		return nil, fmt.Errorf("commandjob: %w", err)
	}
	opts.DataDir = dataDir
	return &Commander{opts: opts}, nil
}

// job is one command being run.
type job struct {
	c    *Commander
	p    tasks.CommandPayload
	log  *slog.Logger
	repo githubapp.Repo
	pr   *github.PullRequest
}

// Command runs one command. It returns nil once the command is answered
// (done, refused or failed for good), and an error to be retried for
// transient failures before the last attempt.
func (c *Commander) Command(ctx context.Context, p tasks.CommandPayload) error {
	j := &job{c: c, p: p, log: worker.Logger(ctx).With("command", p.Command, "sender", p.Sender)}
	if p.SenderType == "Bot" || strings.HasSuffix(p.Sender, "[bot]") {
		j.log.Info("command from a bot: ignored")
		commandsTotal.WithLabelValues(p.Command, "ignored").Inc()
		return nil
	}
	if p.Repo.Owner == "" || p.Repo.Name == "" || p.PRNumber <= 0 || p.InstallationID <= 0 || p.Sender == "" {
		return fmt.Errorf("command task: payload lacks repository, pull request, installation or sender: %w", asynq.SkipRetry)
	}
	ctx = githubapp.WithLogContext(ctx, p.Repo.FullName, p.PRNumber)
	client, err := c.opts.Clients.InstallationClient(p.InstallationID)
	if err != nil {
		return fmt.Errorf("command task: %w: %w", err, asynq.SkipRetry)
	}
	j.repo = githubapp.Repo{Client: client, Owner: p.Repo.Owner, Name: p.Repo.Name}
	if bot, err := c.opts.Clients.BotLogin(ctx); err == nil && strings.EqualFold(bot, p.Sender) {
		j.log.Info("command from ourselves: ignored")
		commandsTotal.WithLabelValues(p.Command, "ignored").Inc()
		return nil
	}

	err = j.do(ctx)
	if err == nil {
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, hasMax := asynq.GetMaxRetry(ctx)
	if githubapp.IsPermanent(err) || (hasMax && retried >= maxRetry) || ctx.Err() != nil {
		j.log.Error("command failed", "err", err)
		commandsTotal.WithLabelValues(p.Command, "failed").Inc()
		j.finish(ctx, false, fmt.Sprintf("@%s, `/symposium %s` failed: %s", p.Sender, p.Command, review.EscapeText(oneLine(reviewjob.PublicError(err, c.opts.DataDir), 500))))
		return fmt.Errorf("command %s on %s#%d: %w: %w", p.Command, p.Repo.FullName, p.PRNumber, err, asynq.SkipRetry)
	}
	j.log.Warn("command failed; will retry", "err", err, "retry", retried)
	return fmt.Errorf("command %s on %s#%d: %w", p.Command, p.Repo.FullName, p.PRNumber, err)
}

func (j *job) do(ctx context.Context) error {
	pr, err := j.repo.PullRequest(ctx, j.p.PRNumber)
	if err != nil {
		return err
	}
	j.pr = pr
	if pr.GetState() != "open" {
		j.log.Info("command on a closed pull request: ignored")
		commandsTotal.WithLabelValues(j.p.Command, "ignored").Inc()
		return nil
	}
	j.react(ctx, githubapp.ReactionEyes)

	allowed, why, err := j.permitted(ctx)
	if err != nil {
		return err
	}
	if !allowed {
		j.log.Info("command refused", "reason", why)
		commandsTotal.WithLabelValues(j.p.Command, "refused").Inc()
		j.finish(ctx, false, why)
		return nil
	}
	switch j.p.Command {
	case tasks.CommandFix:
		return j.fix(ctx)
	case tasks.CommandReview:
		return j.review(ctx)
	default:
		commandsTotal.WithLabelValues(tasks.CommandHelp, "done").Inc()
		j.finish(ctx, true, helpText(j.p.Unknown))
		return nil
	}
}

// permitted applies the permission rule: help is for everyone; fix and
// review need write, maintain or admin on the base repository, and the
// pull request's author may run review.
func (j *job) permitted(ctx context.Context) (bool, string, error) {
	cmd := j.p.Command
	if cmd != tasks.CommandFix && cmd != tasks.CommandReview {
		return true, "", nil
	}
	if cmd == tasks.CommandReview && strings.EqualFold(j.p.Sender, j.pr.GetUser().GetLogin()) {
		return true, "", nil
	}
	perm, err := j.repo.Permission(ctx, j.p.Sender)
	if err != nil {
		return false, "", err
	}
	if githubapp.CanWrite(perm) {
		return true, "", nil
	}
	who := "people with write access to this repository"
	if cmd == tasks.CommandReview {
		who += " and the pull request's author"
	}
	return false, fmt.Sprintf("Sorry @%s, only %s can run `/symposium %s`. A maintainer can run it for you.", j.p.Sender, who, cmd), nil
}

// review runs a full review of the current head through the Reviewer.
func (j *job) review(ctx context.Context) error {
	if j.c.opts.Reviewer == nil {
		j.finish(ctx, false, "Reviews are not available on this worker.")
		return nil
	}
	head := j.pr.GetHead()
	err := j.c.opts.Reviewer.Review(ctx, tasks.ReviewPayload{
		Version: tasks.PayloadVersion, DeliveryID: j.p.DeliveryID, Event: j.p.Event, Action: "command",
		InstallationID: j.p.InstallationID, Repo: j.p.Repo, Full: true,
		PR: tasks.PullRequest{
			Number: j.pr.GetNumber(), HeadSHA: head.GetSHA(), HeadRef: head.GetRef(),
			BaseRef: j.pr.GetBase().GetRef(), BaseSHA: j.pr.GetBase().GetSHA(),
			HeadRepo: head.GetRepo().GetFullName(), Draft: j.pr.GetDraft(),
			MaintainerCanModify: j.pr.GetMaintainerCanModify(), Author: j.pr.GetUser().GetLogin(),
		},
	})
	if err != nil {
		return err
	}
	commandsTotal.WithLabelValues(tasks.CommandReview, "done").Inc()
	j.finish(ctx, true, fmt.Sprintf("Reviewed `%s` from scratch, as @%s asked: the findings are in the **Symposium** check run and the review.",
		short(head.GetSHA()), j.p.Sender))
	return nil
}

// react adds a reaction to the command's comment, when it came from one.
// A reaction that fails is logged: it is not worth failing the command.
func (j *job) react(ctx context.Context, content string) {
	if j.p.CommentID == 0 {
		return
	}
	if err := j.repo.React(ctx, j.p.CommentID, content); err != nil {
		j.log.Warn("react to the command", "reaction", content, "err", err)
	}
}

// finish replies and reacts 🚀 (ok) or 😕.
func (j *job) finish(ctx context.Context, ok bool, body string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := j.repo.Reply(cctx, j.p.PRNumber, body); err != nil {
		j.log.Error("reply to the command", "err", err)
	}
	if ok {
		j.react(cctx, githubapp.ReactionRocket)
	} else {
		j.react(cctx, githubapp.ReactionConfused)
	}
}

// helpText is the reply to `/symposium help` and unknown commands.
func helpText(unknown string) string {
	var b strings.Builder
	if unknown != "" {
		fmt.Fprintf(&b, "I don't know the command %s. ", review.CodeSpan(unknown))
	}
	b.WriteString("Symposium understands these commands, each on a line of its own in a pull request comment:\n\n")
	b.WriteString("| Command | What it does | Who may run it |\n|---|---|---|\n")
	b.WriteString("| `/symposium fix` | Commits clippy's machine-applicable fixes and rustfmt to the files this pull request changed, once they build (and pass the tests, when configured). On a fork that does not allow edits from maintainers, posts them as suggestions instead. | write, maintain or admin |\n")
	b.WriteString("| `/symposium review` | Reviews the current head again from scratch. | write, maintain or admin, and the pull request's author |\n")
	b.WriteString("| `/symposium help` | Shows this message. | anyone |\n")
	return b.String()
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
