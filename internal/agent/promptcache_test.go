package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/agent/agentfake"
)

// echoTools answers every call with a long text, as a crate file would be.
type echoTools struct{ noTools }

func (echoTools) Specs() []ToolSpec {
	return []ToolSpec{{Name: "read_crate_file", Description: "Read a file.", InputSchema: map[string]any{"type": "object"}}}
}
func (echoTools) Call(context.Context, string, json.RawMessage) (string, bool) {
	return strings.Repeat("pub fn item() {}\n", 200), false
}
func (echoTools) ServeMCP(context.Context, io.ReadWriteCloser) error { return nil }

// cachePromptDiff is a diff long enough for the fake's cache minimum.
func cachePromptDiff() string {
	var b strings.Builder
	b.WriteString("diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,1 +1,101 @@\n fn a() {}\n")
	for i := range 100 {
		fmt.Fprintf(&b, "+pub fn f%d(x: u32) -> u32 { x.wrapping_mul(%d) }\n", i, i)
	}
	return b.String()
}

// In the tool loop every round sends the conversation again: the prompt is
// cached once and read back in the later rounds, each round's tool results
// too, with never more than the four breakpoints the API allows; the cost
// prices reads and writes as Anthropic does.
func TestAnthropicToolLoopUsesThePromptCache(t *testing.T) {
	answer := `{"summary":"ok","comments":[],"patches":[]}`
	call := agentfake.ToolCall{Name: "read_crate_file", Input: `{"crate":"x","path":"src/lib.rs"}`}
	s := agentfake.NewAnthropic(t,
		agentfake.Reply{Calls: []agentfake.ToolCall{call}, InputTokens: 5, OutputTokens: 10},
		agentfake.Reply{Calls: []agentfake.ToolCall{call}, InputTokens: 5, OutputTokens: 10},
		agentfake.Reply{ToolInput: answer, ToolName: toolName, InputTokens: 5, OutputTokens: 30},
	)
	s.PromptCacheMinTokens = 500
	a := NewAnthropic(Config{AnthropicBaseURL: s.URL, AnthropicAPIKey: "k", Model: "claude-sonnet-4-5"})
	resp, err := a.Review(context.Background(), Request{Diff: cachePromptDiff(), Tools: echoTools{}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, want := range []int{1, 2, 2} {
		if n := bytes.Count(reqs[i].Raw, []byte(`"cache_control"`)); n != want {
			t.Errorf("request %d carries %d cache breakpoints, want %d", i+1, n, want)
		}
	}
	u := resp.Usage
	if u.CacheWriteTokens == 0 || u.CacheReadTokens == 0 {
		t.Fatalf("usage %+v: the prompt was not cached and read back", u)
	}
	if u.CacheReadTokens <= u.CacheWriteTokens {
		t.Errorf("usage %+v: later rounds should read more than was written", u)
	}
	if want := 3*5 + u.CacheReadTokens + u.CacheWriteTokens; u.InputTokens != want {
		t.Errorf("input tokens %d, want every token sent (%d)", u.InputTokens, want)
	}
	full := priced("claude-sonnet-4-5", Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens})
	wantCost := (float64(15)*3 + float64(u.CacheReadTokens)*0.3 + float64(u.CacheWriteTokens)*3.75 + float64(u.OutputTokens)*15) / 1e6
	if !u.CostKnown || fmt.Sprintf("%.9f", u.CostUSD) != fmt.Sprintf("%.9f", wantCost) || u.CostUSD >= full.CostUSD {
		t.Errorf("cost %v (known %v), want %v, below the uncached %v", u.CostUSD, u.CostKnown, wantCost, full.CostUSD)
	}
}

// Without tools there is one round (a repair at most): nothing is cached,
// so nothing pays the cache write's premium.
func TestAnthropicWithoutToolsCachesNothing(t *testing.T) {
	s := agentfake.NewAnthropic(t, agentfake.Reply{ToolInput: `{"summary":"ok","comments":[],"patches":[]}`, ToolName: toolName})
	s.PromptCacheMinTokens = 1
	a := NewAnthropic(Config{AnthropicBaseURL: s.URL, AnthropicAPIKey: "k"})
	resp, err := a.Review(context.Background(), Request{Diff: cachePromptDiff()})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Requests()[0].Raw, []byte("cache_control")) || resp.Usage.CacheWriteTokens != 0 {
		t.Errorf("a single-round review asked for caching: %s", s.Requests()[0].Raw)
	}
}

// OpenAI caches prompts on its own: the cached part it reports is priced at
// the cached rate.
func TestOpenAICachedTokensArePricedApart(t *testing.T) {
	s := agentfake.NewOpenAI(t, agentfake.Reply{Text: `{"summary":"ok","comments":[],"patches":[]}`, InputTokens: 2000, CachedInputTokens: 1536, OutputTokens: 100})
	a := NewOpenAI(Config{OpenAIBaseURL: s.URL, OpenAIAPIKey: "k", Model: "gpt-4.1"})
	resp, err := a.Review(context.Background(), Request{Diff: cachePromptDiff()})
	if err != nil {
		t.Fatal(err)
	}
	u := resp.Usage
	want := (float64(2000-1536)*2 + 1536*0.5 + 100*8) / 1e6
	if u.InputTokens != 2000 || u.CacheReadTokens != 1536 || fmt.Sprintf("%.9f", u.CostUSD) != fmt.Sprintf("%.9f", want) {
		t.Errorf("usage %+v, want cost %v", u, want)
	}
}
