package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/agent/agentfake"
)

// TestReviewCommandWithOpenAIAgent runs `symposium review --agent openai`
// end to end against a fake OpenAI-compatible server: the agent's comment
// lands on the diff, its patch is built before it becomes a suggestion, a
// patch that does not compile is dropped, and its tokens are in the stats.
func TestReviewCommandWithOpenAIAgent(t *testing.T) {
	repo := reviewFixture(t)
	answer := map[string]any{
		"summary": "One emptiness check could be clearer.",
		"comments": []map[string]any{
			{"path": "src/lib.rs", "line": 5, "start_line": 0, "severity": "note", "body": "Consider documenting `new`."},
			{"path": "src/lib.rs", "line": 40, "start_line": 0, "severity": "note", "body": "Not on the diff: goes to the summary."},
		},
		"patches": []map[string]any{
			// Written as models often do: no `diff --git` header, a wrong line count.
			{"description": "use is_empty", "diff": "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -5,3 +5,4 @@\n pub fn new(v: &[u16]) -> bool {\n-    v.len() == 0\n+    v.is_empty()\n }\n"},
			{"description": "broken", "diff": "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -5,3 +5,3 @@\n pub fn new(v: &[u16]) -> bool {\n-    v.len() == 0\n+    v.len() == \"zero\"\n }\n"},
		},
	}
	text, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	fake := agentfake.NewOpenAI(t, agentfake.Reply{Text: string(text), InputTokens: 900, OutputTokens: 120})
	t.Setenv("OPENAI_BASE_URL", fake.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", "test-key")
	t.Setenv("SYMPOSIUM_AGENT_MODEL", "gpt-test")

	code, out, errOut := runCommand("review", "--repo", repo, "--base", "main", "--head", "pr", "--sandbox", sandboxMode(),
		"--cache-dir", t.TempDir(), "--fetch=false", "--format", "json", "--agent", "openai")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	var res struct {
		Summary  string `json:"summary"`
		Comments []struct {
			Path       string  `json:"path"`
			Line       int     `json:"line"`
			Source     string  `json:"source"`
			Body       string  `json:"body"`
			Suggestion *string `json:"suggestion"`
		} `json:"comments"`
		Stats map[string]float64 `json:"stats"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var notes, suggestions []string
	for _, c := range res.Comments {
		if c.Source != "agent" {
			continue
		}
		if c.Suggestion != nil {
			suggestions = append(suggestions, *c.Suggestion)
		} else {
			notes = append(notes, c.Body)
		}
		if c.Line != 5 && c.Line != 6 {
			t.Errorf("agent comment on line %d, off the diff", c.Line)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "documenting") {
		t.Errorf("agent comments %q, want the one on the diff", notes)
	}
	if len(suggestions) != 1 || suggestions[0] != "    v.is_empty()" {
		t.Errorf("agent suggestions %q, want only the patch that builds", suggestions)
	}
	if !strings.Contains(res.Summary, "Not on the diff") {
		t.Errorf("the off-diff comment is not in the summary:\n%s", res.Summary)
	}
	if res.Stats["agent_tokens_in"] != 900 || res.Stats["agent_tokens_out"] != 120 {
		t.Errorf("stats %v, want the agent's token figures", res.Stats)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests to the agent, want 1", n)
	}
}

// TestFixCommandWithOpenAIAgent runs `symposium fix --agent openai`: the
// agent's verified patch is applied along with clippy's fix.
func TestFixCommandWithOpenAIAgent(t *testing.T) {
	repo := reviewFixture(t)
	reviewGit(t, repo, "checkout", "-q", "pr")
	answer, err := json.Marshal(map[string]any{
		"summary": "", "comments": []any{},
		"patches": []map[string]any{{"description": "document new", "diff": "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -4,2 +4,3 @@\n \n+/// Tells whether v is empty.\n pub fn new(v: &[u16]) -> bool {\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake := agentfake.NewOpenAI(t, agentfake.Reply{Text: string(answer), InputTokens: 300, OutputTokens: 40})
	t.Setenv("OPENAI_BASE_URL", fake.URL+"/v1")
	t.Setenv("OPENAI_API_KEY", "test-key")
	code, out, errOut := runCommand("fix", "--repo", repo, "--base", "main", "--sandbox", sandboxMode(),
		"--cache-dir", t.TempDir(), "--fetch=false", "--agent", "openai")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.Contains(out, "document new") || !strings.Contains(out, "clippy::len_zero") {
		t.Errorf("output lacks the agent's patch or clippy's fix:\n%s", out)
	}
	got := reviewGit(t, repo, "diff")
	if !strings.Contains(got, "+/// Tells whether v is empty.") || !strings.Contains(got, "+    v.is_empty()") {
		t.Errorf("work tree diff:\n%s", got)
	}
}
