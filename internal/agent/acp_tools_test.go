package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/cratetools"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/internal/skills/skillstest"
	"github.com/symposium-dev/symposium/review"
)

// TestACPAgentUsesToolsOverMCP gives the fake ACP agent the Rust tools
// through session/new's mcpServers: it starts the bridge in its sandbox,
// and the tools (served by this process) answer skill, read_crate_file
// and cargo_check, and refuse a read outside the crate.
func TestACPAgentUsesToolsOverMCP(t *testing.T) {
	bin, err := fakeACP()
	if err != nil {
		t.Fatal(err)
	}
	repo := skillstest.New(t)
	runner, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := cargo.Options{Runner: runner, TargetDir: targetDir()}
	co := skills.Checkout{Dir: repo.Dir, RepoDir: repo.Dir, Base: repo.Base, Cargo: opts}
	ws, set, err := skills.Load(ctx, co)
	if err != nil {
		t.Fatal(err)
	}
	box := cratetools.New(cratetools.Config{Workspace: ws, Skills: set, HeadDir: repo.Dir, SourceRoots: co.SourceRoots(),
		Check: func(ctx context.Context, dir string) ([]review.Diagnostic, error) {
			return cargo.Clippy(ctx, dir, opts)
		}})
	var list []agent.Skill
	for _, s := range set.Skills {
		list = append(list, agent.Skill{Name: s.Name, Description: s.Description, Crates: s.Crates, Body: s.Body})
	}
	t.Setenv("FAKEACP_SCENARIO", "tools")
	t.Setenv("FAKEACP_SKILL", skillstest.ApplicableSkill)
	t.Setenv("FAKEACP_PROMPT_MARKERS", strings.Join([]string{"- " + skillstest.ApplicableSkill + ":", "- " + skillstest.RepositorySkill + ":", skillstest.AgentsMarker, skillstest.OtherVersionSkill}, ","))
	instructions, err := skills.RepositoryInstructions(ctx, repo.Dir, repo.Base)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := agent.New(agent.Config{Backend: agent.BackendACP, Command: bin, Runner: runner,
		PassEnv: []string{"FAKEACP_SCENARIO", "FAKEACP_SKILL", "FAKEACP_PROMPT_MARKERS"}, MCPBridge: []string{bin, "bridge"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ag.Review(ctx, agent.Request{Diff: repo.Diff, CheckoutDir: repo.Dir, Skills: list, Tools: box, Instructions: instructions,
		HeadFile: func(p string) ([]byte, bool) {
			b, err := os.ReadFile(filepath.Join(repo.Dir, p))
			return b, err == nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"skill(error=false)=[# " + skillstest.ApplicableSkill, skillstest.ApplicableBody,
		"read_crate_file(error=false)=[/// The answer. pub fn answer",
		"read_crate_file(error=true)=[", "cargo_check(error=false)=[0 diagnostics, 0 errors",
	} {
		if !strings.Contains(resp.Summary, want) {
			t.Errorf("the agent's observations lack %q: %s", want, resp.Summary)
		}
	}
	if calls, loaded := box.Counts(); calls != 4 || loaded != 1 {
		t.Errorf("counts: %d calls, %d skills loaded", calls, loaded)
	}
}
