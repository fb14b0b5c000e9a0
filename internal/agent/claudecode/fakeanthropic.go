package claudecode

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
)

// Block is one content block of a scripted model answer: text, or a tool_use
// that asks Claude Code to run one of its tools (Read, Edit, Write, Bash, …).
type Block struct {
	// Text is the text of a text block.
	Text string
	// Tool names the tool of a tool_use block; empty for text.
	Tool string
	// Input is the tool's input, marshalled to JSON.
	Input any
}

// TextBlock returns a text block.
func TextBlock(text string) Block { return Block{Text: text} }

// ToolUse returns a tool_use block calling tool with input.
func ToolUse(tool string, input any) Block { return Block{Tool: tool, Input: input} }

// Reply is one scripted model answer.
type Reply struct {
	Blocks []Block
	// StopReason defaults to "tool_use" when a block calls a tool, else "end_turn".
	StopReason string
	// InputTokens and OutputTokens are reported as usage; zero means a
	// fixed small default so that usage is never empty.
	InputTokens, OutputTokens int
}

// Request is one HTTP request the fake received, decoded where it is a
// Messages request.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	// Stream reports "stream": true.
	Stream bool
	// Model is the requested model.
	Model string
	// System is the concatenated text of the system prompt.
	System string
	// Tools lists the names of the tools the request declares.
	Tools []string
	// Messages is the conversation, as sent.
	Messages []Message
}

// Message is one message of a Messages request.
type Message struct {
	Role    string         `json:"role"`
	Content MessageContent `json:"content"`
}

// MessageContent is the content of a message: a string or a list of blocks,
// always decoded as blocks.
type MessageContent []ContentBlock

// UnmarshalJSON accepts both the string and the block-list forms.
func (c *MessageContent) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = MessageContent{{Type: "text", Text: s}}
		return nil
	}
	var blocks []ContentBlock
	if err := json.Unmarshal(b, &blocks); err != nil {
		return fmt.Errorf("decode message content: %w", err)
	}
	*c = blocks
	return nil
}

// ContentBlock is one block of a request message. For tool_result blocks,
// Text holds the result's text, whatever its form on the wire.
type ContentBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
}

// ResultText returns the text of a tool_result block's content.
func (b ContentBlock) ResultText() string {
	if len(b.Content) == 0 {
		return b.Text
	}
	var s string
	if json.Unmarshal(b.Content, &s) == nil {
		return s
	}
	var parts []ContentBlock
	if json.Unmarshal(b.Content, &parts) == nil {
		var out []string
		for _, p := range parts {
			out = append(out, p.Text)
		}
		return strings.Join(out, "\n")
	}
	return string(b.Content)
}

// ToolResults returns the tool_result blocks of all user messages, in order.
func (r Request) ToolResults() []ContentBlock {
	var out []ContentBlock
	for _, m := range r.Messages {
		for _, b := range m.Content {
			if b.Type == "tool_result" {
				out = append(out, b)
			}
		}
	}
	return out
}

// IsAgentTurn reports whether the request is a turn of the main agent loop
// (it declares tools) rather than a side request such as the session title.
func (r Request) IsAgentTurn() bool { return len(r.Tools) > 0 }

// assistantTurns counts the assistant messages already in the conversation:
// the index of the scripted reply the request asks for.
func (r Request) assistantTurns() int {
	n := 0
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			n++
		}
	}
	return n
}

// Turn returns the index of the scripted reply the request asks for: the
// number of assistant messages already in the conversation.
func (r Request) Turn() int { return r.assistantTurns() }

var cwdPattern = regexp.MustCompile(`(?i)working directory: *(/\S+)`)

// Cwd returns the working directory the agent's system prompt names (Claude
// Code states it as "Primary working directory: DIR"), or "".
func (r Request) Cwd() string {
	if m := cwdPattern.FindStringSubmatch(r.System); m != nil {
		return m[1]
	}
	for _, m := range r.Messages {
		for _, b := range m.Content {
			if m := cwdPattern.FindStringSubmatch(b.Text); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// Script decides the reply to an agent turn; false means there is none (the
// fake answers an API error).
type Script func(req Request) (Reply, bool)

// Fake is a scripted Anthropic Messages API server. Agent turns (requests
// that declare tools) are answered by its Script; side requests (title,
// summaries, classifiers) get a short text. Every request is recorded.
type Fake struct {
	*httptest.Server

	mu       sync.Mutex
	script   Script
	side     Reply
	requests []Request
	nextID   int
}

// NewFake starts a fake answering agent turn i with script[i], where i
// counts the assistant messages already in the conversation.
func NewFake(script ...Reply) *Fake {
	return NewFakeFunc(func(req Request) (Reply, bool) {
		if i := req.Turn(); i < len(script) {
			return script[i], true
		}
		return Reply{}, false
	})
}

// NewFakeFunc starts a fake whose agent turns are answered by script, for
// replies that depend on the request (such as paths under the agent's
// working directory).
func NewFakeFunc(script Script) *Fake {
	f := &Fake{script: script, side: Reply{Blocks: []Block{TextBlock("Code review")}}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Requests returns a copy of the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// AgentTurns returns the recorded agent-turn Messages requests.
func (f *Fake) AgentTurns() []Request {
	var out []Request
	for _, r := range f.Requests() {
		if r.Path == "/v1/messages" && r.IsAgentTurn() {
			out = append(out, r)
		}
	}
	return out
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/messages") {
		if err := decodeMessages(body, &req); err != nil {
			f.record(req)
			writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
	}
	f.record(req)

	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages/count_tokens":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"input_tokens": estimateTokens(body)})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
		reply, ok := f.replyFor(req)
		if !ok {
			writeError(w, http.StatusInternalServerError, "api_error",
				fmt.Sprintf("fake: no scripted reply for agent turn %d", req.assistantTurns()))
			return
		}
		msg := f.message(req, reply)
		if req.Stream {
			writeStream(w, msg)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(msg)
	default:
		writeError(w, http.StatusNotFound, "not_found_error", "fake: no route "+r.Method+" "+r.URL.Path)
	}
}

func (f *Fake) record(r Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
}

func (f *Fake) replyFor(req Request) (Reply, bool) {
	if !req.IsAgentTurn() {
		return f.side, true
	}
	return f.script(req)
}

func decodeMessages(body []byte, req *Request) error {
	var wire struct {
		Model    string          `json:"model"`
		Stream   bool            `json:"stream"`
		System   json.RawMessage `json:"system"`
		Messages []Message       `json:"messages"`
		Tools    []struct {
			Name string `json:"name"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return fmt.Errorf("decode messages request: %w", err)
	}
	req.Model, req.Stream, req.Messages = wire.Model, wire.Stream, wire.Messages
	for _, t := range wire.Tools {
		req.Tools = append(req.Tools, t.Name)
	}
	if len(wire.System) > 0 {
		var system MessageContent
		if err := system.UnmarshalJSON(wire.System); err != nil {
			return fmt.Errorf("decode system prompt: %w", err)
		}
		var parts []string
		for _, b := range system {
			parts = append(parts, b.Text)
		}
		req.System = strings.Join(parts, "\n")
	}
	return nil
}

// estimateTokens is a rough count, enough for count_tokens: 4 bytes a token.
func estimateTokens(body []byte) int { return len(body)/4 + 1 }

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":  "error",
		"error": map[string]string{"type": kind, "message": msg},
	})
}
