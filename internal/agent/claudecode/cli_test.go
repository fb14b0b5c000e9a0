package claudecode

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSymposiumReviewWithClaudeCode is issue 8's end-to-end check:
// `symposium review --agent acp` with SYMPOSIUM_AGENT_COMMAND pointing at the
// real adapter, its model answered by the fake, produces a validated review
// with the agent's verified suggestion and its token figures in the stats.
func TestSymposiumReviewWithClaudeCode(t *testing.T) {
	cache := installedAgents(t)
	fake := NewFake(answer(reviewJSON))
	defer fake.Close()
	co := newCheckout(t, nil)

	bin := filepath.Join(t.TempDir(), "symposium")
	build := exec.Command("go", "build", "-o", bin, "github.com/symposium-dev/symposium/cmd/symposium")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "review", "--repo", co.dir, "--base", "HEAD~1", "--head", "HEAD",
		"--format", "json", "--agent", "acp", "--fetch=false")
	cmd.Env = append(os.Environ(),
		"SYMPOSIUM_AGENT_COMMAND="+filepath.Join(cache, "node_modules", ".bin", "claude-agent-acp"),
		"SYMPOSIUM_AGENT_READONLY="+cache,
		"SYMPOSIUM_CACHE_DIR="+t.TempDir(),
		"ANTHROPIC_API_KEY="+secretValue,
		"ANTHROPIC_BASE_URL="+fake.URL,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_TELEMETRY=1", "IS_SANDBOX=1",
		"GITHUB_TOKEN="+githubToken,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Fatalf("symposium review: %v\nstderr:\n%s", err, stderr.String())
	}
	var out struct {
		Comments []struct {
			Source     string  `json:"source"`
			Body       string  `json:"body"`
			Suggestion *string `json:"suggestion"`
		} `json:"comments"`
		Stats map[string]any `json:"stats"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("review JSON: %v\n%s", err, stdout.String())
	}
	var sugg []string
	for _, c := range out.Comments {
		if c.Source == "agent" && c.Suggestion != nil {
			sugg = append(sugg, *c.Suggestion)
		}
	}
	if len(sugg) != 1 || sugg[0] != "    x.wrapping_mul(2)" {
		t.Errorf("agent suggestions %q, want the verified wrapping_mul line\n%s", sugg, stdout.String())
	}
	tokens := false
	for k, v := range out.Stats {
		if n, ok := v.(float64); ok && strings.Contains(k, "token") && n > 0 {
			tokens = true
		}
	}
	if !tokens {
		t.Errorf("stats %v carry no token figures from the adapter", out.Stats)
	}
	assertNoLeak(t, fake)
}
