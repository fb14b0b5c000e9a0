package agent_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

var fakeACP = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "symposium-fakeacp-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fakeacp")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/fakeacp")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &exec.Error{Name: "go build fakeacp: " + string(out), Err: err}
	}
	return bin, nil
})

func acpAgent(t *testing.T, scenario string) agent.Agent {
	t.Helper()
	bin, err := fakeACP()
	if err != nil {
		t.Fatal(err)
	}
	runner, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKEACP_SCENARIO", scenario)
	t.Setenv("GITHUB_TOKEN", "ghs_must_not_leak")
	t.Setenv("ANTHROPIC_API_KEY", "sk-agent-own-key")
	a, err := agent.New(agent.Config{Backend: agent.BackendACP, Command: bin, Runner: runner, PassEnv: []string{"FAKEACP_SCENARIO", "GITHUB_TOKEN"}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestACPAgentOverStdio(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := agent.Augment(ctx, acpAgent(t, "review"), input(f, "acp"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != agent.StatusOK {
		t.Fatalf("status %s: %v", res.Status, res.Err)
	}
	for _, want := range []string{
		"read_lib=ok", "read_passwd=denied", "read_outside=denied",
		"perm_rm=reject", "perm_cargo=allow", "perm_fetch=reject", "terminal_sh=denied",
		"github_token=absent", "api_key=visible", "write_lib=ok", "write_outside=denied",
	} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("observations lack %q: %s", want, res.Summary)
		}
	}
	if len(res.Comments) != 2 {
		t.Fatalf("comments %+v (dropped %+v)", res.Comments, res.Dropped)
	}
	var sugg string
	for _, c := range res.Comments {
		if c.Suggestion != nil {
			sugg = *c.Suggestion
		}
	}
	if sugg != "    a.wrapping_add(b)" {
		t.Errorf("the agent's edit did not become a verified suggestion: %q", sugg)
	}
	if res.Usage.InputTokens != 1200 || res.Usage.OutputTokens != 80 || !res.Usage.CostKnown || res.Usage.CostUSD != 0.0125 {
		t.Errorf("usage %+v", res.Usage)
	}
	if b, _ := os.ReadFile(filepath.Join(f.dir, "src/lib.rs")); !strings.Contains(string(b), "    a + b\n") {
		t.Error("the agent's write reached our tree")
	}
}

func TestACPRepairRound(t *testing.T) {
	f := newFixture(t)
	in := input(f, "acp")
	in.Check = nil // no patch verification needed here
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := agent.Augment(ctx, acpAgent(t, "malformed"), in)
	if err != nil {
		t.Fatal(err)
	}
	// The agent reports its input without the prompt cache's tokens; the
	// input sent, which budgets count, holds them.
	if res.Status != agent.StatusOK || res.Usage.InputTokens != 2400 || res.Usage.CacheReadTokens != 1800 || res.Usage.CostUSD != 0.025 {
		t.Fatalf("status %s usage %+v err %v", res.Status, res.Usage, res.Err)
	}
}
