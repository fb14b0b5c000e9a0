package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/analysis"
	"github.com/symposium-dev/symposium/internal/fix"
)

// runFix runs the fix pipeline on a local checkout: the verified fixes are
// left in the work tree, or committed with --commit.
func runFix(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the git work tree to fix, checked out at the head")
	base := fs.String("base", "", "the base revision (required): files changed since the merge base are fixed")
	commit := fs.Bool("commit", false, "commit the fixes (with your git identity) instead of leaving them in the work tree")
	local := addLocalFlags(fs, "where cargo's target directory persists between runs", "fixes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: symposium fix --base REV [--repo DIR] [--commit] [--sandbox bwrap|none] [--agent none|anthropic|openai|acp]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Applies the agent's verified patches (with --agent), clippy's machine-applicable fixes and")
		fmt.Fprintln(stderr, "rustfmt to the Rust files changed since BASE (computed by Symposium, checked on a copy),")
		fmt.Fprintln(stderr, "keeps them only if cargo clippy shows no new error or warning (and cargo test passes when")
		fmt.Fprintln(stderr, ".github/symposium.toml asks for tests), and prints what it changed.")
		fmt.Fprintln(stderr, "Exits 0 when it ran (with or without fixes), non-zero when it could not.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := usageErrorf(fs, stderr)
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected arguments %q", fs.Args())
	case *base == "":
		return usageErr("--base is required")
	}
	env, err := local.setup(*repo, usageErr)
	if err != nil {
		return err
	}
	defer env.unlock()
	runner, ag, agentCfg, repoDir, dirs := env.runner, env.agent, env.agentCfg, env.repoDir, env.dirs

	req := fix.Request{Dir: repoDir, Base: *base, Runner: runner, TargetDir: dirs.target, SourceDir: dirs.source, Fetch: local.fetch}
	if _, none := ag.(agent.None); !none {
		repoCfg, _, err := analysis.LoadConfig(ctx, repoDir, *base)
		if err != nil {
			return err
		}
		req.Patches = fix.AgentPatches{Agent: ag, Backend: agentCfg.Backend, Instructions: repoCfg.Agent.Instructions}
	}
	res, err := fix.Run(ctx, req)
	var ve *fix.VerifyError
	switch {
	case errors.As(err, &ve):
		fmt.Fprintf(stdout, "No fixes applied: %s.\n", ve.Reason)
		if ve.Detail != "" {
			fmt.Fprintf(stdout, "\n%s\n", strings.TrimRight(ve.Detail, "\n"))
		}
		printNotes(stdout, res.Notes)
		return nil
	case errors.Is(err, fix.ErrDisabled):
		fmt.Fprintln(stdout, "Fixes are turned off in .github/symposium.toml ([fix] enabled = false): nothing changed.")
		return nil
	case err != nil:
		return err
	}
	if res.Empty() {
		fmt.Fprintln(stdout, "Nothing to fix.")
		printNotes(stdout, res.Notes)
		return nil
	}
	// The same count as the commit message's "Apply N Symposium fixes".
	fmt.Fprintf(stdout, "Applied %s to %s:\n", plural(res.Count(), "Symposium fix", "Symposium fixes"), strings.Join(res.Changed, ", "))
	for _, f := range res.Fixes {
		fmt.Fprintf(stdout, "  - %s\n", f)
	}
	printNotes(stdout, res.Notes)
	if *commit {
		sha, err := fix.Commit(ctx, repoDir, res, fix.Author{})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Committed %s.\n", sha)
		return nil
	}
	fmt.Fprintln(stdout, "The changes are in the work tree (see `git diff`); rerun with --commit to commit them.")
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "Note: %s\n", n)
	}
}
