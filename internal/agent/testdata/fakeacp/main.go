// Command fakeacp is a tiny Agent Client Protocol agent for the tests of
// internal/agent, driven over real stdio. On each prompt it probes the
// client's policy (reads inside and outside the checkout, permission
// requests, its environment), edits src/lib.rs through fs/write_text_file,
// reports usage, and answers with a review whose summary lists what it saw.
//
// FAKEACP_SCENARIO=malformed makes the first answer break the schema.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	acp "github.com/coder/acp-go-sdk"
)

type agent struct {
	acp.Agent // nil: methods the tests never call panic
	conn      *acp.AgentSideConnection
	cwd       string
	turns     int
}

func (a *agent) Initialize(ctx context.Context, p acp.InitializeRequest) (acp.InitializeResponse, error) {
	return acp.InitializeResponse{ProtocolVersion: acp.ProtocolVersionNumber, AuthMethods: []acp.AuthMethod{}}, nil
}

func (a *agent) NewSession(ctx context.Context, p acp.NewSessionRequest) (acp.NewSessionResponse, error) {
	a.cwd = p.Cwd
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
	return acp.PromptResponse{StopReason: acp.StopReasonEndTurn, Usage: &acp.Usage{
		InputTokens: 1200 * a.turns, OutputTokens: 80 * a.turns, TotalTokens: 1280 * a.turns,
	}}, nil
}

func okOr(err error) string {
	if err != nil {
		return "denied"
	}
	return "ok"
}

func main() {
	a := &agent{}
	a.conn = acp.NewAgentSideConnection(a, os.Stdout, os.Stdin)
	<-a.conn.Done()
}
