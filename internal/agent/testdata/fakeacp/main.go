// Command fakeacp is a tiny Agent Client Protocol agent for the tests of
// internal/agent, driven over real stdio. On each prompt it probes the
// client's policy (reads inside and outside the checkout, permission
// requests, its environment), edits src/lib.rs through fs/write_text_file,
// reports usage, and answers with a review whose summary lists what it saw.
//
// FAKEACP_SCENARIO=malformed makes the first answer break the schema;
// FAKEACP_SCENARIO=tools makes it call the skill, read_crate_file and
// cargo_check tools of the MCP server session/new names, and put their
// answers in the summary. `fakeacp bridge SOCKET` is the MCP bridge.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	acp "github.com/coder/acp-go-sdk"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	symagent "github.com/symposium-dev/symposium/internal/agent"
)

type agent struct {
	acp.Agent // nil: methods the tests never call panic
	conn      *acp.AgentSideConnection
	cwd       string
	turns     int
	servers   []acp.McpServer
}

func (a *agent) Initialize(ctx context.Context, p acp.InitializeRequest) (acp.InitializeResponse, error) {
	return acp.InitializeResponse{ProtocolVersion: acp.ProtocolVersionNumber, AuthMethods: []acp.AuthMethod{}}, nil
}

func (a *agent) NewSession(ctx context.Context, p acp.NewSessionRequest) (acp.NewSessionResponse, error) {
	a.cwd = p.Cwd
	a.servers = p.McpServers
	return acp.NewSessionResponse{SessionId: "sess-1"}, nil
}

func (a *agent) Cancel(ctx context.Context, p acp.CancelNotification) error { return nil }

func (a *agent) permission(ctx context.Context, sid acp.SessionId, kind acp.ToolKind, command string) string {
	resp, err := a.conn.RequestPermission(ctx, acp.RequestPermissionRequest{
		SessionId: sid,
		ToolCall: acp.ToolCallUpdate{ToolCallId: acp.ToolCallId("call-" + command), Title: acp.Ptr(command), Kind: acp.Ptr(kind),
			RawInput: map[string]any{"command": command}},
		Options: []acp.PermissionOption{
			{Kind: acp.PermissionOptionKindAllowOnce, Name: "Allow", OptionId: "allow"},
			{Kind: acp.PermissionOptionKindRejectOnce, Name: "Reject", OptionId: "reject"},
		},
	})
	switch {
	case err != nil:
		return "error"
	case resp.Outcome.Selected != nil:
		return string(resp.Outcome.Selected.OptionId)
	default:
		return "cancelled"
	}
}

func (a *agent) Prompt(ctx context.Context, p acp.PromptRequest) (acp.PromptResponse, error) {
	a.turns++
	var seen []string
	lib := filepath.Join(a.cwd, "src", "lib.rs")
	src, err := a.conn.ReadTextFile(ctx, acp.ReadTextFileRequest{SessionId: p.SessionId, Path: lib})
	seen = append(seen, "read_lib="+okOr(err))
	_, err = a.conn.ReadTextFile(ctx, acp.ReadTextFileRequest{SessionId: p.SessionId, Path: "/etc/passwd"})
	seen = append(seen, "read_passwd="+okOr(err))
	_, err = a.conn.ReadTextFile(ctx, acp.ReadTextFileRequest{SessionId: p.SessionId, Path: filepath.Join(a.cwd, "..", "io", "in")})
	seen = append(seen, "read_outside="+okOr(err))
	seen = append(seen, "perm_rm="+a.permission(ctx, p.SessionId, acp.ToolKindExecute, "rm -rf /"))
	seen = append(seen, "perm_cargo="+a.permission(ctx, p.SessionId, acp.ToolKindExecute, "cargo check"))
	seen = append(seen, "perm_fetch="+a.permission(ctx, p.SessionId, acp.ToolKindFetch, "https://example.com"))
	_, err = a.conn.CreateTerminal(ctx, acp.CreateTerminalRequest{SessionId: p.SessionId, Command: "sh", Args: []string{"-c", "id"}})
	seen = append(seen, "terminal_sh="+okOr(err))
	if os.Getenv("GITHUB_TOKEN") != "" {
		seen = append(seen, "github_token=visible")
	} else {
		seen = append(seen, "github_token=absent")
	}
	if os.Getenv("ANTHROPIC_API_KEY") != "" {
		seen = append(seen, "api_key=visible")
	}
	if strings.Contains(src.Content, "a + b") {
		_, err = a.conn.WriteTextFile(ctx, acp.WriteTextFileRequest{SessionId: p.SessionId, Path: lib, Content: strings.Replace(src.Content, "a + b", "a.wrapping_add(b)", 1)})
		seen = append(seen, "write_lib="+okOr(err))
	}
	_, err = a.conn.WriteTextFile(ctx, acp.WriteTextFileRequest{SessionId: p.SessionId, Path: "/tmp/evil.rs", Content: "x"})
	seen = append(seen, "write_outside="+okOr(err))

	if os.Getenv("FAKEACP_SCENARIO") == "tools" {
		prompt := ""
		for _, b := range p.Prompt {
			if b.Text != nil {
				prompt += b.Text.Text
			}
		}
		for _, marker := range strings.Split(os.Getenv("FAKEACP_PROMPT_MARKERS"), ",") {
			seen = append(seen, fmt.Sprintf("prompt_has_%s=%v", marker, strings.Contains(prompt, marker)))
		}
		seen = append(seen, a.useTools(ctx)...)
	}
	answer := fmt.Sprintf(`{"summary": "observations: %s", "comments": [{"path": "src/lib.rs", "line": 2, "start_line": 0, "severity": "warning", "body": "This addition can overflow."}], "patches": []}`, strings.Join(seen, " "))
	if os.Getenv("FAKEACP_SCENARIO") == "malformed" && a.turns == 1 {
		answer = `{"summary": 42, "comments": "none"}`
	}
	chunks := []string{"Notice: a new version of this agent is available.\n\n", "```json\n", answer[:len(answer)/2], answer[len(answer)/2:], "\n```\n"}
	for _, c := range chunks {
		if err := a.conn.SessionUpdate(ctx, acp.SessionNotification{SessionId: p.SessionId, Update: acp.UpdateAgentMessageText(c)}); err != nil {
			return acp.PromptResponse{}, err
		}
	}
	_ = a.conn.SessionUpdate(ctx, acp.SessionNotification{SessionId: p.SessionId, Update: acp.SessionUpdate{UsageUpdate: &acp.SessionUsageUpdate{
		SessionUpdate: "usage_update", Size: 200000, Used: 1500 * a.turns, Cost: &acp.Cost{Amount: 0.0125 * float64(a.turns), Currency: "USD"},
	}}})
	usage := &acp.Usage{InputTokens: 1200 * a.turns, OutputTokens: 80 * a.turns, TotalTokens: 1280 * a.turns}
	if os.Getenv("FAKEACP_SCENARIO") == "malformed" {
		// As Claude's ACP agent reports it: inputTokens without the prompt
		// cache's tokens, totalTokens with them.
		read := 900 * a.turns
		usage.InputTokens, usage.CachedReadTokens = 300*a.turns, &read
	}
	return acp.PromptResponse{StopReason: acp.StopReasonEndTurn, Usage: usage}, nil
}

func okOr(err error) string {
	if err != nil {
		return "denied"
	}
	return "ok"
}

// useTools calls three tools of the first stdio MCP server, started as
// the client of session/new said.
func (a *agent) useTools(ctx context.Context) []string {
	if len(a.servers) == 0 || a.servers[0].Stdio == nil {
		return []string{"mcp=none"}
	}
	s := a.servers[0].Stdio
	client := mcp.NewClient(&mcp.Implementation{Name: "fakeacp", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(s.Command, s.Args...)}, nil)
	if err != nil {
		return []string{"mcp=" + err.Error()}
	}
	defer cs.Close()
	var out []string
	for _, c := range []struct {
		name string
		args map[string]any
	}{
		{"skill", map[string]any{"name": os.Getenv("FAKEACP_SKILL")}},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "src/lib.rs"}},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "../../Cargo.toml"}},
		{"cargo_check", map[string]any{}},
	} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.name, Arguments: c.args})
		if err != nil {
			out = append(out, c.name+"="+err.Error())
			continue
		}
		text := ""
		for _, content := range res.Content {
			if tc, ok := content.(*mcp.TextContent); ok {
				text += tc.Text
			}
		}
		text = strings.NewReplacer("\n", " ", `"`, "'", `\`, "/").Replace(text)
		if len(text) > 300 {
			text = text[:300]
		}
		out = append(out, fmt.Sprintf("%s(error=%v)=[%s]", c.name, res.IsError, text))
	}
	return out
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bridge" {
		if err := symagent.ServeBridge(context.Background(), os.Args[2], os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	a := &agent{}
	a.conn = acp.NewAgentSideConnection(a, os.Stdout, os.Stdin)
	<-a.conn.Done()
}
