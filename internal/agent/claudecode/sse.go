package claudecode

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// wireMessage is a Messages API response, as the non-streamed endpoint
// returns it.
type wireMessage struct {
	ID           string      `json:"id"`
	Type         string      `json:"type"`
	Role         string      `json:"role"`
	Model        string      `json:"model"`
	Content      []wireBlock `json:"content"`
	StopReason   string      `json:"stop_reason"`
	StopSequence *string     `json:"stop_sequence"`
	Usage        wireUsage   `json:"usage"`
}

type wireBlock struct {
	Type  string          `json:"type"`
	Text  string          `json:"text,omitempty"`
	ID    string          `json:"id,omitempty"`
	Name  string          `json:"name,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

type wireUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// Default usage figures, so that every answer reports tokens.
const (
	defaultInputTokens  = 100
	defaultOutputTokens = 20
)

func (f *Fake) message(req Request, reply Reply) wireMessage {
	f.mu.Lock()
	f.nextID++
	id := f.nextID
	f.mu.Unlock()

	msg := wireMessage{
		ID: fmt.Sprintf("msg_fake_%d", id), Type: "message", Role: "assistant", Model: req.Model,
		StopReason: reply.StopReason,
		Usage:      wireUsage{InputTokens: reply.InputTokens, OutputTokens: reply.OutputTokens},
	}
	if msg.Model == "" {
		msg.Model = "claude-fake"
	}
	if msg.Usage.InputTokens == 0 {
		msg.Usage.InputTokens = defaultInputTokens
	}
	if msg.Usage.OutputTokens == 0 {
		msg.Usage.OutputTokens = defaultOutputTokens
	}
	usesTool := false
	for i, b := range reply.Blocks {
		if b.Tool == "" {
			msg.Content = append(msg.Content, wireBlock{Type: "text", Text: b.Text})
			continue
		}
		usesTool = true
		input, err := json.Marshal(b.Input)
		if err != nil || b.Input == nil {
			input = []byte("{}")
		}
		msg.Content = append(msg.Content, wireBlock{
			Type: "tool_use", ID: fmt.Sprintf("toolu_fake_%d_%d", id, i), Name: b.Tool, Input: input,
		})
	}
	if msg.StopReason == "" {
		msg.StopReason = "end_turn"
		if usesTool {
			msg.StopReason = "tool_use"
		}
	}
	return msg
}

// writeStream answers msg as the Server-Sent Events of a streamed Messages
// response: message_start, per block content_block_start / _delta / _stop,
// message_delta with the stop reason and output usage, message_stop.
func writeStream(w http.ResponseWriter, msg wireMessage) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	send := func(event string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		if flusher != nil {
			flusher.Flush()
		}
	}

	start := msg
	start.Content = []wireBlock{}
	start.StopReason = ""
	startJSON := map[string]any{
		"id": start.ID, "type": "message", "role": "assistant", "model": start.Model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": wireUsage{InputTokens: msg.Usage.InputTokens, OutputTokens: 1},
	}
	send("message_start", map[string]any{"type": "message_start", "message": startJSON})
	for i, b := range msg.Content {
		switch b.Type {
		case "text":
			send("content_block_start", map[string]any{"type": "content_block_start", "index": i,
				"content_block": map[string]any{"type": "text", "text": ""}})
			for _, chunk := range split(b.Text, 64) {
				send("content_block_delta", map[string]any{"type": "content_block_delta", "index": i,
					"delta": map[string]any{"type": "text_delta", "text": chunk}})
			}
		case "tool_use":
			send("content_block_start", map[string]any{"type": "content_block_start", "index": i,
				"content_block": map[string]any{"type": "tool_use", "id": b.ID, "name": b.Name, "input": map[string]any{}}})
			for _, chunk := range split(string(b.Input), 32) {
				send("content_block_delta", map[string]any{"type": "content_block_delta", "index": i,
					"delta": map[string]any{"type": "input_json_delta", "partial_json": chunk}})
			}
		}
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": i})
	}
	send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": msg.StopReason, "stop_sequence": nil},
		"usage": map[string]int{"output_tokens": msg.Usage.OutputTokens}})
	send("message_stop", map[string]any{"type": "message_stop"})
}

// split cuts s into pieces of at most about n bytes, on rune boundaries, so
// that clients see several deltas.
func split(s string, n int) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	for len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = n
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}
