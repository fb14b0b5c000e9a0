// Package agentfake holds fake LLM provider servers for tests: an Anthropic
// Messages API and an OpenAI Chat Completions API, speaking their real JSON
// wire formats over httptest, answering from a script of replies.
package agentfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Reply is one scripted answer.
type Reply struct {
	// Status is the HTTP status; 0 means 200. Other statuses answer with the
	// provider's error body, carrying ErrorMessage.
	Status       int
	ErrorMessage string
	// Header is added to the response (e.g. "retry-after-ms").
	Header http.Header
	// Delay holds the answer back (or until the client gives up).
	Delay time.Duration
	// Text is the assistant's text: the OpenAI message content, or an
	// Anthropic text block.
	Text string
	// ToolInput, for Anthropic, is the raw JSON input of a tool_use block
	// for the tool the request forces (or ToolName).
	ToolInput string
	ToolName  string
	// Calls are tool calls the model makes in this turn: Anthropic
	// tool_use blocks (before any ToolInput block), OpenAI tool_calls.
	Calls []ToolCall
	// InputTokens and OutputTokens are the usage reported.
	InputTokens, OutputTokens int
	// CachedInputTokens, for OpenAI, is the part of InputTokens reported
	// as read from its prompt cache (prompt_tokens_details.cached_tokens).
	CachedInputTokens int
}

// ToolCall is one scripted tool call.
type ToolCall struct {
	Name string
	// Input is the raw JSON arguments.
	Input string
}

// Request is one request the server received.
type Request struct {
	Method, Path string
	Header       http.Header
	Raw          []byte
	// Body is Raw decoded.
	Body map[string]any
}

// Server is a fake provider.
type Server struct {
	*httptest.Server
	// OnRequest, when set, answers instead of the script when it returns a reply.
	OnRequest func(Request) *Reply
	// PromptCacheMinTokens is the shortest prefix, in estimated tokens
	// (four bytes of JSON each), the fake Anthropic API caches; 0 means
	// DefaultPromptCacheMinTokens.
	PromptCacheMinTokens int

	mu          sync.Mutex
	script      []Reply
	requests    []Request
	promptCache map[string]bool // written prefixes
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Push appends replies to the script.
func (s *Server) Push(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// next records req and returns the reply for it.
func (s *Server) next(r *http.Request) (Request, Reply) {
	raw, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: raw}
	_ = json.Unmarshal(raw, &req.Body)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	if s.OnRequest != nil {
		if rep := s.OnRequest(req); rep != nil {
			return req, *rep
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return req, Reply{Status: http.StatusInternalServerError, ErrorMessage: "agentfake: no scripted reply left", Header: http.Header{"X-Should-Retry": {"false"}}}
	}
	rep := s.script[0]
	s.script = s.script[1:]
	return req, rep
}

// wait holds the answer for d or until the client leaves.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeJSON(w http.ResponseWriter, status int, h http.Header, v any) {
	for k, vs := range h {
		for _, x := range vs {
			w.Header().Add(k, x)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newServer(t testing.TB, handler func(s *Server) http.Handler, replies []Reply) *Server {
	s := &Server{script: append([]Reply(nil), replies...)}
	s.Server = httptest.NewServer(handler(s))
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

var idCounter struct {
	sync.Mutex
	n int
}

func newID(prefix string) string {
	idCounter.Lock()
	defer idCounter.Unlock()
	idCounter.n++
	return fmt.Sprintf("%s%06d", prefix, idCounter.n)
}
