// Package cratetools holds the Rust tools an agent may call during a
// review, and serves them over MCP (github.com/modelcontextprotocol/go-sdk):
//
//   - crate_info {name}: locked version, enabled features, source directory
//     listing, applicable skills and docs.rs URL of a direct dependency or
//     workspace package;
//   - read_crate_file {crate, path}: a file of that crate's source (the
//     workspace package's for the workspace), confined to its directory,
//     regular files only, size-capped;
//   - search_crate {crate, pattern}: a regular-expression search in that
//     crate's source, bounded;
//   - skill {name}: the body of an applicable skill; others are refused;
//   - cargo_check {patch?}: applies an optional unified diff to a scratch
//     copy of the head and runs the review's check in the build sandbox,
//     returning compact diagnostics.
//
// The tools run in the reviewing process, outside any agent sandbox; the
// agent sees only their answers. Crate sources and the head are untrusted:
// files are read through an os.Root, never following a symlink out.
package cratetools

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/review"
)

// Checker runs the review's check on a directory (in the build sandbox).
type Checker func(ctx context.Context, dir string) ([]review.Diagnostic, error)

// Config is what the tools work on.
type Config struct {
	Workspace skills.Workspace
	Skills    skills.Set
	// HeadDir is the head checkout cargo metadata ran in; workspace files
	// and in-repository crates are read there. It is never written.
	HeadDir string
	// SourceRoots are the host directories dependency sources may live in
	// (cargo's registry/src and git/checkouts).
	SourceRoots []string
	// Check backs cargo_check; nil disables the tool.
	Check Checker
}

// Box is one review's set of tools.
type Box struct {
	cfg Config

	mu           sync.Mutex
	calls        int
	skillsLoaded int
	checkMu      sync.Mutex // one cargo_check at a time
}

var _ agent.Tools = (*Box)(nil)

// New returns the tools for cfg.
func New(cfg Config) *Box { return &Box{cfg: cfg} }

// object is a compact JSON schema of string arguments: tool definitions
// are sent with every request, so every word costs tokens (an empty
// required list is left out, as JSON schema allows).
func object(names []string, required ...string) map[string]any {
	props := map[string]any{}
	for _, n := range names {
		props[n] = map[string]any{"type": "string"}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	return schema
}

// Specs implements agent.Tools.
func (b *Box) Specs() []agent.ToolSpec {
	specs := []agent.ToolSpec{
		{Name: "crate_info", Description: "A crate's version, features, files, skills.", InputSchema: object([]string{"name"}, "name")},
		{Name: "read_crate_file", Description: "Read a file of a dependency or workspace crate.", InputSchema: object([]string{"crate", "path"}, "crate", "path")},
		{Name: "search_crate", Description: "Regex search in a crate's files.", InputSchema: object([]string{"crate", "pattern"}, "crate", "pattern")},
		{Name: "skill", Description: "Read a skill.", InputSchema: object([]string{"name"}, "name")},
	}
	if b.cfg.Check != nil {
		specs = append(specs, agent.ToolSpec{Name: "cargo_check", Description: "Check the head with an optional unified diff applied.",
			InputSchema: object([]string{"patch"})})
	}
	return specs
}

// Counts implements agent.Tools.
func (b *Box) Counts() (int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls, b.skillsLoaded
}

// Call implements agent.Tools.
func (b *Box) Call(ctx context.Context, name string, args json.RawMessage) (string, bool) {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	var in struct {
		Name    string `json:"name"`
		Crate   string `json:"crate"`
		Path    string `json:"path"`
		Pattern string `json:"pattern"`
		Patch   string `json:"patch"`
	}
	if len(args) > 0 {
		if err := json.Unmarshal(args, &in); err != nil {
			return "bad arguments: " + err.Error(), true
		}
	}
	var text string
	var err error
	switch name {
	case "crate_info":
		text, err = b.crateInfo(in.Name)
	case "read_crate_file":
		text, err = b.readCrateFile(in.Crate, in.Path)
	case "search_crate":
		text, err = b.searchCrate(ctx, in.Crate, in.Pattern)
	case "skill":
		text, err = b.skill(in.Name)
	case "cargo_check":
		if b.cfg.Check == nil {
			return "cargo_check is not available", true
		}
		text, err = b.cargoCheck(ctx, in.Patch)
	default:
		return fmt.Sprintf("unknown tool %q", name), true
	}
	if err != nil {
		return err.Error(), true
	}
	return text, false
}

// skill returns the body of an applicable skill.
func (b *Box) skill(name string) (string, error) {
	s, ok := b.cfg.Skills.Get(name)
	if !ok {
		return "", fmt.Errorf("skill %q does not apply to this workspace (or does not exist)", name)
	}
	b.mu.Lock()
	b.skillsLoaded++
	b.mu.Unlock()
	return "# " + s.Name + "\n" + s.Description + "\n\n" + s.Body, nil
}

// Server returns an MCP server offering the tools.
func (b *Box) Server() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "symposium", Version: "1"}, nil)
	for _, spec := range b.Specs() {
		name := spec.Name
		s.AddTool(&mcp.Tool{Name: name, Description: spec.Description, InputSchema: spec.InputSchema},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				text, isErr := b.Call(ctx, name, req.Params.Arguments)
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: isErr}, nil
			})
	}
	return s
}

// ServeMCP implements agent.Tools: one MCP session on conn.
func (b *Box) ServeMCP(ctx context.Context, conn io.ReadWriteCloser) error {
	return b.Server().Run(ctx, &mcp.IOTransport{Reader: conn, Writer: conn})
}
