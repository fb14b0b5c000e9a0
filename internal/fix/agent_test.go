package fix

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/agent/agentfake"
)

// TestRunAppliesVerifiedAgentPatches: with an agent configured, the fix
// pipeline applies the agent's patch that builds, drops the one that does
// not, and still runs clippy's fixes and rustfmt after it.
func TestRunAppliesVerifiedAgentPatches(t *testing.T) {
	ctx := context.Background()
	headOther := "pub fn other(x: u32) -> u32 {\n    return x+1;\n}\n\npub fn twice(x: u32) -> u32 {\n    x * 2\n}\n"
	dir := newRepo(t,
		map[string]string{"Cargo.toml": manifest, "src/lib.rs": cleanLib, "src/other.rs": otherBase},
		map[string]string{"src/other.rs": headOther})
	answer, err := json.Marshal(map[string]any{
		"summary": "Overflow.", "comments": []any{},
		"patches": []map[string]any{
			{"description": "twice: do not overflow", "diff": "--- a/src/other.rs\n+++ b/src/other.rs\n@@ -5,3 +5,3 @@\n pub fn twice(x: u32) -> u32 {\n-    x * 2\n+    x.saturating_mul(2)\n }\n"},
			{"description": "broken", "diff": "--- a/src/other.rs\n+++ b/src/other.rs\n@@ -5,3 +5,3 @@\n pub fn twice(x: u32) -> u32 {\n-    x * 2\n+    x * \"2\"\n }\n"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake := agentfake.NewOpenAI(t, agentfake.Reply{Text: string(answer), InputTokens: 500, OutputTokens: 80})
	ag, err := agent.New(agent.Config{Backend: agent.BackendOpenAI, OpenAIAPIKey: "k", OpenAIBaseURL: fake.URL + "/v1", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Request{Dir: dir, Base: "main", Runner: runner(t), TargetDir: targetDir,
		Patches: AgentPatches{Agent: ag, Backend: agent.BackendOpenAI, Title: "twice"}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "src/other.rs"))
	want := "pub fn other(x: u32) -> u32 {\n    x + 1\n}\n\npub fn twice(x: u32) -> u32 {\n    x.saturating_mul(2)\n}\n"
	if string(got) != want {
		t.Errorf("src/other.rs =\n%s\nwant\n%s", got, want)
	}
	var agentFix bool
	for _, f := range res.Fixes {
		if strings.Contains(f.Rule, "do not overflow") {
			agentFix = true
		}
		if strings.Contains(f.Rule, "broken") {
			t.Errorf("the patch that does not build was applied: %v", res.Fixes)
		}
	}
	if !agentFix {
		t.Errorf("fixes %v lack the agent's patch", res.Fixes)
	}
	if len(fake.Requests()) != 1 {
		t.Errorf("%d requests to the agent, want 1", len(fake.Requests()))
	}
}
