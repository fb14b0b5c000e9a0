package githubapp

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/review"
)

// CheckRunName is the name of the check run Symposium owns.
const CheckRunName = "Symposium"

// Limits GitHub puts on check runs.
const (
	// MaxAnnotationsPerRequest is how many annotations one request may carry.
	MaxAnnotationsPerRequest = 50
	// MaxCheckRunActions is how many action buttons a check run may have.
	MaxCheckRunActions = 3
	maxActionLabel     = 20
	maxActionDesc      = 40
	maxActionID        = 20
	maxOutputText      = 65535
)

// Repo addresses one repository through an installation client.
type Repo struct {
	Client *github.Client
	Owner  string
	Name   string
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

func ptr[T any](v T) *T { return &v }

// FindCheckRun returns our check run on headSHA whose external_id is
// externalID, or nil when there is none.
func (r Repo) FindCheckRun(ctx context.Context, headSHA, externalID string) (*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{
		CheckName:   ptr(CheckRunName),
		Filter:      ptr("all"),
		ListOptions: github.ListOptions{PerPage: 100},
	}
	for {
		res, resp, err := r.Client.Checks.ListCheckRunsForRef(ctx, r.Owner, r.Name, headSHA, opts)
		if err != nil {
			return nil, fmt.Errorf("list check runs of %s@%s: %w", r.FullName(), headSHA, err)
		}
		for _, run := range res.CheckRuns {
			if run.GetExternalID() == externalID && run.GetName() == CheckRunName {
				return run, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// StartCheckRun returns the check run of this task on headSHA, creating it
// in_progress when absent, so a retried task reuses the one it made.
func (r Repo) StartCheckRun(ctx context.Context, headSHA, externalID string) (*github.CheckRun, error) {
	if headSHA == "" || externalID == "" {
		return nil, fmt.Errorf("start check run on %s: head sha and external id are required", r.FullName())
	}
	run, err := r.FindCheckRun(ctx, headSHA, externalID)
	if err != nil {
		return nil, err
	}
	if run != nil {
		return run, nil
	}
	run, _, err = r.Client.Checks.CreateCheckRun(ctx, r.Owner, r.Name, github.CreateCheckRunOptions{
		Name:       CheckRunName,
		HeadSHA:    headSHA,
		ExternalID: ptr(externalID),
		Status:     ptr("in_progress"),
		StartedAt:  &github.Timestamp{Time: time.Now()},
		Output: &github.CheckRunOutput{
			Title:   ptr("Reviewing"),
			Summary: ptr("Symposium is reviewing this commit."),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create check run on %s@%s: %w", r.FullName(), headSHA, err)
	}
	return run, nil
}

// CheckRunResult is how a check run ends.
type CheckRunResult struct {
	// Conclusion is success, failure, neutral, cancelled, skipped,
	// timed_out or action_required.
	Conclusion string
	Title      string
	// Summary is markdown, at most 65535 characters.
	Summary string
	// Text is optional longer markdown.
	Text        string
	Annotations []*github.CheckRunAnnotation
	// AnnotationsPosted is how many of Annotations the check run already
	// holds, from an earlier attempt that failed before completing it
	// (its output.annotations_count); they are not sent again.
	AnnotationsPosted int
	// Actions are buttons (at most three), such as "Apply fixes".
	Actions []*github.CheckRunAction
}

var conclusions = map[string]bool{
	"success": true, "failure": true, "neutral": true, "cancelled": true,
	"skipped": true, "timed_out": true, "action_required": true,
}

func (res CheckRunResult) validate() error {
	if !conclusions[res.Conclusion] {
		return fmt.Errorf("conclusion %q is not one GitHub accepts", res.Conclusion)
	}
	if res.Title == "" || res.Summary == "" {
		return fmt.Errorf("title and summary are required")
	}
	if n := utf8.RuneCountInString(res.Summary); n > maxOutputText {
		return fmt.Errorf("summary is %d characters, GitHub allows %d", n, maxOutputText)
	}
	if n := utf8.RuneCountInString(res.Text); n > maxOutputText {
		return fmt.Errorf("text is %d characters, GitHub allows %d", n, maxOutputText)
	}
	if len(res.Actions) > MaxCheckRunActions {
		return fmt.Errorf("%d actions, GitHub allows %d", len(res.Actions), MaxCheckRunActions)
	}
	for _, a := range res.Actions {
		if a == nil || a.Label == "" || a.Identifier == "" || a.Description == "" {
			return fmt.Errorf("action needs a label, a description and an identifier")
		}
		if utf8.RuneCountInString(a.Label) > maxActionLabel ||
			utf8.RuneCountInString(a.Description) > maxActionDesc ||
			utf8.RuneCountInString(a.Identifier) > maxActionID {
			return fmt.Errorf("action %q: label ≤ %d, description ≤ %d, identifier ≤ %d characters",
				a.Identifier, maxActionLabel, maxActionDesc, maxActionID)
		}
	}
	for i, a := range res.Annotations {
		if a == nil || a.GetPath() == "" || a.GetStartLine() <= 0 || a.GetEndLine() < a.GetStartLine() || a.GetMessage() == "" {
			return fmt.Errorf("annotation %d needs a path, start_line ≤ end_line and a message", i)
		}
		switch a.GetAnnotationLevel() {
		case "notice", "warning", "failure":
		default:
			return fmt.Errorf("annotation %d: level %q is not notice, warning or failure", i, a.GetAnnotationLevel())
		}
	}
	return nil
}

// CompleteCheckRun completes a check run with the fewest requests GitHub
// allows: the annotations go 50 per PATCH (GitHub appends them) and the
// last PATCH — the only one with at most 50 annotations — also carries the
// conclusion, the actions and the completion time, so the run turns
// completed once every annotation is on it. The first res.AnnotationsPosted
// annotations, which an earlier attempt left on the run, are not sent again.
func (r Repo) CompleteCheckRun(ctx context.Context, checkRunID int64, res CheckRunResult) error {
	if err := res.validate(); err != nil {
		return fmt.Errorf("complete check run %d on %s: %w", checkRunID, r.FullName(), err)
	}
	pending := res.Annotations[min(max(res.AnnotationsPosted, 0), len(res.Annotations)):]
	batches := batchAnnotations(neutralised(pending))
	title := review.EscapePlain(res.Title)
	output := func(batch []*github.CheckRunAnnotation) *github.CheckRunOutput {
		out := &github.CheckRunOutput{Title: ptr(title), Summary: ptr(res.Summary), Annotations: batch}
		if res.Text != "" {
			out.Text = ptr(res.Text)
		}
		return out
	}
	last := len(batches) - 1
	for i, batch := range batches[:last] {
		opts := github.UpdateCheckRunOptions{Name: CheckRunName, Output: output(batch)}
		if _, _, err := r.Client.Checks.UpdateCheckRun(ctx, r.Owner, r.Name, checkRunID, opts); err != nil {
			return fmt.Errorf("add annotations batch %d/%d to check run %d on %s: %w",
				i+1, len(batches), checkRunID, r.FullName(), err)
		}
	}
	final := github.UpdateCheckRunOptions{
		Name:        CheckRunName,
		Status:      ptr("completed"),
		Conclusion:  ptr(res.Conclusion),
		CompletedAt: &github.Timestamp{Time: time.Now()},
		Output:      output(batches[last]),
		Actions:     res.Actions,
	}
	if _, _, err := r.Client.Checks.UpdateCheckRun(ctx, r.Owner, r.Name, checkRunID, final); err != nil {
		return fmt.Errorf("complete check run %d on %s: %w", checkRunID, r.FullName(), err)
	}
	return nil
}

// neutralised returns copies of annotations whose plain-text fields (title,
// message, raw details), which may quote the pull request, can neither
// mention nor cross-reference nor carry a marker. The summary and text are
// Markdown rendered by package review, which escapes what it quotes.
func neutralised(all []*github.CheckRunAnnotation) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, 0, len(all))
	for _, a := range all {
		c := *a
		for _, f := range []**string{&c.Title, &c.Message, &c.RawDetails} {
			if *f != nil {
				*f = ptr(review.EscapePlain(**f))
			}
		}
		out = append(out, &c)
	}
	return out
}

// batchAnnotations splits annotations into groups of 50; there is always at
// least one (possibly empty) group.
func batchAnnotations(all []*github.CheckRunAnnotation) [][]*github.CheckRunAnnotation {
	batches := [][]*github.CheckRunAnnotation{nil}
	for i, a := range all {
		if i > 0 && i%MaxAnnotationsPerRequest == 0 {
			batches = append(batches, nil)
		}
		batches[len(batches)-1] = append(batches[len(batches)-1], a)
	}
	return batches
}
