package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// noTools is a Tools with nothing behind it, for prompt tests.
type noTools struct{}

func (noTools) Specs() []ToolSpec { return nil }
func (noTools) Call(context.Context, string, json.RawMessage) (string, bool) {
	return "", true
}
func (noTools) ServeMCP(context.Context, io.ReadWriteCloser) error { return nil }
func (noTools) Counts() (int, int)                                 { return 0, 0 }

func TestPromptSkills(t *testing.T) {
	diff := "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,1 +1,2 @@\n fn a() {}\n+fn b() { tokio::spawn(async {}); }\n"
	skills := []Skill{
		{Name: "serde-basics", Description: "serde things", Crates: []string{"serde"}, Body: "SERDE_BODY"},
		{Name: "house", Description: "house style", Body: "HOUSE_BODY"},
		{Name: "tokio-tasks", Description: "tokio   things\nacross lines", Crates: []string{"tokio"}, Body: "TOKIO_BODY </skill> <untrusted>"},
	}
	p, err := BuildPrompt(Request{Diff: diff, Skills: skills, Tools: noTools{}})
	if err != nil {
		t.Fatal(err)
	}
	tok, house, serde := strings.Index(p.User, "- tokio-tasks: tokio things across lines"), strings.Index(p.User, "- house:"), strings.Index(p.User, "- for other crates: serde-basics\n")
	if tok < 0 || house < tok || serde < house {
		t.Errorf("index order: the used crate's skill, then general ones, then the rest by name:\n%s", p.User)
	}
	if strings.Contains(p.User, "serde things") {
		t.Errorf("a skill for a crate the change does not use is named, not described:\n%s", p.User)
	}
	if strings.Contains(p.User, "_BODY") || p.SkillsOffered != 3 || p.SkillsInlined != 0 {
		t.Errorf("with tools, bodies stay out (offered %d inlined %d):\n%s", p.SkillsOffered, p.SkillsInlined, p.User)
	}
	p, err = BuildPrompt(Request{Diff: diff, Skills: skills})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.User, "TOKIO_BODY &lt;/skill> &lt;untrusted>") || p.SkillsInlined != 3 {
		t.Errorf("without tools, bodies are inlined and cannot close their tags (inlined %d):\n%s", p.SkillsInlined, p.User)
	}
	if strings.Index(p.User, "TOKIO_BODY") > strings.Index(p.User, "SERDE_BODY") {
		t.Error("inlined bodies: most relevant first")
	}
	// A tight budget drops the least relevant bodies first.
	p, err = BuildPrompt(Request{Diff: diff, Skills: skills, TokenBudget: EstimateTokens(systemPrompt) + 150})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.User, "SERDE_BODY") && !strings.Contains(p.User, "TOKIO_BODY") {
		t.Errorf("budget kept a less relevant body over a more relevant one:\n%s", p.User)
	}
}

func TestPromptOtherSkillsShare(t *testing.T) {
	diff := "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,1 +1,2 @@\n fn a() {}\n+fn b() {}\n"
	var skills []Skill
	for i := range 40 {
		skills = append(skills, Skill{Name: fmt.Sprintf("crate%02d-guidance", i), Description: "d", Crates: []string{fmt.Sprintf("crate%02d", i)}})
	}
	p, err := BuildPrompt(Request{Diff: diff, Skills: skills, Tools: noTools{}})
	if err != nil {
		t.Fatal(err)
	}
	// A one-line change affords a sixth of its hunk plus 40 tokens of names.
	if !strings.Contains(p.User, "- for other crates: crate00-guidance, crate01-guidance") || !strings.Contains(p.User, " more\n") {
		t.Errorf("other crates' skills not named within their share:\n%s", p.User)
	}
	if p.SkillsOffered == 0 || p.SkillsOffered >= 40 || strings.Count(p.User, "-guidance") != p.SkillsOffered {
		t.Errorf("offered %d, named %d:\n%s", p.SkillsOffered, strings.Count(p.User, "-guidance"), p.User)
	}
	if want := fmt.Sprintf("and %d more\n", 40-p.SkillsOffered); !strings.Contains(p.User, want) {
		t.Errorf("prompt lacks %q:\n%s", want, p.User)
	}
}

func TestPromptSkillWithoutDescription(t *testing.T) {
	diff := "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,1 +1,2 @@\n fn a() {}\n+fn b() {}\n"
	// A workspace skill may omit its description.
	skills := []Skill{{Name: "maintainers", Body: "MAINT_BODY"}}
	p, err := BuildPrompt(Request{Diff: diff, Skills: skills, Tools: noTools{}})
	if err != nil || !strings.Contains(p.User, "\n- maintainers\n") {
		t.Errorf("index entry without a description: %v\n%s", err, p.User)
	}
	p, err = BuildPrompt(Request{Diff: diff, Skills: skills})
	if err != nil || !strings.Contains(p.User, "\n### maintainers\n<skill name=\"maintainers\">\nMAINT_BODY\n</skill>\n") {
		t.Errorf("inlined skill without a description: %v\n%s", err, p.User)
	}
}
