package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/skills"
)

// runSkills lists the skills that apply to a local repository at a revision
// and why each applies.
func runSkills(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skills", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the git repository")
	rev := fs.String("rev", "HEAD", "the revision whose dependencies, .agents/skills and instructions are read")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	local := addLocalFlags(fs, "where target and source directories persist between runs", "cargo metadata")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: symposium skills [--repo DIR] [--rev REV] [--json] [--sandbox bwrap|none]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Lists the agent skills that apply to the repository at REV, and why each applies:")
		fmt.Fprintln(stderr, "skills shipped by its direct dependencies at their locked versions, its .agents/skills,")
		fmt.Fprintln(stderr, "and the operator's directories ("+skills.EnvDirs+", colon-separated).")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := usageErrorf(fs, stderr)
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	co, unlock, err := localCheckout(ctx, local, *repo, *rev, usageErr)
	if err != nil {
		return err
	}
	defer unlock()
	_, set, err := skills.Load(ctx, co)
	if err != nil {
		return err
	}
	if *asJSON {
		if set.Skills == nil {
			set.Skills = []skills.Skill{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(set)
	}
	if len(set.Skills) == 0 {
		fmt.Fprintln(stdout, "No skills apply.")
	}
	for _, s := range set.Skills {
		title := s.Name
		if s.Description != "" {
			title += " — " + s.Description
		}
		fmt.Fprintf(stdout, "%s\n  %s\n  applies: %s\n", title, s.Path, s.Why)
	}
	for _, n := range set.Skipped {
		fmt.Fprintf(stdout, "not offered: %s: %s\n", n.Path, n.Why)
	}
	return nil
}

// localCheckout exports rev of repo into the cached source directory,
// fetches its dependencies (unless --fetch=false) and returns the checkout
// skills are read from; the caller calls unlock when done.
func localCheckout(ctx context.Context, local *localFlags, repo, rev string, usageErr func(string, ...any) error) (skills.Checkout, func(), error) {
	runner, err := local.runner()
	if err != nil {
		return skills.Checkout{}, nil, usageErr("%v", err)
	}
	repoDir, dirs, unlock, err := local.lockRepo(repo)
	if err != nil {
		return skills.Checkout{}, nil, err
	}
	sha, err := gitrepo.RevParse(ctx, repoDir, rev)
	if err != nil {
		unlock()
		return skills.Checkout{}, nil, fmt.Errorf("--rev: %w", err)
	}
	if err := gitrepo.ExportTree(ctx, repoDir, sha, dirs.source); err != nil {
		unlock()
		return skills.Checkout{}, nil, err
	}
	opts := cargo.Options{Runner: runner, TargetDir: dirs.target}
	if local.fetch {
		if err := cargo.Fetch(ctx, dirs.source, opts); err != nil {
			unlock()
			return skills.Checkout{}, nil, err
		}
	}
	return skills.Checkout{
		Dir: dirs.source, RepoDir: repoDir, Base: sha, Cargo: opts,
		OperatorDirs: skills.DirsFromEnv(os.Getenv),
	}, unlock, nil
}
