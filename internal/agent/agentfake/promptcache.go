package agentfake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// Anthropic's prompt cache, as its documentation describes it: a request's
// prefix — tools, then system, then messages, in blocks — up to a block
// marked cache_control is written to the cache when it is long enough; a
// later request reads the longest written prefix that ends at one of its
// breakpoints or at one of the 20 blocks before its last one. Usage then
// reports cache_read_input_tokens and cache_creation_input_tokens beside
// input_tokens (the scripted tokens after the cached prefix).

// DefaultPromptCacheMinTokens is the shortest prefix the fake caches when
// Server.PromptCacheMinTokens is 0: Sonnet 4's minimum.
const DefaultPromptCacheMinTokens = 1024

// cacheLookback is how many blocks before a breakpoint the API looks for a
// cached prefix.
const cacheLookback = 20

// promptCacheUsage updates the server's cache for req and returns the
// tokens read from it and written to it.
func (s *Server) promptCacheUsage(req Request) (read, written int) {
	blocks, breakpoints := cacheBlocks(req.Body)
	if len(breakpoints) == 0 {
		return 0, 0
	}
	// prefixes[i] is the key and size of blocks[:i+1].
	type prefix struct {
		key    string
		tokens int
	}
	prefixes := make([]prefix, len(blocks))
	h := sha256.New()
	tokens := 0
	for i, b := range blocks {
		h.Write(b)
		tokens += (len(b) + 3) / 4
		prefixes[i] = prefix{fmt.Sprintf("%x", h.Sum(nil)), tokens}
	}
	minTokens := s.PromptCacheMinTokens
	if minTokens <= 0 {
		minTokens = DefaultPromptCacheMinTokens
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.promptCache == nil {
		s.promptCache = map[string]bool{}
	}
	last := breakpoints[len(breakpoints)-1]
	for i := last; i >= 0 && i >= last-cacheLookback; i-- {
		if s.promptCache[prefixes[i].key] {
			read = prefixes[i].tokens
			break
		}
	}
	for _, bp := range breakpoints {
		if p := prefixes[bp]; p.tokens >= minTokens && !s.promptCache[p.key] {
			s.promptCache[p.key] = true
		}
	}
	if prefixes[last].tokens >= minTokens {
		written = prefixes[last].tokens - read
	}
	return read, written
}

// cacheBlocks flattens a Messages request into the blocks its cache prefix
// is made of, without their cache_control, and the indexes of the blocks
// that carried one.
func cacheBlocks(body map[string]any) (blocks [][]byte, breakpoints []int) {
	add := func(role string, v any) {
		m, ok := v.(map[string]any)
		marked := false
		if ok {
			_, marked = m["cache_control"]
			c := make(map[string]any, len(m))
			for k, x := range m {
				if k != "cache_control" {
					c[k] = x
				}
			}
			v = c
		}
		b, _ := json.Marshal(map[string]any{"role": role, "block": v})
		if marked {
			breakpoints = append(breakpoints, len(blocks))
		}
		blocks = append(blocks, b)
	}
	tools, _ := body["tools"].([]any)
	for _, t := range tools {
		add("tool", t)
	}
	switch sys := body["system"].(type) {
	case string:
		add("system", map[string]any{"type": "text", "text": sys})
	case []any:
		for _, b := range sys {
			add("system", b)
		}
	}
	msgs, _ := body["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		role, _ := mm["role"].(string)
		switch c := mm["content"].(type) {
		case string:
			add(role, map[string]any{"type": "text", "text": c})
		case []any:
			for _, b := range c {
				add(role, b)
			}
		}
	}
	return blocks, breakpoints
}
