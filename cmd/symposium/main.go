// Command symposium is the Symposium GitHub App: the webhook receiver, the
// workers that review and fix Rust pull requests, and local tools.
//
// Run `symposium help` for the subcommands and `symposium CMD --help` for
// the settings of each.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and returns errUsage (after printing why) for bad arguments.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every subcommand in the order `symposium help` shows them.
var commands = []command{
	{"serve", "run the webhook receiver and a worker in one process", runServe},
	{"webhook", "run the webhook receiver only", runWebhook},
	{"worker", "run a worker only", runWorker},
	{"review", "review a local Rust repository between two revisions", runReview},
	{"fix", "fix what the review finds in a local repository", runFix},
	{"skills", "list the agent skills that apply to a local repository", runSkills},
	{"mcp", "serve the agent's Rust tools over MCP (stdio) for a local repository", runMCP},
	{"demo", "run the whole bot against a fake GitHub and print what it posts", runDemo},
	{"app", "GitHub App helpers (`app manifest --url URL`)", runApp},
	{"redeliver", "ask GitHub to redeliver failed webhook deliveries", runRedeliver},
	{"version", "print the version", runVersion},
}

// errUsage reports bad command-line arguments; the message was printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "symposium %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "symposium: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Symposium reviews and fixes Rust pull requests.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: symposium <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `symposium <command> --help` for the settings of a command.")
}
