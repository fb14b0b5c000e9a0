package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

const smallDiff = `diff --git a/src/lib.rs b/src/lib.rs
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -10,4 +10,5 @@ impl Foo {
     fn bar(&self) -> u32 {
         let x = 1;
-        x
+        let y = x + 1;
+        y
     }
`

func TestBuildPromptBudget(t *testing.T) {
	src := "struct Foo;\n\n" + strings.Repeat("// pad\n", 6) + "impl Foo {\n    fn bar(&self) -> u32 {\n        let x = 1;\n        let y = x + 1;\n        y\n    }\n}\n"
	req := Request{Title: "t", Body: strings.Repeat("body ", 100), Diff: smallDiff, Instructions: "Be strict.",
		HeadFile: func(string) ([]byte, bool) { return []byte(src), true }}
	p, err := BuildPrompt(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### src/lib.rs\n9:impl Foo {\n10     fn bar(&self) -> u32 {\n11         let x = 1;\n-        x\n12+        let y = x + 1;\n", "Be strict.", "<untrusted name=\"pr\">\n# t\n\nbody "} {
		if !strings.Contains(p.User, want) {
			t.Errorf("prompt lacks %q:\n%s", want, p.User)
		}
	}
	if len(p.Omitted) != 0 {
		t.Errorf("omitted %v", p.Omitted)
	}
	// A budget for the hunk only leaves out the rest, lowest value first, and says so.
	req.TokenBudget = EstimateTokens(systemPrompt) + 60 + 60
	p, err = BuildPrompt(req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.User, "let y = x + 1") || strings.Contains(p.User, "<untrusted name=\"pr\">") || !strings.Contains(p.User, "Left out for the token budget") {
		t.Errorf("prompt within budget:\n%s", p.User)
	}
}

func TestExtractResponse(t *testing.T) {
	text := "Notice: update available {not json}\n```json\n{\"summary\": \"first\", \"comments\": [], \"patches\": []}\n```\nthen\n{\"summary\": \"last\", \"comments\": [{\"path\": \"a.rs\", \"line\": 3, \"start_line\": 0, \"severity\": \"note\", \"body\": \"b\"}], \"patches\": []}\nbye"
	r, err := ExtractResponse(text)
	if err != nil || r.Summary != "last" || len(r.Comments) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := ExtractResponse(`{"summary": "x", "comments": [{"path": "a", "line": 1, "severity": "fatal", "body": "b"}], "patches": []}`); err == nil || !strings.Contains(err.Error(), "severity") {
		t.Errorf("bad severity: %v", err)
	}
	if _, err := ParseResponse([]byte(`{"summary": "x", "comments": [], "patches": [], "approve": true}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestSecretEnvRefused(t *testing.T) {
	a, err := NewACP(Config{Command: "agent --acp", PassEnv: []string{"GITHUB_TOKEN", "SYMPOSIUM_WEBHOOK_SECRET", "MY_KEY"}, Runner: noRunner{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range a.passEnv {
		if n == "GITHUB_TOKEN" || n == "SYMPOSIUM_WEBHOOK_SECRET" {
			t.Errorf("%s passed to the agent", n)
		}
	}
	if !strings.Contains(strings.Join(a.passEnv, ","), "MY_KEY") {
		t.Error("MY_KEY not passed")
	}
}

type noRunner struct{}

func (noRunner) Run(context.Context, sandbox.Command) (sandbox.Result, error) {
	return sandbox.Result{}, errors.New("no runner in this test")
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"SYMPOSIUM_AGENT": "openai", "SYMPOSIUM_AGENT_MODEL": "llama3", "OPENAI_BASE_URL": "http://localhost:11434/v1",
		"SYMPOSIUM_AGENT_TOKEN_BUDGET": "8000", "SYMPOSIUM_AGENT_DAILY_TOKENS": "1000000", "SYMPOSIUM_AGENT_ENV": "A, B",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend != "openai" || c.Model != "llama3" || c.OpenAIBaseURL != "http://localhost:11434/v1" || c.TokenBudget != 8000 || c.DailyTokens != 1000000 || len(c.PassEnv) != 2 {
		t.Errorf("%+v", c)
	}
	env["SYMPOSIUM_AGENT_DAILY_TOKENS"] = "lots"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("bad number accepted")
	}
}
