package claudecode

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	acp "github.com/coder/acp-go-sdk"
)

// adapterCommand returns the installed adapter's program.
func adapterCommand(t *testing.T) string {
	t.Helper()
	return filepath.Join(installedAgents(t), "node_modules", ".bin", "claude-agent-acp")
}

const secretValue = "sk-ant-fake-key" // the ANTHROPIC_API_KEY adapterEnv sets

// TestAdapterContract pins down what the backend relies on in the real
// adapter (see doc.go), with a bare acp-go-sdk client: if a new adapter
// version changes any of it, this fails and says what.
func TestAdapterContract(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib.rs")
	orig := []byte("pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n")
	if err := os.WriteFile(lib, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	answer := `{"summary":"ok","comments":[],"patches":[]}`
	fake := NewFake(
		Reply{Blocks: []Block{TextBlock("Let me look."), ToolUse("Read", map[string]any{"file_path": lib})}},
		Reply{Blocks: []Block{ToolUse("Read", map[string]any{"file_path": "/etc/passwd"})}},
		Reply{Blocks: []Block{ToolUse("Edit", map[string]any{"file_path": lib, "old_string": "a + b", "new_string": "a.wrapping_add(b)"})}},
		Reply{Blocks: []Block{ToolUse("Bash", map[string]any{"command": "cargo --version", "description": "cargo version"})}},
		Reply{Blocks: []Block{ToolUse("Bash", map[string]any{"command": "echo $ANTHROPIC_API_KEY", "description": "print the key"})}},
		Reply{Blocks: []Block{TextBlock(answer)}, InputTokens: 300, OutputTokens: 40},
	)
	defer fake.Close()
	rec := &recorder{root: dir, allow: func(p acp.RequestPermissionRequest) bool {
		cmd, _ := p.ToolCall.RawInput.(map[string]any)["command"].(string)
		return strings.HasPrefix(cmd, "cargo ")
	}}
	s := startPeer(t, []string{adapterCommand(t)}, adapterEnv(t, fake.URL), dir,
		acp.ClientCapabilities{Fs: acp.FileSystemCapabilities{ReadTextFile: true, WriteTextFile: true}, Terminal: true}, rec)

	if mode := configValue(s.newRes, "mode"); mode != "auto" {
		t.Errorf("initial mode = %q; doc.go says the adapter starts in auto", mode)
	}
	if _, err := s.conn.SetSessionMode(context.Background(), acp.SetSessionModeRequest{SessionId: s.id, ModeId: "default"}); err != nil {
		t.Fatalf("session/set_mode default: %v", err)
	}
	res := s.prompt(t, "Review this code and answer with JSON.")

	if res.StopReason != acp.StopReasonEndTurn {
		t.Errorf("stop reason = %q, want end_turn", res.StopReason)
	}
	if res.Usage == nil || res.Usage.InputTokens < 300 || res.Usage.OutputTokens < 40 {
		t.Errorf("prompt usage = %+v, want at least the scripted 300 in / 40 out", res.Usage)
	}
	var cost *acp.Cost
	for _, u := range rec.snapshot() {
		if u.UsageUpdate != nil && u.UsageUpdate.Cost != nil {
			cost = u.UsageUpdate.Cost
		}
	}
	if cost == nil || cost.Currency != "USD" || cost.Amount <= 0 {
		t.Errorf("last usage_update cost = %+v, want a USD amount", cost)
	}
	if !strings.Contains(rec.text(), answer) {
		t.Errorf("message chunks lack the answer:\n%s", rec.text())
	}

	// Permission requests: the read outside cwd, the edit, both commands.
	var kinds []string
	for _, p := range rec.permissions {
		kinds = append(kinds, string(*p.ToolCall.Kind))
	}
	if got, want := strings.Join(kinds, " "), "read edit execute execute"; got != want {
		t.Errorf("permission requests by kind = %q, want %q", got, want)
	}
	if len(rec.permissions) > 0 && (len(rec.permissions[0].ToolCall.Locations) != 1 || rec.permissions[0].ToolCall.Locations[0].Path != "/etc/passwd") {
		t.Errorf("read permission locations = %+v, want /etc/passwd", rec.permissions[0].ToolCall.Locations)
	}
	if len(rec.reads) != 0 || len(rec.writes) != 0 {
		t.Errorf("the adapter used fs/read_text_file %v or fs/write_text_file %v; doc.go says it does not", rec.reads, rec.writes)
	}

	// What came back to the model, per tool call.
	turns := fake.AgentTurns()
	if len(turns) != 6 {
		t.Fatalf("agent turns = %d, want 6", len(turns))
	}
	results := turns[5].ToolResults()
	if len(results) != 5 {
		t.Fatalf("tool results = %d, want 5", len(results))
	}
	const refused = "User refused permission to run tool"
	for i, want := range []struct {
		refused bool
		has     string
	}{
		{false, "a + b"}, // read inside cwd: no permission needed
		{true, refused},  // /etc/passwd
		{true, refused},  // edit, rejected by this client
		{false, "ca"},    // cargo ran (whatever its output here)
		{true, refused},  // echo $ANTHROPIC_API_KEY
	} {
		text := results[i].ResultText()
		if strings.Contains(text, refused) != want.refused || !strings.Contains(text, want.has) {
			t.Errorf("tool result %d = %q (error %v), want refused=%v containing %q", i, text, results[i].IsError, want.refused, want.has)
		}
	}
	if got, _ := os.ReadFile(lib); !bytes.Equal(got, orig) {
		t.Errorf("rejected edit changed lib.rs:\n%s", got)
	}
	for _, r := range fake.Requests() {
		if bytes.Contains(r.Body, []byte("root:x:0:0")) {
			t.Errorf("/etc/passwd content reached the model")
		}
		if r.IsAgentTurn() && bytes.Contains(r.Body, []byte(secretValue)) {
			t.Errorf("the API key reached the model in a request body")
		}
	}
	title := false
	for _, r := range fake.Requests() {
		title = title || (r.Path == "/v1/messages" && r.Stream && !r.IsAgentTurn() && strings.Contains(r.System, "naming a coding session"))
		if r.Path == "/v1/messages" && r.RawQuery != "beta=true" {
			t.Errorf("messages request with query %q, want beta=true", r.RawQuery)
		}
	}
	if !title {
		t.Errorf("no streamed title request seen")
	}
}

// configValue returns the current value of a session config option.
func configValue(res acp.NewSessionResponse, id string) string {
	for _, o := range res.ConfigOptions {
		if o.Select != nil && string(o.Select.Id) == id {
			return string(o.Select.CurrentValue)
		}
	}
	return ""
}
