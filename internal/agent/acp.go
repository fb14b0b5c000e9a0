package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	acp "github.com/coder/acp-go-sdk"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// agentEnvAllowed are the variables an ACP agent sees when they are set:
// what it needs to reach its own provider, nothing of ours.
var agentEnvAllowed = []string{
	"ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
	"OPENAI_API_KEY", "OPENAI_BASE_URL",
	"GEMINI_API_KEY", "GOOGLE_API_KEY",
	"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "DISABLE_TELEMETRY", "IS_SANDBOX",
	"LANG", "LC_ALL", "TZ",
}

// secretEnv reports whether name is one of the secrets the service holds,
// which no agent may see whatever the configuration says.
func secretEnv(name string) bool {
	n := strings.ToUpper(name)
	return strings.HasPrefix(n, "GITHUB_") || strings.HasPrefix(n, "GH_") ||
		strings.HasPrefix(n, "SYMPOSIUM_") || strings.Contains(n, "WEBHOOK") ||
		strings.Contains(n, "PRIVATE_KEY") || strings.HasPrefix(n, "REDIS")
}

// agentHome is HOME for the agent: a directory on the sandbox's private
// tmpfs (bwrap makes /home a tmpfs), never the service's own home.
const agentHome = "/home/sandbox"

// ACP is the backend of SYMPOSIUM_AGENT=acp: any program speaking the Agent
// Client Protocol over stdio, started in the sandbox with the network, its
// own API key, and a scratch copy of the checkout as its working directory.
type ACP struct {
	args     []string
	bridge   []string
	passEnv  []string
	readOnly []string
	runner   sandbox.Runner
}

// NewACP returns the ACP backend for cfg.Command.
func NewACP(cfg Config) (*ACP, error) {
	args := strings.Fields(cfg.Command)
	if len(args) == 0 {
		return nil, errors.New("agent acp: SYMPOSIUM_AGENT_COMMAND is empty")
	}
	runner := cfg.Runner
	if runner == nil {
		r, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
		if err != nil {
			return nil, fmt.Errorf("agent acp: %w", err)
		}
		runner = r
	}
	a := &ACP{args: args, runner: runner, readOnly: append([]string(nil), cfg.ReadOnly...)}
	if filepath.IsAbs(args[0]) {
		a.readOnly = append(a.readOnly, filepath.Dir(args[0]))
	}
	a.bridge = cfg.MCPBridge
	if a.bridge == nil {
		a.bridge = DefaultMCPBridge()
	}
	if len(a.bridge) > 0 {
		if !filepath.IsAbs(a.bridge[0]) {
			return nil, fmt.Errorf("agent acp: the MCP bridge command %q is not an absolute path", a.bridge[0])
		}
		a.readOnly = append(a.readOnly, a.bridge[0]) // the executable alone, not its directory
	}
	for _, name := range append(append([]string(nil), agentEnvAllowed...), cfg.PassEnv...) {
		if secretEnv(name) {
			slog.Warn("agent acp: refusing to pass a secret to the agent", "name", name)
			continue
		}
		a.passEnv = append(a.passEnv, name)
	}
	return a, nil
}

// env is the agent's whole environment.
func (a *ACP) env() []string {
	// HOME is the sandbox's private tmpfs home: agents keep state there
	// (Claude Code's ~/.claude), and Node cannot even start without one.
	env := []string{"PATH=" + sandbox.DefaultPath, "HOME=" + agentHome}
	if p := os.Getenv("PATH"); p != "" {
		env[0] = "PATH=" + p
	}
	for _, name := range a.passEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// Review runs one ACP session: initialize, session/new, session/prompt, and
// one more prompt in the same session to repair a malformed answer.
func (a *ACP) Review(ctx context.Context, req Request) (Response, error) {
	if req.CheckoutDir == "" {
		return Response{}, errors.New("agent acp: the request has no checkout directory")
	}
	if len(a.bridge) == 0 {
		req.Tools = nil // no bridge: skill bodies are inlined
	}
	p, err := BuildPrompt(req)
	if err != nil {
		return Response{}, err
	}
	tmp, err := os.MkdirTemp("", "symposium-acp-")
	if err != nil {
		return Response{}, fmt.Errorf("agent acp: %w", err)
	}
	defer os.RemoveAll(tmp)
	work := filepath.Join(tmp, "work")
	if err := safefs.CopyTree(ctx, req.CheckoutDir, work); err != nil {
		return Response{}, fmt.Errorf("agent acp: scratch copy: %w", err)
	}
	ioDir := filepath.Join(tmp, "io")
	if err := os.Mkdir(ioDir, 0o700); err != nil {
		return Response{}, fmt.Errorf("agent acp: %w", err)
	}
	// The sandbox captures stdout whole; the protocol needs a stream, so the
	// agent's stdio goes through two FIFOs in a directory it may write.
	in, out, err := openFIFOs(ioDir)
	if err != nil {
		return Response{}, fmt.Errorf("agent acp: %w", err)
	}
	defer in.Close()
	defer out.Close()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := sandbox.Command{
		Args:        append([]string{"/bin/sh", "-c", `exec "$0" "$@" <` + shellQuote(filepath.Join(ioDir, "in")) + ` >` + shellQuote(filepath.Join(ioDir, "out"))}, a.args...),
		Dir:         work,
		Env:         a.env(),
		Writable:    []string{work, ioDir},
		ReadOnly:    a.readOnly,
		HostNetwork: true, // the model endpoint may be an operator-chosen internal or local address
	}
	if dl, ok := ctx.Deadline(); ok {
		cmd.Timeout = time.Until(dl)
	}
	exited := make(chan sandbox.Result, 1)
	go func() {
		res, err := a.runner.Run(runCtx, cmd)
		if err != nil {
			slog.WarnContext(ctx, "agent acp: agent process failed", "err", err)
		}
		if len(res.Stderr) > 0 {
			slog.DebugContext(ctx, "agent acp: agent stderr", "stderr", string(tail(res.Stderr, 2000)))
		}
		out.Close() // ends the connection: pending calls fail instead of hanging
		exited <- res
	}()
	defer func() {
		stop()
		in.Close()
		<-exited
	}()

	client := newACPClient(work, a.runner)
	conn := acp.NewClientSideConnection(client, in, out)
	if _, err := conn.Initialize(ctx, acp.InitializeRequest{
		ProtocolVersion: acp.ProtocolVersionNumber,
		ClientCapabilities: acp.ClientCapabilities{
			Fs:       acp.FileSystemCapabilities{ReadTextFile: true, WriteTextFile: true},
			Terminal: true,
		},
		ClientInfo: &acp.Implementation{Name: "symposium", Version: "1"},
	}); err != nil {
		return Response{}, fmt.Errorf("%w: acp initialize: %w", ErrUnavailable, err)
	}
	servers, err := a.serveTools(runCtx, req.Tools, ioDir)
	if err != nil {
		return Response{}, fmt.Errorf("agent acp: %w", err)
	}
	sess, err := conn.NewSession(ctx, acp.NewSessionRequest{Cwd: work, McpServers: servers})
	if err != nil {
		return Response{}, fmt.Errorf("%w: acp session/new: %w", ErrUnavailable, err)
	}
	if err := askBeforeActing(ctx, conn, sess); err != nil {
		return Response{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	text := p.System + "\n\n" + p.User + "\n## Answer format\nEnd your last message with the JSON answer matching this schema:\n" + SchemaCompact + "\n"
	var resp Response
	var usage Usage
	lastErr := errors.New("no answer")
	for round := 0; round < 2 && lastErr != nil; round++ {
		client.startTurn()
		pr, err := conn.Prompt(ctx, acp.PromptRequest{SessionId: sess.SessionId, Prompt: []acp.ContentBlock{acp.TextBlock(text)}})
		if pr.Usage != nil { // cumulative over the session's turns
			usage = acpUsage(pr.Usage, usage)
		}
		if cost, ok := client.costUSD(); ok {
			usage.CostUSD, usage.CostKnown = cost, true
		}
		if err != nil {
			if ctx.Err() == nil {
				_ = conn.Cancel(context.WithoutCancel(ctx), acp.CancelNotification{SessionId: sess.SessionId})
			}
			return Response{Usage: usage}, fmt.Errorf("%w: acp session/prompt: %w", ErrUnavailable, err)
		}
		if resp, lastErr = ExtractResponse(client.turnText()); lastErr != nil {
			text = repairText(lastErr)
		}
	}
	if lastErr != nil {
		return Response{Usage: usage}, fmt.Errorf("%w: answer still malformed after a repair round: %w", ErrUnavailable, lastErr)
	}
	if err := client.noteDirectEdits(req.CheckoutDir); err != nil {
		return Response{Usage: usage}, fmt.Errorf("agent acp: collect direct edits: %w", err)
	}
	edits, err := client.patches(ctx, req.CheckoutDir)
	if err != nil {
		return Response{Usage: usage}, fmt.Errorf("agent acp: collect edits: %w", err)
	}
	resp.Patches = append(resp.Patches, edits...)
	resp.Usage = usage
	return resp, nil
}

// openFIFOs makes the agent's stdin and stdout FIFOs in dir and opens them
// read-write, which never blocks; closing ours unblocks the other side.
func openFIFOs(dir string) (in, out *os.File, err error) {
	for _, name := range []string{"in", "out"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			return nil, nil, fmt.Errorf("mkfifo: %w", err)
		}
	}
	in, err = os.OpenFile(filepath.Join(dir, "in"), os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile(filepath.Join(dir, "out"), os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// acpUsage reads an agent's cumulative usage into u (whose cost it keeps).
// Agents differ on whether inputTokens counts the prompt cache's tokens
// (Claude's, like Anthropic's API, does not); totalTokens sums every kind,
// so the input sent is what it holds beyond output and reasoning, or
// inputTokens when that is more.
func acpUsage(r *acp.Usage, u Usage) Usage {
	deref := func(p *int) int64 {
		if p == nil {
			return 0
		}
		return int64(*p)
	}
	u.OutputTokens = int64(r.OutputTokens)
	u.CacheReadTokens, u.CacheWriteTokens = deref(r.CachedReadTokens), deref(r.CachedWriteTokens)
	u.InputTokens = max(int64(r.InputTokens), int64(r.TotalTokens)-u.OutputTokens-deref(r.ThoughtTokens))
	return u
}
