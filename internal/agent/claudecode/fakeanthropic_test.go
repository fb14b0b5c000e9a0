package claudecode

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// The fake must speak the wire format the official SDK parses: these tests
// drive it with anthropic-sdk-go, streamed and not.
func TestFakeSpeaksMessagesAPI(t *testing.T) {
	script := []Reply{
		{Blocks: []Block{TextBlock("Reading."), ToolUse("Read", map[string]any{"file_path": "/w/src/lib.rs"})}, InputTokens: 50, OutputTokens: 7},
		{Blocks: []Block{TextBlock(`{"summary":"ok","comments":[],"patches":[]}`)}},
	}
	tools := []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name: "Read", InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"file_path": map[string]any{"type": "string"}}},
	}}}
	first := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("review"))}

	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "json", true: "sse"}[stream], func(t *testing.T) {
			fake := NewFake(script...)
			defer fake.Close()
			client := anthropic.NewClient(option.WithBaseURL(fake.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
			ctx := context.Background()
			params := anthropic.MessageNewParams{Model: "claude-test", MaxTokens: 100, Messages: first, Tools: tools,
				System: []anthropic.TextBlockParam{{Text: "You review Rust."}}}

			var msg anthropic.Message
			if stream {
				s := client.Messages.NewStreaming(ctx, params)
				for s.Next() {
					if err := msg.Accumulate(s.Current()); err != nil {
						t.Fatalf("accumulate: %v", err)
					}
				}
				if err := s.Err(); err != nil {
					t.Fatalf("stream: %v", err)
				}
			} else {
				m, err := client.Messages.New(ctx, params)
				if err != nil {
					t.Fatalf("messages: %v", err)
				}
				msg = *m
			}
			if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 2 {
				t.Fatalf("stop %q, %d blocks; want tool_use with 2 blocks", msg.StopReason, len(msg.Content))
			}
			if msg.Content[0].Text != "Reading." {
				t.Errorf("text = %q", msg.Content[0].Text)
			}
			tu := msg.Content[1]
			if tu.Type != "tool_use" || tu.Name != "Read" || !strings.Contains(string(tu.Input), `"file_path":"/w/src/lib.rs"`) {
				t.Errorf("tool_use = %s %s %s", tu.Type, tu.Name, tu.Input)
			}
			if msg.Usage.InputTokens != 50 || msg.Usage.OutputTokens != 7 {
				t.Errorf("usage = %d/%d, want 50/7", msg.Usage.InputTokens, msg.Usage.OutputTokens)
			}

			// Second turn: the tool result goes back and is recorded.
			params.Messages = append(first, msg.ToParam(), anthropic.NewUserMessage(anthropic.NewToolResultBlock(tu.ID, "fn main() {}", false)))
			m2, err := client.Messages.New(ctx, params)
			if err != nil {
				t.Fatalf("second turn: %v", err)
			}
			if m2.StopReason != anthropic.StopReasonEndTurn || !strings.Contains(m2.Content[0].Text, `"summary":"ok"`) {
				t.Errorf("second turn = %q %+v", m2.StopReason, m2.Content)
			}
			turns := fake.AgentTurns()
			if len(turns) != 2 {
				t.Fatalf("recorded %d agent turns, want 2", len(turns))
			}
			if turns[0].Stream != stream || turns[0].System != "You review Rust." || turns[0].Tools[0] != "Read" {
				t.Errorf("recorded first turn = stream %v system %q tools %v", turns[0].Stream, turns[0].System, turns[0].Tools)
			}
			results := turns[1].ToolResults()
			if len(results) != 1 || results[0].ToolUseID != tu.ID || results[0].ResultText() != "fn main() {}" {
				t.Errorf("recorded tool results = %+v", results)
			}

			// Past the script: a clear API error, not a hang.
			params.Messages = append(params.Messages, m2.ToParam(), anthropic.NewUserMessage(anthropic.NewTextBlock("more")))
			if _, err := client.Messages.New(ctx, params); err == nil || !strings.Contains(err.Error(), "no scripted reply") {
				t.Errorf("past the script: err = %v", err)
			}
		})
	}
}

func TestFakeSideRequestsAndCountTokens(t *testing.T) {
	fake := NewFake()
	defer fake.Close()
	client := anthropic.NewClient(option.WithBaseURL(fake.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	ctx := context.Background()
	msgs := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("name this session"))}
	m, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: "m", MaxTokens: 10, Messages: msgs})
	if err != nil || m.Content[0].Text != "Code review" {
		t.Fatalf("title request: %v %+v", err, m)
	}
	n, err := client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: "m", Messages: msgs})
	if err != nil || n.InputTokens <= 0 {
		t.Fatalf("count_tokens: %v %+v", err, n)
	}
	resp, err := http.Get(fake.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Type string } `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusNotFound || body.Error.Type != "not_found_error" {
		t.Errorf("unknown route: %d %v %+v", resp.StatusCode, err, body)
	}
	if got := len(fake.Requests()); got != 3 {
		t.Errorf("recorded %d requests, want 3", got)
	}
}
