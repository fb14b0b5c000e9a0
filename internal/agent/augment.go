package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/review"
)

// AugmentInput is everything Augment needs besides the agent.
type AugmentInput struct {
	// Request is sent to the agent; Request.Diff also decides which
	// comments and patches are acceptable.
	Request Request
	// Backend names the backend in logs, metrics and notes.
	Backend string
	// HeadDir is a checkout of the head; patches are applied to copies of it.
	HeadDir string
	// Check is the review engine's sandboxed cargo run; nil drops every patch
	// (unverified patches never reach anyone).
	Check Checker
	// Baseline is the head's diagnostics from the review engine's own run;
	// nil makes Augment run Check on the unpatched head first.
	Baseline []review.Diagnostic
	// Limits caps the answer.
	Limits Limits
	// Installation, Daily and DailyLimit enforce the per-installation daily
	// token budget; a nil Daily or a DailyLimit of 0 means no daily budget.
	Installation int64
	Daily        DailyBudget
	DailyLimit   int64
	// Now returns the time (for the day of the budget); nil means time.Now.
	Now func() time.Time
}

// Status says what became of an agent review.
type Status string

// The statuses an AugmentResult can have.
const (
	StatusNone        Status = "none"        // no agent configured
	StatusOK          Status = "ok"          // the agent answered; its output was validated
	StatusUnavailable Status = "unavailable" // the agent failed; the built-in review stands alone
	StatusSkipped     Status = "skipped"     // a token budget kept the agent from running
)

// Dropped counts what Augment did not pass on.
type Dropped struct {
	OffDiff        int // comments not on lines of the diff (moved to the summary)
	Rejected       int // patches refused before building (paths, size, format)
	DoesNotApply   int
	DoesNotCompile int
	OverCap        int // comments and patches beyond the caps
}

// AugmentResult is the agent's contribution to a review.
type AugmentResult struct {
	Status Status
	// Comments are inline comments with Source "agent", ready for the review:
	// the agent's comments on diff lines and its verified patches that fit
	// in one hunk, as suggestions.
	Comments []review.Comment
	// Patches are verified patches that cannot be suggestions (they span
	// more than a hunk): kept for `/symposium fix`.
	Patches []Patch
	// Verified lists every patch that passed verification, whether it became
	// suggestions or is in Patches: what `/symposium fix` applies.
	Verified []Patch
	// Summary is markdown for the review summary: the agent's summary and its
	// comments on lines outside the diff.
	Summary string
	// Note is one line for the check run summary: tokens, cost, what was
	// dropped, or why the agent did not run.
	Note    string
	Usage   Usage
	Dropped Dropped
	// Omitted lists what the token budget left out of the prompt.
	Omitted []string
	// SkillsOffered counts the skills the prompt indexed or inlined,
	// SkillsLoaded those whose bodies the agent read (through the skill
	// tool, or inlined), ToolCalls the tool calls it made.
	SkillsOffered, SkillsLoaded, ToolCalls int
	// Err is the agent's failure when Status is StatusUnavailable.
	Err error
}

// Augment runs the agent on a review: prompt, call, validation of the
// answer, verification of each patch. Agent failures are not errors: the
// result says the agent was unavailable (or skipped) and the caller posts
// the built-in review alone with the note. The error is for bad input only
// (a diff that does not parse, a check that cannot run).
func Augment(ctx context.Context, a Agent, in AugmentInput) (AugmentResult, error) {
	backend := in.Backend
	if backend == "" {
		backend = "agent"
	}
	if a == nil {
		return AugmentResult{Status: StatusNone}, nil
	}
	if _, ok := a.(None); ok {
		return AugmentResult{Status: StatusNone}, nil
	}
	d, err := parseDiff(in.Request.Diff)
	if err != nil {
		return AugmentResult{}, err
	}
	p, err := BuildPrompt(in.Request)
	if err != nil {
		return AugmentResult{}, err
	}
	if !hasHeadLines(d) {
		return AugmentResult{Status: StatusSkipped, Note: "Agent: skipped, the diff has no changed text lines."}, nil
	}
	if allHunksOmitted(p) {
		reviewsTotal.WithLabelValues(backend, "skipped_budget").Inc()
		return AugmentResult{Status: StatusSkipped, Omitted: p.Omitted,
			Note: fmt.Sprintf("Agent: skipped, the per-review token budget (%d) is too small for this diff.", budgetOf(in.Request))}, nil
	}
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	if in.Daily != nil && in.DailyLimit > 0 {
		spent, err := in.Daily.Spent(ctx, in.Installation, now())
		if err != nil {
			slog.WarnContext(ctx, "agent: daily budget unreadable; skipping the agent", "err", err)
			return AugmentResult{Status: StatusSkipped, Note: "Agent: skipped, the daily token budget could not be read."}, nil
		}
		if spent+int64(p.Tokens) > in.DailyLimit {
			reviewsTotal.WithLabelValues(backend, "skipped_daily_budget").Inc()
			return AugmentResult{Status: StatusSkipped,
				Note: fmt.Sprintf("Agent: skipped, this installation's daily token budget is used up (%d of %d tokens).", spent, in.DailyLimit)}, nil
		}
	}

	resp, err := a.Review(ctx, in.Request)
	usage := resp.Usage
	calls, loaded := 0, p.SkillsInlined
	if in.Request.Tools != nil {
		c, l := in.Request.Tools.Counts()
		calls, loaded = c, loaded+l
	}
	recordUsage(ctx, backend, usage)
	if in.Daily != nil && usage.Total() > 0 {
		if err := in.Daily.Add(context.WithoutCancel(ctx), in.Installation, now(), usage.Total()); err != nil {
			slog.WarnContext(ctx, "agent: could not count tokens in the daily budget", "err", err)
		}
	}
	if err != nil {
		reviewsTotal.WithLabelValues(backend, "unavailable").Inc()
		slog.WarnContext(ctx, "agent unavailable", "backend", backend, "err", err)
		return AugmentResult{Status: StatusUnavailable, Usage: usage, Err: err, Omitted: p.Omitted,
			SkillsOffered: p.SkillsOffered, SkillsLoaded: loaded, ToolCalls: calls,
			Note: "Agent: unavailable (" + shortError(err) + "); this is the built-in review alone."}, nil
	}
	reviewsTotal.WithLabelValues(backend, "ok").Inc()

	res := AugmentResult{Status: StatusOK, Usage: usage, Omitted: p.Omitted,
		SkillsOffered: p.SkillsOffered, SkillsLoaded: loaded, ToolCalls: calls}
	v := validate(d, resp, in.Limits)
	res.Dropped.OffDiff, res.Dropped.Rejected, res.Dropped.OverCap = len(v.offDiff), len(v.rejected), v.overCap
	for _, c := range v.comments {
		res.Comments = append(res.Comments, agentComment(in.Request.HeadFile, c))
	}
	for _, r := range v.rejected {
		patchesTotal.WithLabelValues("rejected").Inc()
		slog.InfoContext(ctx, "agent patch rejected", "description", r.desc, "reason", r.reason)
	}
	if len(v.patches) > 0 {
		if in.Check == nil || in.HeadDir == "" {
			res.Dropped.Rejected += len(v.patches)
			slog.WarnContext(ctx, "agent: no build check configured; dropping every patch", "patches", len(v.patches))
		} else if err := verifyAll(ctx, d, in, v.patches, &res); err != nil {
			return AugmentResult{}, err
		}
	}
	res.Summary = agentSummary(v)
	res.Note = note(backend, res)
	return res, nil
}

// verifyAll verifies patches and files each into res.
func verifyAll(ctx context.Context, d *review.Diff, in AugmentInput, patches []checkedPatch, res *AugmentResult) error {
	head, err := filepath.Abs(in.HeadDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(head); err != nil {
		return fmt.Errorf("agent: head checkout: %w", err)
	}
	ver, cleanup, err := newVerifier(ctx, head, in.Check, in.Baseline)
	if err != nil {
		return fmt.Errorf("agent: verify patches: %w", err)
	}
	defer cleanup()
	for _, p := range patches {
		outcome, detail, err := ver.verify(ctx, p.Patch)
		if err != nil {
			return fmt.Errorf("agent: verify patch %q: %w", p.Description, err)
		}
		switch outcome {
		case patchDoesNotApply:
			res.Dropped.DoesNotApply++
			patchesTotal.WithLabelValues("does_not_apply").Inc()
			slog.InfoContext(ctx, "agent patch does not apply", "description", p.Description, "detail", detail)
			continue
		case patchDoesNotCompile:
			res.Dropped.DoesNotCompile++
			patchesTotal.WithLabelValues("does_not_compile").Inc()
			slog.InfoContext(ctx, "agent patch adds an error", "description", p.Description, "error", detail)
			continue
		}
		res.Verified = append(res.Verified, p.Patch)
		sugs, ok := suggestionsFor(d, p.files)
		if !ok {
			patchesTotal.WithLabelValues("kept").Inc()
			res.Patches = append(res.Patches, p.Patch)
			continue
		}
		patchesTotal.WithLabelValues("suggestion").Inc()
		for _, s := range sugs {
			res.Comments = append(res.Comments, suggestionComment(in.Request.HeadFile, p.Description, s))
		}
	}
	return nil
}

// agentComment turns a validated comment into a review comment.
func agentComment(headFile func(string) ([]byte, bool), c Comment) review.Comment {
	fp := review.Fingerprint(c.Path, "agent", headLine(headFile, c.Path, c.Line)+"\x00"+c.Body, 1)
	return review.Comment{
		Path: c.Path, Line: c.Line, StartLine: c.StartLine, Side: review.SideRight,
		Source: review.SourceAgent, Rule: "agent", Severity: review.Severity(c.Severity),
		Body:        review.WithMarker("**Agent review** ("+review.EscapeText(c.Severity)+")\n\n"+review.EscapeMarkdown(c.Body), []string{fp}),
		Fingerprint: fp,
	}
}

// suggestionComment turns one verified fragment into a suggestion comment.
func suggestionComment(headFile func(string) ([]byte, bool), desc string, s review.Suggestion) review.Comment {
	fp := review.Fingerprint(s.Path, "agent", headLine(headFile, s.Path, s.StartLine)+"\x00"+s.Text, 1)
	text := s.Text
	body := review.WithMarker(fmt.Sprintf("**Agent suggestion** (applies cleanly and compiles)\n\n%s\n\n%s", review.EscapeMarkdown(desc), s.Block()), []string{fp})
	return review.Comment{
		Path: s.Path, Line: s.EndLine, StartLine: s.StartLine, Side: review.SideRight,
		Source: review.SourceAgent, Rule: "agent", Severity: review.SeverityNote,
		Body: body, Suggestion: &text, Delete: s.Delete, Fingerprint: fp,
	}
}

// headLine returns line n of path in the head, or "".
func headLine(headFile func(string) ([]byte, bool), path string, n int) string {
	if headFile == nil {
		return ""
	}
	b, ok := headFile(path)
	if !ok {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// agentSummary renders the agent's summary and its off-diff comments.
func agentSummary(v validated) string {
	var b strings.Builder
	if v.summary != "" {
		b.WriteString(v.summary)
		b.WriteString("\n")
	}
	if len(v.offDiff) > 0 {
		b.WriteString("\nOn lines outside the diff:\n")
		for _, c := range v.offDiff {
			first, _, _ := strings.Cut(c.Body, "\n")
			fmt.Fprintf(&b, "- `%s:%d` (%s): %s\n", strings.ReplaceAll(c.Path, "`", ""), c.Line, c.Severity, first)
		}
	}
	return b.String()
}

// note renders the one-line account of an agent review.
func note(backend string, r AugmentResult) string {
	s := fmt.Sprintf("Agent (%s): %d tokens in", backend, r.Usage.InputTokens)
	if r.Usage.CacheReadTokens > 0 {
		s += fmt.Sprintf(" (%d from the prompt cache)", r.Usage.CacheReadTokens)
	}
	s += fmt.Sprintf(", %d out", r.Usage.OutputTokens)
	if r.Usage.CostKnown {
		s += fmt.Sprintf(", $%.4f", r.Usage.CostUSD)
	}
	var dropped []string
	add := func(n int, what string) {
		if n > 0 {
			dropped = append(dropped, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(r.Dropped.DoesNotApply, "patches that did not apply")
	add(r.Dropped.DoesNotCompile, "patches that did not compile")
	add(r.Dropped.Rejected, "patches refused (paths, size or format)")
	add(r.Dropped.OverCap, "items over the caps")
	add(r.Dropped.OffDiff, "comments outside the diff (in the summary)")
	if len(dropped) > 0 {
		s += "; dropped " + strings.Join(dropped, ", ")
	}
	if len(r.Patches) > 0 {
		s += fmt.Sprintf("; %d verified patches kept for `/symposium fix`", len(r.Patches))
	}
	if len(r.Omitted) > 0 {
		s += fmt.Sprintf("; %d parts of the diff's context left out for the token budget", len(r.Omitted))
	}
	return s + "."
}

// allHunksOmitted reports whether the budget left no hunk in the prompt.
func allHunksOmitted(p Prompt) bool {
	return !strings.Contains(p.User, "## "+hunksSection+"\n")
}

func budgetOf(req Request) int {
	if req.TokenBudget > 0 {
		return req.TokenBudget
	}
	return DefaultTokenBudget
}

// shortError returns the first line of err, capped, for notes.
func shortError(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
