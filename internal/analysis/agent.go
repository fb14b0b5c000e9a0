package analysis

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/cratetools"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/review"
)

// AgentStep says how to run the agent on top of a built-in review. The
// command line and the worker both go through it, so an agent's output is
// checked the same way whichever posts it.
type AgentStep struct {
	Agent   agent.Agent
	Backend string
	// TokenBudget caps the prompt; 0 means the agent package's default.
	TokenBudget int
	// Title and Body are the pull request's (untrusted; empty locally).
	Title, Body string
	// RepoDir, Base and Head are the revisions the review ran on.
	RepoDir, Base, Head string
	// SourceDir holds the head's tree as the review left it; patches are
	// verified in copies of it.
	SourceDir string
	// Runner and TargetDir are the review's sandbox and cargo target dir.
	Runner    sandbox.Runner
	TargetDir string
	// CargoHome is the review's cargo home (see Request.CargoHome).
	CargoHome string
	// SkillDirs are the operator's skill directories (SYMPOSIUM_SKILLS).
	SkillDirs []string
	// Installation, Daily and DailyLimit enforce the per-installation
	// daily token budget (zero values: none).
	Installation int64
	Daily        agent.DailyBudget
	DailyLimit   int64
}

// Augment asks the agent for comments and patches on res, verifies them,
// and merges what passes into res: its comments, a summary paragraph and
// the token figures. An agent that fails or is over budget leaves res with
// a note saying so; the error is for a review that cannot be augmented at
// all (the diff or the configuration cannot be read).
func Augment(ctx context.Context, res *review.Result, step AgentStep) (agent.AugmentResult, error) {
	if step.Agent == nil {
		return agent.AugmentResult{Status: agent.StatusNone}, nil
	}
	if _, none := step.Agent.(agent.None); none {
		return agent.AugmentResult{Status: agent.StatusNone}, nil
	}
	_, rawDiff, err := gitrepo.PullRequestDiff(ctx, step.RepoDir, res.BaseSHA, res.HeadSHA)
	if err != nil {
		return agent.AugmentResult{}, fmt.Errorf("agent step: %w", err)
	}
	// The build that just ran may have written into the tree: lay the
	// head's bytes down again before anything is read or patched there.
	if err := gitrepo.ExportTree(ctx, step.RepoDir, res.HeadSHA, step.SourceDir); err != nil {
		return agent.AugmentResult{}, fmt.Errorf("agent step: %w", err)
	}
	cfg, _, err := LoadConfig(ctx, step.RepoDir, res.BaseSHA)
	if err != nil {
		return agent.AugmentResult{}, fmt.Errorf("agent step: %w", err)
	}
	copts := cargo.Options{Runner: step.Runner, TargetDir: step.TargetDir, CargoHome: step.CargoHome, LintArgs: cfg.LintArgs(), ExtraArgs: cfg.Clippy.ExtraArgs}
	check := func(ctx context.Context, dir string) ([]review.Diagnostic, error) {
		return cargo.Clippy(ctx, dir, copts)
	}
	instructions, err := repositoryInstructions(ctx, cfg.Agent.Instructions, step.RepoDir, res.BaseSHA)
	if err != nil {
		return agent.AugmentResult{}, fmt.Errorf("agent step: %w", err)
	}
	skillList, tools := agentTools(ctx, step, res.BaseSHA, copts, check)
	diags := agent.FindingsAsDiagnostics(res.Findings)
	aug, err := agent.Augment(ctx, step.Agent, agent.AugmentInput{
		Backend: step.Backend,
		Request: agent.Request{
			Title: step.Title, Body: step.Body, Diff: string(rawDiff), Findings: diags,
			Instructions: instructions, HeadFile: headFileIn(step.SourceDir),
			TokenBudget: step.TokenBudget, CheckoutDir: step.SourceDir,
			Unsafe: unsafeForPrompt(ctx, cfg, rawDiff, step.SourceDir),
			Skills: skillList, Tools: tools,
		},
		HeadDir:      step.SourceDir,
		Baseline:     diags,
		Check:        check,
		Installation: step.Installation,
		Daily:        step.Daily,
		DailyLimit:   step.DailyLimit,
	})
	if err != nil {
		return aug, fmt.Errorf("agent step: %w", err)
	}
	if diff, err := review.ParseDiff(rawDiff); err == nil {
		// The agent's notes sit on what the pull request changed.
		for i := range aug.Comments {
			review.Anchor(&aug.Comments[i], diff, res.Filter())
		}
	}
	mergeAgent(res, aug)
	return aug, nil
}

// mergeAgent adds the agent's comments (those not already posted by the
// built-in review), summary, note and figures to res.
func mergeAgent(res *review.Result, aug agent.AugmentResult) {
	seen := make(map[string]bool, len(res.Comments))
	for _, c := range res.Comments {
		seen[c.Fingerprint] = true
	}
	for _, c := range aug.Comments {
		if !seen[c.Fingerprint] {
			seen[c.Fingerprint] = true
			res.Comments = append(res.Comments, c)
		}
	}
	res.SetAgentReview(review.AgentReview{Summary: aug.Summary, Note: aug.Note})
	res.Stats.Comments = len(res.Comments)
	res.Stats.AgentSkillsOffered += aug.SkillsOffered
	res.Stats.AgentSkillsLoaded += aug.SkillsLoaded
	res.Stats.AgentToolCalls += aug.ToolCalls
	res.Stats.AgentTokensIn += aug.Usage.InputTokens
	res.Stats.AgentTokensOut += aug.Usage.OutputTokens
	if aug.Usage.CostKnown {
		res.Stats.AgentCostUSD += aug.Usage.CostUSD
	}
}

// headFileIn reads head files from the exported tree with package safefs:
// no symbolic link followed, regular files only, size-capped.
func headFileIn(dir string) func(string) ([]byte, bool) {
	return func(p string) ([]byte, bool) {
		b, err := safefs.ReadFile(dir, p)
		return b, err == nil
	}
}

// repositoryInstructions joins the configuration's [agent] instructions and
// the maintainers' instruction files (AGENTS.md, CLAUDE.md,
// .github/copilot-instructions.md) at the base revision.
func repositoryInstructions(ctx context.Context, configured, repoDir, base string) (string, error) {
	files, err := skills.RepositoryInstructions(ctx, repoDir, base)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.TrimSpace(configured) + "\n" + files), nil
}

// agentTools discovers the skills that apply to the head's workspace and
// builds the agent's Rust tools. A workspace cargo cannot read leaves the
// agent without skills and tools, not the review without an agent.
func agentTools(ctx context.Context, step AgentStep, base string, copts cargo.Options, check cratetools.Checker) ([]agent.Skill, agent.Tools) {
	co := skills.Checkout{Dir: step.SourceDir, RepoDir: step.RepoDir, Base: base, Cargo: copts, OperatorDirs: step.SkillDirs}
	ws, set, err := skills.Load(ctx, co)
	if err != nil {
		slog.WarnContext(ctx, "agent step: no skills or tools for this review", "err", err)
		return nil, nil
	}
	var list []agent.Skill
	for _, s := range set.Skills {
		list = append(list, agent.Skill{Name: s.Name, Description: s.Description, Crates: s.Crates, Body: s.Body})
	}
	return list, cratetools.New(cratetools.Config{Workspace: ws, Skills: set, HeadDir: step.SourceDir, SourceRoots: co.SourceRoots(), Check: check})
}
