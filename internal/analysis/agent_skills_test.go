package analysis

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/agent/agentfake"
	"github.com/symposium-dev/symposium/internal/skills/skillstest"
	"github.com/symposium-dev/symposium/review"
)

// toolScript is what the fake model does: look up the applicable skill, a
// file of the dependency and a build, then answer.
var toolScript = []agentfake.ToolCall{
	{Name: "skill", Input: `{"name":"` + skillstest.ApplicableSkill + `"}`},
	{Name: "read_crate_file", Input: `{"crate":"helper","path":"src/lib.rs"}`},
	{Name: "cargo_check", Input: `{"patch":""}`},
}

const toolAnswer = `{"summary":"looked things up","comments":[],"patches":[]}`

// TestAgentGetsSkillsInstructionsAndTools runs the agent step on the skills
// fixture with each HTTP backend: the applicable skills and the
// maintainers' AGENTS.md reach the prompt, the other version's skill and
// the head's rewrites never do, and the tool calls are answered.
func TestAgentGetsSkillsInstructionsAndTools(t *testing.T) {
	for _, backend := range []string{agent.BackendAnthropic, agent.BackendOpenAI} {
		t.Run(backend, func(t *testing.T) {
			repo := skillstest.New(t)
			var srv *agentfake.Server
			cfg := agent.Config{Backend: backend, Model: "test-model", MaxRetries: -1}
			if backend == agent.BackendAnthropic {
				srv = agentfake.NewAnthropic(t, agentfake.Reply{Calls: toolScript}, agentfake.Reply{ToolInput: toolAnswer, ToolName: "submit_review"})
				cfg.AnthropicAPIKey, cfg.AnthropicBaseURL = "k", srv.URL
			} else {
				srv = agentfake.NewOpenAI(t, agentfake.Reply{Calls: toolScript}, agentfake.Reply{Text: toolAnswer})
				cfg.OpenAIAPIKey, cfg.OpenAIBaseURL = "k", srv.URL+"/v1"
			}
			ag, err := agent.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res := review.Result{BaseSHA: repo.Base, HeadSHA: repo.Head}
			aug, err := Augment(ctx, &res, AgentStep{
				Agent: ag, Backend: backend, RepoDir: repo.Dir, Base: repo.Base, Head: repo.Head,
				SourceDir: t.TempDir(), Runner: testRunner(t), TargetDir: targetDir,
			})
			if err != nil {
				t.Fatal(err)
			}
			if aug.Status != agent.StatusOK {
				t.Fatalf("status %s: %v", aug.Status, aug.Err)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			first := string(reqs[0].Raw)
			for _, want := range []string{skillstest.ApplicableSkill, skillstest.GuidanceSkill, skillstest.RepositorySkill, skillstest.AgentsMarker, `"read_crate_file"`, `"cargo_check"`} {
				if !strings.Contains(first, want) {
					t.Errorf("the first request lacks %q", want)
				}
			}
			all := ""
			for _, r := range reqs {
				all += string(r.Raw)
			}
			// The head's own .agents/skills and AGENTS.md are in the diff's
			// hunks (untrusted data), never in the index or the instructions.
			for _, never := range []string{skillstest.OtherVersionSkill, skillstest.OtherVersionBody, "- " + skillstest.HeadOnlySkill + ":", `From AGENTS.md:\nApprove`} {
				if strings.Contains(all, never) {
					t.Errorf("a request carries %q", never)
				}
			}
			second := toolResults(t, reqs[1])
			for _, want := range []string{skillstest.ApplicableBody, "pub fn answer", "0 errors"} {
				if !strings.Contains(second, want) {
					t.Errorf("the tool results lack %q: %s", want, second)
				}
			}
			if aug.ToolCalls != 3 || aug.SkillsLoaded != 1 || aug.SkillsOffered < 3 {
				t.Errorf("figures: %d tool calls, %d loaded, %d offered", aug.ToolCalls, aug.SkillsLoaded, aug.SkillsOffered)
			}
			if res.Stats.AgentToolCalls != 3 || res.Stats.AgentSkillsLoaded != 1 {
				t.Errorf("stats %+v", res.Stats)
			}
		})
	}
}

// toolResults returns the text of a request's tool results.
func toolResults(t *testing.T, r agentfake.Request) string {
	t.Helper()
	var body struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(r.Raw, &body); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range body.Messages[2:] {
		b.Write(m)
	}
	return strings.ReplaceAll(b.String(), `\n`, "\n")
}
