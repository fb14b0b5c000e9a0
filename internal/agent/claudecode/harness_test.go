package claudecode

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	acp "github.com/coder/acp-go-sdk"
)

// agentCache is the directory .ci/install-agents installs the pinned ACP
// peers into.
func agentCache(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("SYMPOSIUM_AGENT_CACHE"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no SYMPOSIUM_AGENT_CACHE and no home directory: %v", err)
	}
	return filepath.Join(home, ".cache", "symposium", "agents")
}

var installOnce struct {
	sync.Once
	err error
}

// installedAgents returns the cache directory holding the pinned adapter and
// TypeScript SDK, installing them with .ci/install-agents when missing. It
// skips the test, saying why, only when they are missing and the npm
// registry cannot be reached; any other failure fails the test.
func installedAgents(t *testing.T) string {
	t.Helper()
	cache := agentCache(t)
	installOnce.Do(func() {
		if ready(cache) {
			return
		}
		script, err := filepath.Abs(filepath.Join("..", "..", "..", ".ci", "install-agents"))
		if err != nil {
			installOnce.err = fmt.Errorf("locate install script: %w", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, script)
		cmd.Env = append(os.Environ(), "SYMPOSIUM_AGENT_CACHE="+cache)
		if out, err := cmd.CombinedOutput(); err != nil {
			installOnce.err = fmt.Errorf("%s: %w\n%s", script, err, out)
		}
	})
	if installOnce.err != nil {
		if !registryReachable() {
			t.Skipf("SKIP: the Claude Code ACP adapter is not installed in %s and the npm registry is unreachable (%v); run .ci/install-agents with network access", cache, installOnce.err)
		}
		t.Fatalf("install the ACP peers: %v", installOnce.err)
	}
	if !ready(cache) {
		t.Fatalf("after install, %s still lacks the adapter", cache)
	}
	return cache
}

func ready(cache string) bool {
	_, err := os.Stat(filepath.Join(cache, "node_modules", ".bin", "claude-agent-acp"))
	_, err2 := os.Stat(filepath.Join(cache, "node_modules", "@agentclientprotocol", "sdk", "package.json"))
	return err == nil && err2 == nil
}

func registryReachable() bool {
	client := http.Client{Timeout: 15 * time.Second}
	resp, err := client.Get("https://registry.npmjs.org/@agentclientprotocol%2fsdk")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 500
}

// adapterEnv is the environment the adapter needs to run offline against
// the fake: nothing of ours leaks in but PATH and HOME.
func adapterEnv(t *testing.T, baseURL string, extra ...string) []string {
	home := t.TempDir()
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"ANTHROPIC_API_KEY=sk-ant-fake-key",
		"ANTHROPIC_BASE_URL=" + baseURL,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"IS_SANDBOX=1",
	}, extra...)
}

// recorder is an ACP client that records everything the agent does and
// answers by a simple policy: file access inside root only, permission
// requests through allow.
type recorder struct {
	root  string
	allow func(acp.RequestPermissionRequest) bool

	mu          sync.Mutex
	updates     []acp.SessionUpdate
	permissions []acp.RequestPermissionRequest
	reads       []string
	writes      map[string]string
}

func (r *recorder) SessionUpdate(_ context.Context, n acp.SessionNotification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, n.Update)
	return nil
}

func (r *recorder) RequestPermission(_ context.Context, p acp.RequestPermissionRequest) (acp.RequestPermissionResponse, error) {
	r.mu.Lock()
	r.permissions = append(r.permissions, p)
	r.mu.Unlock()
	want := acp.PermissionOptionKindRejectOnce
	if r.allow != nil && r.allow(p) {
		want = acp.PermissionOptionKindAllowOnce
	}
	for _, o := range p.Options {
		if o.Kind == want {
			return acp.RequestPermissionResponse{Outcome: acp.RequestPermissionOutcome{Selected: &acp.RequestPermissionOutcomeSelected{OptionId: o.OptionId}}}, nil
		}
	}
	return acp.RequestPermissionResponse{Outcome: acp.RequestPermissionOutcome{Cancelled: &acp.RequestPermissionOutcomeCancelled{}}}, nil
}

func (r *recorder) inside(path string) bool {
	rel, err := filepath.Rel(r.root, filepath.Clean(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

func (r *recorder) ReadTextFile(_ context.Context, p acp.ReadTextFileRequest) (acp.ReadTextFileResponse, error) {
	r.mu.Lock()
	r.reads = append(r.reads, p.Path)
	r.mu.Unlock()
	if !r.inside(p.Path) {
		return acp.ReadTextFileResponse{}, acp.NewInvalidParams(map[string]string{"path": "outside the checkout"})
	}
	b, err := os.ReadFile(p.Path)
	if err != nil {
		return acp.ReadTextFileResponse{}, acp.NewInvalidParams(map[string]string{"path": "not found"})
	}
	return acp.ReadTextFileResponse{Content: string(b)}, nil
}

func (r *recorder) WriteTextFile(_ context.Context, p acp.WriteTextFileRequest) (acp.WriteTextFileResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.inside(p.Path) {
		return acp.WriteTextFileResponse{}, acp.NewInvalidParams(map[string]string{"path": "outside the checkout"})
	}
	if r.writes == nil {
		r.writes = map[string]string{}
	}
	r.writes[p.Path] = p.Content
	return acp.WriteTextFileResponse{}, nil
}

var errNoTerminal = errors.New("terminals are not offered")

func (r *recorder) CreateTerminal(context.Context, acp.CreateTerminalRequest) (acp.CreateTerminalResponse, error) {
	return acp.CreateTerminalResponse{}, errNoTerminal
}
func (r *recorder) KillTerminal(context.Context, acp.KillTerminalRequest) (acp.KillTerminalResponse, error) {
	return acp.KillTerminalResponse{}, errNoTerminal
}
func (r *recorder) TerminalOutput(context.Context, acp.TerminalOutputRequest) (acp.TerminalOutputResponse, error) {
	return acp.TerminalOutputResponse{}, errNoTerminal
}
func (r *recorder) ReleaseTerminal(context.Context, acp.ReleaseTerminalRequest) (acp.ReleaseTerminalResponse, error) {
	return acp.ReleaseTerminalResponse{}, errNoTerminal
}
func (r *recorder) WaitForTerminalExit(context.Context, acp.WaitForTerminalExitRequest) (acp.WaitForTerminalExitResponse, error) {
	return acp.WaitForTerminalExitResponse{}, errNoTerminal
}

// text returns the concatenated agent message chunks.
func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, u := range r.updates {
		if u.AgentMessageChunk != nil && u.AgentMessageChunk.Content.Text != nil {
			b.WriteString(u.AgentMessageChunk.Content.Text.Text)
		}
	}
	return b.String()
}

// session is one started peer with an open ACP session.
type session struct {
	conn   *acp.ClientSideConnection
	id     acp.SessionId
	rec    *recorder
	stderr *syncBuilder
	newRes acp.NewSessionResponse
}

// startPeer runs argv with env, initializes with the given capabilities and
// opens a session in cwd. The process is stopped when the test ends.
func startPeer(t *testing.T, argv, env []string, cwd string, caps acp.ClientCapabilities, rec *recorder) *session {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = env, cwd
	stderr := &syncBuilder{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cancel()
			<-done
		}
		cancel()
		if t.Failed() {
			t.Logf("peer stderr:\n%s", stderr.String())
		}
	})
	conn := acp.NewClientSideConnection(rec, stdin, stdout)
	ictx, icancel := context.WithTimeout(ctx, time.Minute)
	defer icancel()
	if _, err := conn.Initialize(ictx, acp.InitializeRequest{ProtocolVersion: acp.ProtocolVersionNumber, ClientCapabilities: caps}); err != nil {
		t.Fatalf("initialize: %v\nstderr:\n%s", err, stderr.String())
	}
	res, err := conn.NewSession(ictx, acp.NewSessionRequest{Cwd: cwd, McpServers: []acp.McpServer{}})
	if err != nil {
		t.Fatalf("session/new: %v\nstderr:\n%s", err, stderr.String())
	}
	return &session{conn: conn, id: res.SessionId, rec: rec, stderr: stderr, newRes: res}
}

func (s *session) prompt(t *testing.T, text string) acp.PromptResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := s.conn.Prompt(ctx, acp.PromptRequest{SessionId: s.id, Prompt: []acp.ContentBlock{acp.TextBlock(text)}})
	if err != nil {
		t.Fatalf("session/prompt: %v", err)
	}
	return res
}

type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (r *recorder) snapshot() []acp.SessionUpdate {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]acp.SessionUpdate(nil), r.updates...)
}
