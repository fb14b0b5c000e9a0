// Package agent adds an AI reviewer's comments and patches on top of the
// built-in review, whatever the vendor: the Anthropic Messages API, any
// OpenAI-compatible Chat Completions server, or any program speaking the
// Agent Client Protocol.
//
// Everything an agent returns is hostile input: it is parsed against one
// documented schema, comments are kept only on lines of the diff, and each
// patch must apply to the head and compile before it is shown to anyone
// (see [Augment]).
package agent

import (
	"context"
	"errors"

	"github.com/symposium-dev/symposium/review"
)

// Agent reviews one pull request.
type Agent interface {
	// Review asks the agent for a review. The Response has passed the schema
	// check (after at most one repair round); its content is not validated
	// against the diff yet.
	Review(ctx context.Context, req Request) (Response, error)
}

// Request is what an agent is told about a pull request.
type Request struct {
	// Title and Body are the pull request's, written by its author: untrusted.
	Title string
	Body  string
	// Diff is the unified diff from the base to the head (git diff format).
	Diff string
	// Findings are the compiler and clippy diagnostics; only those on lines
	// of Diff reach the prompt.
	Findings []review.Diagnostic
	// Instructions are the repository's free-text instructions for the agent
	// (from .github/symposium.toml).
	Instructions string
	// HeadFile returns a file of the head revision, for the context around
	// changed lines; nil means no context.
	HeadFile func(path string) ([]byte, bool)
	// TokenBudget caps the prompt's estimated tokens; 0 means DefaultTokenBudget.
	TokenBudget int
	// CheckoutDir is a scratch copy of the head checkout; only the acp
	// backend uses it, and it never writes there.
	CheckoutDir string
	// Unsafe lists the unsafe code the pull request adds, with its SAFETY
	// comments (untrusted); the agent is asked to check each argument.
	Unsafe []review.UnsafeItem
	// Skills are the skills that apply to the repository (see
	// internal/skills): the prompt indexes them (bodies through the skill
	// tool) or, without Tools, inlines them within the budget.
	Skills []Skill
	// Tools are the Rust tools the agent may call; nil means none.
	Tools Tools
}

// Response is the agent's answer, in the documented schema (see Schema).
type Response struct {
	Summary  string    `json:"summary"`
	Comments []Comment `json:"comments"`
	Patches  []Patch   `json:"patches"`
	// Usage is what the call cost; it is not part of the agent's JSON.
	Usage Usage `json:"-"`
}

// Comment is one inline comment proposed by the agent.
type Comment struct {
	Path string `json:"path"`
	// Line is the last line (head side) the comment is about.
	Line int `json:"line"`
	// StartLine is the first line of a multi-line comment, or 0.
	StartLine int `json:"start_line"`
	// Severity is "error", "warning" or "note".
	Severity string `json:"severity"`
	Body     string `json:"body"`
}

// Patch is one change proposed by the agent.
type Patch struct {
	Description string `json:"description"`
	// Diff is a unified diff against the head.
	Diff string `json:"diff"`
}

// Usage counts the tokens of one review and its cost.
type Usage struct {
	// InputTokens counts every token sent, read from the provider's prompt
	// cache or not.
	InputTokens  int64
	OutputTokens int64
	// CacheReadTokens and CacheWriteTokens are the part of InputTokens the
	// provider read from, or wrote to, its prompt cache (priced apart).
	CacheReadTokens, CacheWriteTokens int64
	// CostUSD is the cost in US dollars; meaningful only when CostKnown.
	CostUSD   float64
	CostKnown bool
}

// Add returns the sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:      u.InputTokens + v.InputTokens,
		OutputTokens:     u.OutputTokens + v.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + v.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + v.CacheWriteTokens,
		CostUSD:          u.CostUSD + v.CostUSD,
		CostKnown:        u.CostKnown || v.CostKnown,
	}
}

// Total returns input plus output tokens.
func (u Usage) Total() int64 { return u.InputTokens + u.OutputTokens }

// ErrUnavailable wraps every failure to get an answer from an agent (network,
// rate limits after retries, timeouts, answers that stay malformed).
var ErrUnavailable = errors.New("agent unavailable")

// None is the backend of SYMPOSIUM_AGENT=none: it never reviews.
type None struct{}

// Review returns an empty response.
func (None) Review(context.Context, Request) (Response, error) { return Response{}, nil }
