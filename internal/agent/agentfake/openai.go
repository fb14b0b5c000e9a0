package agentfake

import (
	"net/http"
	"testing"
	"time"
)

// NewOpenAI starts a fake OpenAI-compatible API: POST /chat/completions and
// POST /v1/chat/completions (non-streamed). Point OPENAI_BASE_URL (or the
// client's base URL) at s.URL or s.URL+"/v1".
func NewOpenAI(t testing.TB, replies ...Reply) *Server {
	return newServer(t, func(s *Server) http.Handler {
		mux := http.NewServeMux()
		h := func(w http.ResponseWriter, r *http.Request) {
			req, rep := s.next(r)
			if !wait(r, rep.Delay) {
				return
			}
			if rep.Status != 0 && rep.Status != http.StatusOK {
				writeJSON(w, rep.Status, rep.Header, map[string]any{"error": map[string]any{
					"message": rep.ErrorMessage, "type": openAIErrorType(rep.Status), "param": nil, "code": nil,
				}})
				return
			}
			model, _ := req.Body["model"].(string)
			message := map[string]any{"role": "assistant", "content": rep.Text, "refusal": nil}
			finish := "stop"
			if len(rep.Calls) > 0 {
				var calls []any
				for _, c := range rep.Calls {
					calls = append(calls, map[string]any{"id": newID("call_"), "type": "function",
						"function": map[string]any{"name": c.Name, "arguments": c.Input}})
				}
				message["tool_calls"], message["content"], finish = calls, nil, "tool_calls"
			}
			writeJSON(w, http.StatusOK, rep.Header, map[string]any{
				"id": newID("chatcmpl-"), "object": "chat.completion", "created": time.Now().Unix(), "model": model,
				"choices": []any{map[string]any{
					"index": 0, "finish_reason": finish, "logprobs": nil,
					"message": message,
				}},
				"usage": map[string]any{
					"prompt_tokens": rep.InputTokens, "completion_tokens": rep.OutputTokens,
					"total_tokens":          rep.InputTokens + rep.OutputTokens,
					"prompt_tokens_details": map[string]any{"cached_tokens": rep.CachedInputTokens},
				},
			})
		}
		mux.HandleFunc("POST /chat/completions", h)
		mux.HandleFunc("POST /v1/chat/completions", h)
		return mux
	}, replies)
}

func openAIErrorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request_error"
	}
}

// LastUserMessage returns the content of the last user message of a Chat
// Completions request.
func LastUserMessage(req Request) string {
	msgs, _ := req.Body["messages"].([]any)
	for i := len(msgs) - 1; i >= 0; i-- {
		m, _ := msgs[i].(map[string]any)
		if m["role"] == "user" {
			return contentText(m["content"])
		}
	}
	return ""
}
