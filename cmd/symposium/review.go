package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/symposium-dev/symposium/internal/analysis"
	"github.com/symposium-dev/symposium/review"
)

// runReview reviews a local repository between two revisions and prints
// the review as markdown or as the JSON contract.
func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the git repository to review")
	base := fs.String("base", "", "the base revision (required)")
	head := fs.String("head", "HEAD", "the head revision")
	format := fs.String("format", "markdown", "output format: markdown or json")
	filter := fs.String("filter", "", "which findings become comments: added, diff_context, file or all (default: the repository's setting, else added)")
	local := addLocalFlags(fs, "where target and source directories persist between runs", "analysis")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: symposium review --base REV [--repo DIR] [--head REV] [--format markdown|json] [--filter added|diff_context|file|all] [--sandbox bwrap|none] [--agent none|anthropic|openai|acp]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Reviews the changes a pull request from BASE to HEAD would make (diffed from their merge base).")
		fmt.Fprintln(stderr, "Exits 0 when the review ran, with or without findings.")
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
	case *format != "markdown" && *format != "json":
		return usageErr("--format must be markdown or json, not %q", *format)
	}
	f, err := review.ParseFilter(*filter)
	if err != nil && *filter != "" {
		return usageErr("--filter: %v", err)
	}
	if *filter == "" {
		f = ""
	}
	// The sandbox probes the host while the analysis resolves the
	// revisions and exports the head; its error comes first, as before.
	env, err := local.setupAsync(*repo, usageErr)
	if err != nil {
		return err
	}
	defer env.unlock()
	runner, ag, agentCfg, repoDir, dirs := env.runner, env.agent, env.agentCfg, env.repoDir, env.dirs

	res, err := analysis.Run(ctx, analysis.Request{
		RepoDir: repoDir, Base: *base, Head: *head,
		Runner: runner, TargetDir: dirs.target, CargoHome: dirs.home, SourceDir: dirs.source,
		Filter: f, Fetch: local.fetch,
	})
	if serr := env.sandboxErr(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if _, err := analysis.Augment(ctx, &res, analysis.AgentStep{
		Agent: ag, Backend: agentCfg.Backend, TokenBudget: agentCfg.TokenBudget, SkillDirs: agentCfg.SkillDirs,
		RepoDir: repoDir, Base: *base, Head: *head, SourceDir: dirs.source,
		Runner: runner, TargetDir: dirs.target, CargoHome: dirs.home,
	}); err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	_, err = io.WriteString(stdout, Markdown(res))
	return err
}

// Markdown renders a review for a terminal or a CI log: the summary, then
// every comment under its location.
func Markdown(res review.Result) string {
	var b strings.Builder
	b.WriteString(res.Summary)
	for _, c := range res.Comments {
		loc := fmt.Sprintf("%s:%d", c.Path, c.Line)
		if c.StartLine != c.Line {
			loc = fmt.Sprintf("%s:%d-%d", c.Path, c.StartLine, c.Line)
		}
		fmt.Fprintf(&b, "\n---\n\n### `%s`\n\n%s", loc, c.Body)
	}
	return b.String()
}
