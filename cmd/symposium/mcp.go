package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/cratetools"
	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/review"
)

// runMCP serves the agent's Rust tools for a local repository over MCP on
// stdin and stdout.
func runMCP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serveMCP(ctx, args, os.Stdin, nopWriteCloser{stdout}, stderr)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// serveMCP is runMCP with its streams given.
func serveMCP(ctx context.Context, args []string, in io.ReadCloser, out io.WriteCloser, stderr io.Writer) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the git repository")
	rev := fs.String("rev", "HEAD", "the revision the tools look at (its dependencies, skills and sources)")
	connect := fs.String("connect", "", "bridge stdio to the tools served on this unix socket (what an ACP agent runs) instead of serving them")
	local := addLocalFlags(fs, "where target and source directories persist between runs", "tools")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: symposium mcp [--repo DIR] [--rev REV] [--sandbox bwrap|none] | symposium mcp --connect SOCKET")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Serves an MCP server over stdio with the tools the review agent gets: crate_info,")
		fmt.Fprintln(stderr, "read_crate_file, search_crate, skill and cargo_check, for the repository at REV.")
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
	if *connect != "" {
		return agent.ServeBridge(ctx, *connect, in, out)
	}
	co, unlock, err := localCheckout(ctx, local, *repo, *rev, usageErr)
	if err != nil {
		return err
	}
	defer unlock()
	box, err := toolsFor(ctx, co)
	if err != nil {
		return err
	}
	return box.Server().Run(ctx, &mcp.IOTransport{Reader: in, Writer: out})
}

// toolsFor loads co's workspace and skills and returns its tools, with
// cargo_check running clippy in co's sandbox.
func toolsFor(ctx context.Context, co skills.Checkout) (*cratetools.Box, error) {
	ws, set, err := skills.Load(ctx, co)
	if err != nil {
		return nil, err
	}
	opts := co.Cargo
	return cratetools.New(cratetools.Config{
		Workspace: ws, Skills: set, HeadDir: co.Dir, SourceRoots: co.SourceRoots(),
		Check: func(ctx context.Context, dir string) ([]review.Diagnostic, error) {
			return cargo.Clippy(ctx, dir, opts)
		},
	}), nil
}
