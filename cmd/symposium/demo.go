package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/demo"
	"github.com/symposium-dev/symposium/internal/depthfixture"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// runDemo runs the whole bot against a fake GitHub in this process and
// prints what it posted on the bundled sample pull request, or on one built
// from a local repository.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, `print {"check_run": ..., "review": ..., "comments": [...], "threads": [...]} as sent to GitHub`)
	repo := fs.String("repo", "", "build the pull request from this local git repository instead of the bundled sample")
	base := fs.String("base", "", "with --repo: the base revision")
	var heads headList
	fs.Var(&heads, "head", "with --repo: the head revision; repeat it to push several heads in order, each reviewed")
	sandboxMode := fs.String("sandbox", sandbox.ModeBwrap, "how to run cargo: bwrap, or none for trusted code")
	timeout := fs.Duration("timeout", 10*time.Minute, "longest wait for the review")
	cacheDir := fs.String("cache-dir", os.Getenv("SYMPOSIUM_CACHE_DIR"), "keep cargo's target dir here between runs (env SYMPOSIUM_CACHE_DIR; default: a temporary dir)")
	depthSample := fs.Bool("depth-sample", false, "demonstrate the Rust depth checks: a pull request adding unsafe code, a newer API, an API break and a dependency with an advisory (sets "+config.EnvAdvisoryDB+" to a sample database unless set)")
	verbose := fs.Bool("verbose", false, "print the logs of every part (fake GitHub, receiver, worker) to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: symposium demo [--json] [--sandbox bwrap|none] [--repo DIR --base REV --head REV [--head REV]... | --depth-sample]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Runs a fake GitHub, the webhook receiver, an in-process queue and a worker, opens a")
		fmt.Fprintln(stderr, "pull request (the bundled sample, or BASE..HEAD of DIR), sends the signed webhook and")
		fmt.Fprintln(stderr, "prints what the bot posts. Needs only Go, Rust (cargo, clippy) and, for the default")
		fmt.Fprintln(stderr, "sandbox, bubblewrap.")
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
	case *repo == "" && (*base != "" || len(heads) > 0):
		return usageErr("--base and --head need --repo")
	case *repo != "" && (*base == "" || len(heads) == 0):
		return usageErr("--repo needs --base and --head")
	case *depthSample && *repo != "":
		return usageErr("--depth-sample and --repo exclude each other")
	case *sandboxMode != sandbox.ModeBwrap && *sandboxMode != sandbox.ModeNone:
		return usageErr("--sandbox must be bwrap or none, not %q", *sandboxMode)
	}
	if *depthSample {
		dir, err := os.MkdirTemp("", "symposium-depth-sample-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*repo, *base, heads = filepath.Join(dir, "repo"), "main", headList{"pr"}
		if err := depthfixture.Build(*repo); err != nil {
			return err
		}
		if os.Getenv(config.EnvAdvisoryDB) == "" {
			db := filepath.Join(dir, "advisory-db")
			if err := depthfixture.WriteAdvisoryDB(db); err != nil {
				return err
			}
			os.Setenv(config.EnvAdvisoryDB, db)
			defer os.Unsetenv(config.EnvAdvisoryDB)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	// The analysis logs to the default logger: keep it with the others.
	previous := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(previous)
	if !*asJSON {
		fmt.Fprintln(stderr, "symposium demo: starting a fake GitHub, the receiver, a queue and a worker; the first review compiles the crate…")
	}
	posted, err := demo.Run(ctx, demo.Options{
		RepoDir: *repo, Base: *base, Heads: heads, Sandbox: *sandboxMode,
		DataDir: *cacheDir, Timeout: *timeout, Logger: logger,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return posted.WriteJSON(stdout)
	}
	return posted.WriteText(stdout)
}

// headList collects a repeated --head flag.
type headList []string

func (h *headList) String() string { return strings.Join(*h, ",") }

func (h *headList) Set(v string) error {
	if v == "" {
		return errors.New("a head revision must not be empty")
	}
	*h = append(*h, v)
	return nil
}
