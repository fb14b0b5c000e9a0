package reviewjob

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/review"
)

// FixActionID is the identifier of the check run's "Apply fixes" button.
const FixActionID = "fix"

// publish posts what the review found that is not on the pull request yet,
// resolves the bot's threads whose findings are all gone (unless someone
// replied in them), then completes the check run, whose summary lists what
// this push fixed: the review comes first, the check run's annotations
// after it (50 a request, the last request completing the run). It posts
// nothing when the head moved.
func (j *job) publish(ctx context.Context, res review.Result) error {
	bot, err := j.r.opts.Clients.BotLogin(ctx)
	if err != nil {
		return err
	}
	already := map[string]bool{}
	if !j.p.Full {
		if already, err = j.repo.PostedFingerprints(ctx, j.p.PR.Number, bot); err != nil {
			return err
		}
	}
	fresh, repeated := splitPosted(res.Comments, already)
	var plan threadPlan
	if threads, err := j.repo.ReviewThreads(ctx, j.p.PR.Number); err != nil {
		// The review itself stands; the next push looks at the threads again.
		j.log.Warn("read the review threads: none resolved", "err", err)
		plan.ReadErr = err
	} else {
		plan = planThreads(threads, bot, presentFingerprints(res), holdReason(res))
	}

	same, current, err := j.repo.HeadIs(ctx, j.p.PR.Number, j.p.PR.HeadSHA)
	if err != nil {
		return err
	}
	if !same {
		j.log.Info("pull request head moved during the review: nothing posted", "current_head", current)
		j.finishSuperseded(ctx, fmt.Sprintf("The pull request's head moved to `%s` while this commit was being reviewed.", short(current)))
		return nil
	}

	summary := withIncrementalNote(res.Summary, len(fresh), len(repeated))
	var reviewURL string
	if len(fresh) > 0 {
		out, err := j.repo.CreateReview(ctx, j.p.PR.Number, githubapp.ReviewDraft{
			CommitID: j.p.PR.HeadSHA, Body: summary, Comments: draftComments(fresh),
		})
		if err != nil {
			return err
		}
		reviewURL = out.Review.GetHTMLURL()
		j.log.Info("review posted", "review", out.Review.GetID(), "inline", len(out.Inline), "moved_to_body", len(out.Moved), "already_posted", len(repeated))
	} else {
		j.log.Info("nothing new to post on the pull request", "already_posted", len(repeated))
	}

	j.resolveThreads(ctx, &plan)
	result := checkRunResult(res, withLifecycleNote(summary, plan), reviewURL, len(fresh), len(repeated), j.r.opts.Conclusions)
	// An earlier attempt may have added some batches of annotations before
	// failing; the same review gives them in the same order.
	result.AnnotationsPosted = j.run.GetOutput().GetAnnotationsCount()
	if err := j.repo.CompleteCheckRun(ctx, j.run.GetID(), result); err != nil {
		return err
	}
	j.log.Info("review done", "check_run", j.run.GetID(), "conclusion", result.Conclusion,
		"findings", len(res.Findings), "comments", len(res.Comments), "new_comments", len(fresh))
	return nil
}

// resolveThreads resolves the planned threads. One that GitHub does not
// resolve moves to plan.Failed: the check run says so, and the next push
// tries again, since its finding is still gone.
func (j *job) resolveThreads(ctx context.Context, plan *threadPlan) {
	var resolved []githubapp.ReviewThread
	for _, t := range plan.Resolve {
		if err := j.repo.ResolveReviewThread(ctx, t.ID); err != nil {
			j.log.Warn("resolve the thread of a fixed finding", "thread", t.ID, "err", err)
			plan.Failed = append(plan.Failed, t)
			continue
		}
		resolved = append(resolved, t)
	}
	plan.Resolve = resolved
	if len(plan.Resolve)+len(plan.Failed)+len(plan.Replied)+len(plan.Held) > 0 {
		j.log.Info("threads of gone findings", "resolved", len(plan.Resolve), "not_resolved", len(plan.Failed),
			"kept_replied", len(plan.Replied), "kept_no_build", len(plan.Held))
	}
}

// splitPosted separates the comments whose fingerprint is already on the
// pull request from the fresh ones.
func splitPosted(comments []review.Comment, posted map[string]bool) (fresh, repeated []review.Comment) {
	for _, c := range comments {
		if c.Fingerprint != "" && posted[c.Fingerprint] {
			repeated = append(repeated, c)
			continue
		}
		fresh = append(fresh, c)
	}
	return fresh, repeated
}

// withIncrementalNote says in the summary what earlier reviews reported.
func withIncrementalNote(summary string, fresh, repeated int) string {
	if repeated == 0 {
		return summary
	}
	note := fmt.Sprintf("\n%d of the %d inline findings were already reported on this pull request and are not repeated; %d are new.\n",
		repeated, fresh+repeated, fresh)
	return strings.TrimRight(summary, "\n") + "\n" + note
}

// draftComments converts the engine's comments to the poster's.
func draftComments(cs []review.Comment) []githubapp.ReviewComment {
	out := make([]githubapp.ReviewComment, 0, len(cs))
	for _, c := range cs {
		rc := githubapp.ReviewComment{Path: c.Path, Line: c.Line, Side: c.Side, Body: c.Body}
		if c.StartLine > 0 && c.StartLine < c.Line {
			rc.StartLine = c.StartLine
		}
		if rc.Side == "" {
			rc.Side = review.SideRight
		}
		out = append(out, rc)
	}
	return out
}

// checkRunResult is the completed check run of a review. A compiler error
// on the changed lines concludes c.CompileError; a review that is
// incomplete (cargo could not run on the head or build it, clippy's output
// was cut) concludes c.Incomplete, never c.Clean, whatever it found, and
// says so in its title; other findings conclude c.Findings.
func checkRunResult(res review.Result, summary, reviewURL string, fresh, repeated int, c Conclusions) githubapp.CheckRunResult {
	conclusion := c.Clean
	switch {
	case res.CompileErrorOnDiff:
		conclusion = c.CompileError
	case res.Incomplete != "":
		conclusion = c.Incomplete
	case len(res.Findings) > 0:
		conclusion = c.Findings
	}
	title := fmt.Sprintf("%d findings, %d new inline comments", len(res.Findings), fresh)
	switch {
	case res.CompileErrorOnDiff:
		title = "A compiler error is on the changed lines"
	case res.Incomplete != "" && len(res.Findings) == 0:
		title = "Incomplete review: nothing found in what could be checked"
	case res.Incomplete != "":
		title = "Incomplete review: " + title
	case len(res.Findings) == 0:
		title = "No findings"
	}
	if reviewURL != "" {
		summary = strings.TrimRight(summary, "\n") + fmt.Sprintf("\n\nThe inline comments are in [the review](%s).\n", reviewURL)
	}
	out := githubapp.CheckRunResult{
		Conclusion:  conclusion,
		Title:       title,
		Summary:     truncate(summary, 60000),
		Annotations: annotations(res.Findings),
	}
	if fixable(res.Comments) || res.SummaryFixes > 0 {
		out.Actions = []*github.CheckRunAction{{
			Label:       "Apply fixes",
			Description: "Commit the suggested fixes",
			Identifier:  FixActionID,
		}}
	}
	return out
}

// fixable tells whether some comment carries a suggestion to apply.
func fixable(cs []review.Comment) bool {
	for _, c := range cs {
		if c.Suggestion != nil {
			return true
		}
	}
	return false
}

// annotations turns every located, not ignored finding into a check run
// annotation.
func annotations(fs []review.Finding) []*github.CheckRunAnnotation {
	var out []*github.CheckRunAnnotation
	for _, f := range fs {
		if f.Ignored || f.Path == "" || f.Line <= 0 {
			continue
		}
		end := max(f.EndLine, f.Line)
		level := "notice"
		switch f.Severity {
		case review.SeverityError:
			level = "failure"
		case review.SeverityWarning:
			level = "warning"
		}
		title := string(f.Source)
		if f.Rule != "" {
			title += ": " + f.Rule
		}
		msg := f.Message
		if msg == "" {
			msg = title
		}
		out = append(out, &github.CheckRunAnnotation{
			Path:            github.String(f.Path),
			StartLine:       github.Int(f.Line),
			EndLine:         github.Int(end),
			AnnotationLevel: github.String(level),
			Title:           github.String(truncate(title, 255)),
			Message:         github.String(truncate(msg, 60000)),
		})
	}
	return out
}
