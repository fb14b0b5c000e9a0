package agentfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// NewAnthropic starts a fake Anthropic API: POST /v1/messages (non-streamed)
// and POST /v1/messages/count_tokens. Point ANTHROPIC_BASE_URL (or the
// client's base URL) at s.URL.
func NewAnthropic(t testing.TB, replies ...Reply) *Server {
	return newServer(t, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("POST /v1/messages/count_tokens", func(w http.ResponseWriter, r *http.Request) {
			req, _ := s.next(r)
			writeJSON(w, http.StatusOK, nil, map[string]any{"input_tokens": (len(req.Raw) + 3) / 4})
		})
		mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) {
			req, rep := s.next(r)
			if !wait(r, rep.Delay) {
				return
			}
			if rep.Status != 0 && rep.Status != http.StatusOK {
				writeJSON(w, rep.Status, rep.Header, map[string]any{
					"type":  "error",
					"error": map[string]any{"type": anthropicErrorType(rep.Status), "message": rep.ErrorMessage},
				})
				return
			}
			msg := AnthropicMessage(req, rep)
			read, written := s.promptCacheUsage(req)
			usage := msg["usage"].(map[string]any)
			usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"] = read, written
			writeJSON(w, http.StatusOK, withRequestID(rep.Header), msg)
		})
		return mux
	}, replies)
}

// AnthropicMessage renders rep as a Messages API response to req: a text
// block for Text, a tool_use block for ToolInput.
func AnthropicMessage(req Request, rep Reply) map[string]any {
	var content []any
	if rep.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": rep.Text})
	}
	stop := "end_turn"
	for _, c := range rep.Calls {
		content = append(content, map[string]any{"type": "tool_use", "id": newID("toolu_"), "name": c.Name, "input": json.RawMessage(c.Input)})
		stop = "tool_use"
	}
	if rep.ToolInput != "" {
		name := rep.ToolName
		if name == "" {
			name = forcedTool(req)
		}
		content = append(content, map[string]any{"type": "tool_use", "id": newID("toolu_"), "name": name, "input": json.RawMessage(rep.ToolInput)})
		stop = "tool_use"
	}
	if content == nil {
		content = []any{}
	}
	model, _ := req.Body["model"].(string)
	return map[string]any{
		"id": newID("msg_"), "type": "message", "role": "assistant", "model": model,
		"content": content, "stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens": rep.InputTokens, "output_tokens": rep.OutputTokens,
			"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
		},
	}
}

// forcedTool returns the tool named by the request's tool_choice, or "".
func forcedTool(req Request) string {
	if tc, ok := req.Body["tool_choice"].(map[string]any); ok {
		if name, ok := tc["name"].(string); ok {
			return name
		}
	}
	return ""
}

func withRequestID(h http.Header) http.Header {
	out := http.Header{"Request-Id": {newID("req_")}}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func anthropicErrorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == 529:
		return "overloaded_error"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status >= 500:
		return "api_error"
	default:
		return "invalid_request_error"
	}
}

// LastUserText returns the text of the last user message of an Anthropic
// request (text blocks and tool results joined).
func LastUserText(req Request) string {
	msgs, _ := req.Body["messages"].([]any)
	for i := len(msgs) - 1; i >= 0; i-- {
		m, _ := msgs[i].(map[string]any)
		if m["role"] != "user" {
			continue
		}
		return contentText(m["content"])
	}
	return ""
}

func contentText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, b := range c {
			bm, _ := b.(map[string]any)
			if t, ok := bm["text"].(string); ok {
				parts = append(parts, t)
			}
			if inner, ok := bm["content"]; ok {
				parts = append(parts, contentText(inner))
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}
