package commandjob

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/cachedir"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/fix"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/observe"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/review"
)

// fix runs the fix pipeline on the pull request's head, under the pull
// request's fix lock, and pushes the result (or posts it as suggestions).
// When the branch moved meanwhile it runs once more on the new head.
func (j *job) fix(ctx context.Context) error {
	unlock, ctx, err := j.c.lockPR(ctx, j)
	if err != nil {
		return err
	}
	defer unlock()
	for attempt := 0; ; attempt++ {
		// Read the head under the lock: a fix that ran while this one
		// waited (or a push during the previous attempt) moved it, and
		// fixing the head read before the lock would redo that fix.
		pr, err := j.repo.PullRequest(ctx, j.p.PRNumber)
		if err != nil {
			return err
		}
		j.pr = pr
		moved, err := j.fixOnce(ctx)
		if err != nil {
			return err
		}
		if !moved {
			return nil
		}
		if attempt >= 1 {
			commandsTotal.WithLabelValues(tasks.CommandFix, "failed").Inc()
			j.finish(ctx, false, fmt.Sprintf("@%s, the branch %s kept moving while I was fixing it: nothing was pushed. Run `/symposium fix` again when it settles.",
				j.p.Sender, review.CodeSpan(j.pr.GetHead().GetRef())))
			return nil
		}
		j.log.Info("the branch moved during the fix: running again on the new head")
	}
}

// fixOnce fixes the current head of j.pr. moved is true when the push was
// rejected because the branch moved.
func (j *job) fixOnce(ctx context.Context) (moved bool, err error) {
	if j.pr.GetState() != "open" {
		j.finish(ctx, false, "The pull request is closed: nothing was fixed.")
		return false, nil
	}
	head := j.pr.GetHead()
	headSHA := head.GetSHA()
	inBase := head.GetRepo().GetFullName() == "" || strings.EqualFold(head.GetRepo().GetFullName(), j.p.Repo.FullName)
	canPush := inBase || j.pr.GetMaintainerCanModify()
	pushURL := j.pr.GetBase().GetRepo().GetCloneURL()
	if !inBase {
		pushURL = head.GetRepo().GetCloneURL()
	}
	if canPush && pushURL == "" {
		return false, fmt.Errorf("GitHub gave no clone URL for the head repository of %s#%d", j.p.Repo.FullName, j.p.PRNumber)
	}

	co, cleanup, err := j.checkout(ctx, headSHA)
	if err != nil {
		return false, err
	}
	defer cleanup()

	// The pull request's own target dir; its cargo home lies inside it
	// (fix.Request's default), read-only in builds.
	dirs := cachedir.ForPR(j.c.opts.DataDir, j.p.Repo.ID, j.p.PRNumber)
	if err := dirs.Make(); err != nil {
		return false, err
	}
	// The sandbox builds a scratch copy beside the checkout; the checkout
	// itself only ever receives the bytes the pipeline computed.
	scratch := filepath.Join(filepath.Dir(co.Dir), "source")
	req := fix.Request{Dir: co.Dir, Base: co.BaseSHA, Runner: j.c.opts.Runner, TargetDir: dirs.Target, SourceDir: scratch, Fetch: j.c.opts.Fetch}
	if j.c.opts.Patches != nil {
		req.Patches = j.c.opts.Patches(j.pr)
	}
	endFix := observe.Stage(ctx, "fix")
	res, err := fix.Run(ctx, req)
	endFix()
	var ve *fix.VerifyError
	switch {
	case errors.As(err, &ve):
		commandsTotal.WithLabelValues(tasks.CommandFix, "failed").Inc()
		body := fmt.Sprintf("@%s, I did not push anything: %s.", j.p.Sender, review.EscapeText(ve.Reason))
		if ve.Detail != "" {
			body += "\n\n<details><summary>Output</summary>\n\n" + review.CodeBlock("", oneBlock(ve.Detail, 6000)) + "</details>\n"
		}
		j.finish(ctx, false, body+notes(res.Notes))
		return false, nil
	case errors.Is(err, fix.ErrDisabled):
		commandsTotal.WithLabelValues(tasks.CommandFix, "refused").Inc()
		j.finish(ctx, false, "Fix commits are turned off for this repository (`[fix] enabled = false` in `.github/symposium.toml`).")
		return false, nil
	case err != nil:
		return false, err
	}
	if res.Empty() {
		commandsTotal.WithLabelValues(tasks.CommandFix, "done").Inc()
		j.finish(ctx, true, fmt.Sprintf("Nothing to fix on `%s`: clippy has no machine-applicable fix and rustfmt has nothing to change in the files this pull request touches.%s",
			short(headSHA), notes(res.Notes)))
		return false, nil
	}
	if !canPush {
		return false, j.suggest(ctx, res)
	}

	author, err := j.c.botAuthor(ctx, j.repo.Client)
	if err != nil {
		return false, err
	}
	sha, err := fix.Commit(ctx, co.Dir, res, author)
	if err != nil {
		return false, err
	}
	token, err := j.c.opts.Clients.RepositoryToken(ctx, j.p.InstallationID, j.p.Repo.Name, true)
	if err != nil {
		return false, err
	}
	err = gitrepo.PushBranch(ctx, gitrepo.PushOptions{Dir: co.Dir, URL: pushURL, Token: token.Value(), Commit: sha, Branch: head.GetRef()})
	if errors.Is(err, gitrepo.ErrPushRejected) {
		j.log.Info("push rejected: the branch moved", "commit", sha)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	j.log.Info("fix pushed", "commit", sha, "branch", head.GetRef(), "fixes", res.Count())
	observe.Posted(ctx, "fix")
	commandsTotal.WithLabelValues(tasks.CommandFix, "done").Inc()
	link := fmt.Sprintf("`%s`", short(sha))
	if u := head.GetRepo().GetHTMLURL(); u != "" {
		link = fmt.Sprintf("[`%s`](%s/commit/%s)", short(sha), strings.TrimRight(u, "/"), sha)
	}
	j.finish(ctx, true, fmt.Sprintf("Pushed %s to %s, as @%s asked. It applies %s:\n\n%s\nVerified with cargo clippy%s.%s",
		link, review.CodeSpan(head.GetRef()), j.p.Sender, countFixes(res.Count()), fixList(res.Fixes), testedNote(res.Tested), notes(res.Notes)))
	return false, nil
}

// checkout fetches the pull request at headSHA into a work dir of its own.
func (j *job) checkout(ctx context.Context, headSHA string) (*gitrepo.PullCheckout, func(), error) {
	cloneURL := j.pr.GetBase().GetRepo().GetCloneURL()
	if cloneURL == "" {
		return nil, nil, fmt.Errorf("GitHub gave no clone URL for %s", j.p.Repo.FullName)
	}
	token, err := j.c.opts.Clients.RepositoryToken(ctx, j.p.InstallationID, j.p.Repo.Name, false)
	if err != nil {
		return nil, nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Join(j.c.opts.DataDir, "work"), "fix-")
	if err != nil {
		return nil, nil, fmt.Errorf("create work dir: %w", err)
	}
	co, err := gitrepo.FetchPullRequest(ctx, gitrepo.FetchOptions{
		URL: cloneURL, Token: token.Value(), PR: j.p.PRNumber, BaseRef: j.pr.GetBase().GetRef(),
		HeadSHA: headSHA, CacheDir: filepath.Join(j.c.opts.DataDir, "git"), WorkDir: filepath.Join(tmp, "checkout"),
		// The fix pipeline reads the repository's configuration at the base.
		BaseFiles: []string{config.RepoConfigPath},
	})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	return co, func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := co.Remove(rmCtx); err != nil {
			j.log.Warn("remove checkout", "err", err)
		}
		os.RemoveAll(tmp)
	}, nil
}

// suggest posts the fixes as a review of suggestion blocks, for a fork the
// app cannot push to.
func (j *job) suggest(ctx context.Context, res fix.Result) error {
	suggestions, err := fix.Suggestions(res.Diff)
	if err != nil {
		return err
	}
	rules := map[string][]string{}
	for _, f := range res.Fixes {
		rules[f.Path] = append(rules[f.Path], f.Rule)
	}
	var comments []githubapp.ReviewComment
	for _, s := range suggestions {
		c := githubapp.ReviewComment{Path: s.Path, Line: s.EndLine, Side: review.SideRight,
			Body: s.Body(fmt.Sprintf("Symposium fix (%s):", codeSpans(rules[s.Path])))}
		if s.StartLine < s.EndLine {
			c.StartLine = s.StartLine
		}
		comments = append(comments, c)
	}
	body := fmt.Sprintf("Fixes for `%s`, as @%s asked. I cannot push to this fork (its author did not allow edits from maintainers), so here they are as suggestions:\n\n%s",
		short(res.HeadSHA), j.p.Sender, fixList(res.Fixes))
	out, err := j.repo.CreateReview(ctx, j.p.PRNumber, githubapp.ReviewDraft{CommitID: res.HeadSHA, Body: body, Comments: comments})
	if err != nil {
		return err
	}
	commandsTotal.WithLabelValues(tasks.CommandFix, "done").Inc()
	link := "a review"
	if u := out.Review.GetHTMLURL(); u != "" {
		link = fmt.Sprintf("[a review](%s)", u)
	}
	j.finish(ctx, true, fmt.Sprintf("@%s, I cannot push to this fork (edits from maintainers are not allowed), so I posted the fixes as %d suggestion(s) in %s. Verified with cargo clippy%s.%s",
		j.p.Sender, len(comments), link, testedNote(res.Tested), notes(res.Notes)))
	return nil
}

// botAuthor is the commit author: configured, or the app's bot user.
func (c *Commander) botAuthor(ctx context.Context, client *github.Client) (fix.Author, error) {
	if c.opts.BotName != "" && c.opts.BotEmail != "" {
		return fix.Author{Name: c.opts.BotName, Email: c.opts.BotEmail}, nil
	}
	c.mu.Lock()
	a := c.author
	c.mu.Unlock()
	if a.Name != "" {
		return a, nil
	}
	login, err := c.opts.Clients.BotLogin(ctx)
	if err != nil {
		return fix.Author{}, err
	}
	user, _, err := client.Users.Get(ctx, login)
	if err != nil {
		return fix.Author{}, fmt.Errorf("get the bot user %s: %w", login, err)
	}
	a = fix.BotAuthor(login, user.GetID())
	c.mu.Lock()
	c.author = a
	c.mu.Unlock()
	return a, nil
}

func fixList(fixes []fix.Fix) string {
	var b strings.Builder
	for _, f := range fixes {
		fmt.Fprintf(&b, "- %s in %s", review.CodeSpan(f.Rule), review.CodeSpan(f.Path))
		if f.Count > 1 {
			fmt.Fprintf(&b, " (%d×)", f.Count)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// countFixes is "1 Symposium fix" or "N Symposium fixes", the count of
// the commit message.
func countFixes(n int) string {
	if n == 1 {
		return "1 Symposium fix"
	}
	return fmt.Sprintf("%d Symposium fixes", n)
}

func testedNote(tested bool) string {
	if tested {
		return " and cargo test"
	}
	return ""
}

func notes(ns []string) string {
	if len(ns) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\n")
	for _, n := range ns {
		fmt.Fprintf(&b, "> %s\n", review.EscapeText(n))
	}
	return b.String()
}

// oneBlock keeps the last n bytes of s, for a code block.
func oneBlock(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + strings.ToValidUTF8(s[len(s)-n:], "")
	}
	return s
}

// codeSpans renders untrusted names (rules, paths) as code, comma-separated.
func codeSpans(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = review.CodeSpan(n)
	}
	return strings.Join(out, ", ")
}
