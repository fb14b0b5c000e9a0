package claudecode

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// tsBackend returns the acp backend running the TypeScript reference agent
// in the bwrap sandbox with the given scenario.
func tsBackend(t *testing.T, scenario string) agent.Agent {
	t.Helper()
	cache := installedAgents(t)
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "acp-ts-agent"))
	if err != nil {
		t.Fatal(err)
	}
	runner, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		t.Fatalf("the agent sandbox: %v", err)
	}
	t.Setenv("ACP_SDK", filepath.Join(cache, "node_modules", "@agentclientprotocol", "sdk", "dist", "v1", "stable", "acp.js"))
	t.Setenv("ACP_TS_SCENARIO", scenario)
	cfg, err := agent.ConfigFromEnv(func(name string) string {
		switch name {
		case "SYMPOSIUM_AGENT":
			return agent.BackendACP
		case "SYMPOSIUM_AGENT_COMMAND":
			return "node " + filepath.Join(dir, "agent.mjs")
		case "SYMPOSIUM_AGENT_READONLY":
			return cache + ":" + dir
		case "SYMPOSIUM_AGENT_ENV":
			return "ACP_SDK,ACP_TS_SCENARIO"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runner = runner
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	return a
}

func augmentTS(t *testing.T, scenario string) agent.AugmentResult {
	t.Helper()
	co := newCheckout(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := agent.Augment(ctx, tsBackend(t, scenario), agent.AugmentInput{
		Request: agent.Request{Title: "Add double", Diff: co.diff, CheckoutDir: co.dir},
		Backend: agent.BackendACP, HeadDir: co.dir,
	})
	if err != nil {
		t.Fatalf("Augment: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(co.dir, "src", "lib.rs")); string(b) != headLib {
		t.Errorf("our tree was touched")
	}
	return res
}

// The acp backend against the reference implementation: the answer among
// notices, usage and cost, errors and a crash of the peer.
func TestBackendWithTSAgent(t *testing.T) {
	t.Run("answer", func(t *testing.T) {
		res := augmentTS(t, "answer")
		if res.Status != agent.StatusOK {
			t.Fatalf("status %s: %v", res.Status, res.Err)
		}
		if !strings.Contains(res.Summary, "One note from the TypeScript reference agent.") {
			t.Errorf("summary %q lacks the agent's", res.Summary)
		}
		if u := res.Usage; u.InputTokens != 1000 || u.OutputTokens != 234 || !u.CostKnown || u.CostUSD != 0.0125 {
			t.Errorf("usage %+v, want 1000 in, 234 out, $0.0125", u)
		}
	})
	for _, tc := range []struct{ scenario, want string }{
		{"error", "failed on purpose"},
		{"crash", "acp session/prompt"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			res := augmentTS(t, tc.scenario)
			if res.Status != agent.StatusUnavailable || res.Err == nil || !strings.Contains(res.Err.Error(), tc.want) {
				t.Errorf("status %s, err %v; want unavailable with %q", res.Status, res.Err, tc.want)
			}
			if !strings.Contains(res.Note, "unavailable") {
				t.Errorf("note %q does not say the agent was unavailable", res.Note)
			}
		})
	}
}
