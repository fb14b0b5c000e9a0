package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	acp "github.com/coder/acp-go-sdk"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// maxTerminalOutput caps what a cargo terminal keeps.
const maxTerminalOutput = 256 << 10

// acpClient answers the agent's requests: files inside the scratch checkout
// only, writes collected as patches, permissions by policy, and terminals
// that run cargo subcommands in the sandbox, nothing else.
type acpClient struct {
	root   string // the scratch checkout, the agent's cwd
	runner sandbox.Runner

	mu        sync.Mutex
	text      strings.Builder
	cost      float64
	costKnown bool
	written   map[string]bool // slash paths relative to root
	terms     map[string]*terminal
	nextTerm  int
	// Denied records refused requests, for logs and tests.
	denied []string
}

var _ acp.Client = (*acpClient)(nil)

func newACPClient(root string, runner sandbox.Runner) *acpClient {
	return &acpClient{root: root, runner: runner, written: map[string]bool{}, terms: map[string]*terminal{}}
}

func (c *acpClient) startTurn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text.Reset()
}

func (c *acpClient) turnText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text.String()
}

func (c *acpClient) costUSD() (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cost, c.costKnown
}

func (c *acpClient) deny(ctx context.Context, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	c.denied = append(c.denied, msg)
	c.mu.Unlock()
	slog.InfoContext(ctx, "agent acp: request denied", "why", msg)
	return errors.New(msg)
}

// resolve returns the relative slash path of an absolute path inside the
// checkout, following symlinks, or an error for anything outside it.
func (c *acpClient) resolve(path string) (string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.root, path)
	}
	real := filepath.Clean(path)
	if r, err := filepath.EvalSymlinks(real); err == nil {
		real = r
	} else if r, err := filepath.EvalSymlinks(filepath.Dir(real)); err == nil {
		real = filepath.Join(r, filepath.Base(real))
	}
	root, err := filepath.EvalSymlinks(c.root)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is outside the checkout", path)
	}
	if rel == ".git" || strings.HasPrefix(rel, ".git/") {
		return "", fmt.Errorf("%s is inside .git", path)
	}
	return filepath.ToSlash(rel), nil
}

// ReadTextFile reads a file of the scratch checkout.
func (c *acpClient) ReadTextFile(ctx context.Context, p acp.ReadTextFileRequest) (acp.ReadTextFileResponse, error) {
	rel, err := c.resolve(p.Path)
	if err != nil {
		return acp.ReadTextFileResponse{}, c.deny(ctx, "read %s: %v", p.Path, err)
	}
	b, err := safefs.ReadFile(c.root, rel)
	if err != nil {
		return acp.ReadTextFileResponse{}, fmt.Errorf("read %w", err)
	}
	content := string(b)
	if p.Line != nil || p.Limit != nil {
		lines := strings.SplitAfter(content, "\n")
		start := 0
		if p.Line != nil && *p.Line > 0 {
			start = min(*p.Line-1, len(lines))
		}
		end := len(lines)
		if p.Limit != nil && *p.Limit > 0 {
			end = min(start+*p.Limit, end)
		}
		content = strings.Join(lines[start:end], "")
	}
	return acp.ReadTextFileResponse{Content: content}, nil
}

// WriteTextFile writes into the scratch checkout (never our tree) and
// remembers the file, so that the edit becomes a patch.
func (c *acpClient) WriteTextFile(ctx context.Context, p acp.WriteTextFileRequest) (acp.WriteTextFileResponse, error) {
	rel, err := c.resolve(p.Path)
	if err != nil {
		return acp.WriteTextFileResponse{}, c.deny(ctx, "write %s: %v", p.Path, err)
	}
	if err := safefs.WriteFile(c.root, rel, []byte(p.Content), 0o644); err != nil {
		return acp.WriteTextFileResponse{}, fmt.Errorf("write %w", err)
	}
	c.mu.Lock()
	c.written[rel] = true
	c.mu.Unlock()
	return acp.WriteTextFileResponse{}, nil
}

// RequestPermission answers by policy: reads and edits inside the checkout,
// cargo commands; everything else is rejected.
func (c *acpClient) RequestPermission(ctx context.Context, p acp.RequestPermissionRequest) (acp.RequestPermissionResponse, error) {
	allow, why := c.permitted(p.ToolCall)
	want := []acp.PermissionOptionKind{acp.PermissionOptionKindRejectOnce, acp.PermissionOptionKindRejectAlways}
	if allow {
		want = []acp.PermissionOptionKind{acp.PermissionOptionKindAllowOnce, acp.PermissionOptionKindAllowAlways}
	} else {
		_ = c.deny(ctx, "permission %s", why)
	}
	for _, kind := range want {
		for _, o := range p.Options {
			if o.Kind == kind {
				return acp.RequestPermissionResponse{Outcome: acp.RequestPermissionOutcome{Selected: &acp.RequestPermissionOutcomeSelected{OptionId: o.OptionId, Outcome: "selected"}}}, nil
			}
		}
	}
	return acp.RequestPermissionResponse{Outcome: acp.RequestPermissionOutcome{Cancelled: &acp.RequestPermissionOutcomeCancelled{Outcome: "cancelled"}}}, nil
}

// permitted applies the permission policy to a tool call.
func (c *acpClient) permitted(tc acp.ToolCallUpdate) (bool, string) {
	kind := acp.ToolKindOther
	if tc.Kind != nil {
		kind = *tc.Kind
	}
	title := ""
	if tc.Title != nil {
		title = *tc.Title
	}
	switch kind {
	case acp.ToolKindRead, acp.ToolKindSearch, acp.ToolKindEdit:
		if len(tc.Locations) == 0 && kind == acp.ToolKindEdit {
			return false, fmt.Sprintf("%s %q without a location", kind, title)
		}
		for _, l := range tc.Locations {
			rel, err := c.resolve(l.Path)
			if err != nil {
				return false, fmt.Sprintf("%s %q: %v", kind, title, err)
			}
			if kind == acp.ToolKindEdit && strings.HasPrefix(rel, ".github/") {
				return false, fmt.Sprintf("edit %s", rel)
			}
		}
		return true, ""
	case acp.ToolKindThink:
		return true, ""
	case acp.ToolKindExecute:
		if args, ok := cargoCommand(tc.RawInput); ok {
			return true, strings.Join(args, " ")
		}
		return false, fmt.Sprintf("execute %q: only cargo subcommands may run", title)
	default:
		return false, fmt.Sprintf("%s %q", kind, title)
	}
}

// cargoCommand extracts a plain `cargo SUBCOMMAND ...` command line from a
// tool call's raw input ({"command": "..."}); anything with shell syntax is refused.
func cargoCommand(raw any) ([]string, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, false
	}
	cmd, _ := m["command"].(string)
	if strings.ContainsAny(cmd, ";|&$`<>(){}\\\n'\"*?") {
		return nil, false
	}
	return cargoArgs(strings.Fields(cmd))
}

// cargoArgs accepts `cargo SUBCOMMAND ...` with a known, build-only subcommand.
func cargoArgs(args []string) ([]string, bool) {
	if len(args) < 2 || args[0] != "cargo" {
		return nil, false
	}
	switch args[1] {
	case "check", "build", "clippy", "test", "fmt", "doc", "tree", "metadata", "--version", "version":
		return args, true
	}
	return nil, false
}

// SessionUpdate collects the agent's message text and its cost.
func (c *acpClient) SessionUpdate(ctx context.Context, n acp.SessionNotification) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := n.Update
	switch {
	case u.AgentMessageChunk != nil && u.AgentMessageChunk.Content.Text != nil:
		if c.text.Len() < maxAnswerBytes {
			c.text.WriteString(u.AgentMessageChunk.Content.Text.Text)
		}
	case u.UsageUpdate != nil && u.UsageUpdate.Cost != nil && strings.EqualFold(u.UsageUpdate.Cost.Currency, "USD"):
		c.cost, c.costKnown = u.UsageUpdate.Cost.Amount, true
	}
	return nil
}

// terminal is one cargo command run for the agent.
type terminal struct {
	done   chan struct{}
	cancel context.CancelFunc
	output string
	code   int
}

// CreateTerminal runs a cargo subcommand in the sandbox (no network, the
// scratch checkout writable); any other command is refused.
func (c *acpClient) CreateTerminal(ctx context.Context, p acp.CreateTerminalRequest) (acp.CreateTerminalResponse, error) {
	args, ok := cargoArgs(append([]string{p.Command}, p.Args...))
	if !ok {
		if f := strings.Fields(p.Command); len(p.Args) == 0 && len(f) > 1 {
			args, ok = cargoArgs(f)
		}
	}
	if !ok {
		return acp.CreateTerminalResponse{}, c.deny(ctx, "terminal %q %q: only cargo subcommands may run", p.Command, p.Args)
	}
	tc, err := sandbox.RustToolchain()
	if err != nil {
		return acp.CreateTerminalResponse{}, fmt.Errorf("terminal: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t := &terminal{done: make(chan struct{}), cancel: cancel}
	c.mu.Lock()
	c.nextTerm++
	id := "term-" + strconv.Itoa(c.nextTerm)
	c.terms[id] = t
	c.mu.Unlock()
	cmd := sandbox.Command{
		Args:     args,
		Dir:      c.root,
		Env:      append(tc.Env, "CARGO_TARGET_DIR="+filepath.Join(c.root, "target"), "CARGO_NET_OFFLINE=true"),
		Writable: []string{c.root},
		ReadOnly: tc.ReadOnly,
	}
	go func() {
		defer close(t.done)
		res, err := c.runner.Run(runCtx, cmd)
		out := string(res.Stdout) + string(res.Stderr)
		if err != nil {
			out += "\n" + err.Error()
		}
		if len(out) > maxTerminalOutput {
			out = out[len(out)-maxTerminalOutput:]
		}
		t.output, t.code = out, res.ExitCode
	}()
	return acp.CreateTerminalResponse{TerminalId: id}, nil
}

func (c *acpClient) terminal(id string) (*terminal, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.terms[id]
	if !ok {
		return nil, fmt.Errorf("no terminal %q", id)
	}
	return t, nil
}

// TerminalOutput returns a terminal's output once it has exited.
func (c *acpClient) TerminalOutput(ctx context.Context, p acp.TerminalOutputRequest) (acp.TerminalOutputResponse, error) {
	t, err := c.terminal(p.TerminalId)
	if err != nil {
		return acp.TerminalOutputResponse{}, err
	}
	select {
	case <-t.done:
		code := t.code
		return acp.TerminalOutputResponse{Output: t.output, ExitStatus: &acp.TerminalExitStatus{ExitCode: &code}}, nil
	default:
		return acp.TerminalOutputResponse{}, nil
	}
}

// WaitForTerminalExit waits for a terminal's command.
func (c *acpClient) WaitForTerminalExit(ctx context.Context, p acp.WaitForTerminalExitRequest) (acp.WaitForTerminalExitResponse, error) {
	t, err := c.terminal(p.TerminalId)
	if err != nil {
		return acp.WaitForTerminalExitResponse{}, err
	}
	select {
	case <-t.done:
		code := t.code
		return acp.WaitForTerminalExitResponse{ExitCode: &code}, nil
	case <-ctx.Done():
		return acp.WaitForTerminalExitResponse{}, ctx.Err()
	}
}

// KillTerminal stops a terminal's command.
func (c *acpClient) KillTerminal(ctx context.Context, p acp.KillTerminalRequest) (acp.KillTerminalResponse, error) {
	t, err := c.terminal(p.TerminalId)
	if err != nil {
		return acp.KillTerminalResponse{}, err
	}
	t.cancel()
	return acp.KillTerminalResponse{}, nil
}

// ReleaseTerminal stops and forgets a terminal.
func (c *acpClient) ReleaseTerminal(ctx context.Context, p acp.ReleaseTerminalRequest) (acp.ReleaseTerminalResponse, error) {
	t, err := c.terminal(p.TerminalId)
	if err != nil {
		return acp.ReleaseTerminalResponse{}, err
	}
	t.cancel()
	c.mu.Lock()
	delete(c.terms, p.TerminalId)
	c.mu.Unlock()
	return acp.ReleaseTerminalResponse{}, nil
}

// patches turns the files the agent wrote into unified diffs against the
// original checkout orig, one patch per file.
func (c *acpClient) patches(ctx context.Context, orig string) ([]Patch, error) {
	c.mu.Lock()
	var files []string
	for rel := range c.written {
		files = append(files, rel)
	}
	c.mu.Unlock()
	sort.Strings(files)
	var out []Patch
	for _, rel := range files {
		d, err := fileDiff(ctx, rel, orig, c.root)
		if err != nil {
			return nil, err
		}
		if d != "" {
			out = append(out, Patch{Description: "Edit of " + rel + " made by the agent", Diff: d})
		}
	}
	return out, nil
}

// fileDiff returns the git-style unified diff of rel from the checkout a to
// the checkout b (missing in a: a new file), empty when they are equal or
// when rel in b is not a regular file. Both are read with package safefs: a
// link is never followed (in a, it counts as missing).
func fileDiff(ctx context.Context, rel, a, b string) (string, error) {
	tmp, err := os.MkdirTemp("", "symposium-diff-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for side, root := range map[string]string{"a": a, "b": b} {
		data, err := safefs.ReadFile(root, rel)
		if errors.Is(err, os.ErrNotExist) || safefs.Refused(err) {
			if side == "b" {
				return "", nil
			}
			continue
		} else if err != nil {
			return "", err
		}
		dst := filepath.Join(tmp, side, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
	}
	left, right := "a/"+rel, "b/"+rel
	if _, err := os.Stat(filepath.Join(tmp, "a", filepath.FromSlash(rel))); err != nil {
		left = "/dev/null"
	}
	cmd := exec.CommandContext(ctx, "git", "diff", "--no-index", "--no-prefix", "--no-color", "--no-ext-diff", "--", left, right)
	cmd.Dir = tmp
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if err != nil && !(errors.As(err, &exitErr) && exitErr.ExitCode() == 1) {
		return "", fmt.Errorf("git diff %s: %w", rel, err)
	}
	return string(out), nil
}
