package agent

import (
	"context"
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// Skill is one applicable skill as the prompt shows it.
type Skill struct {
	Name        string
	Description string
	// Crates are the crates the skill is about; skills for crates the
	// changed files use come first.
	Crates []string
	// Body is inlined when the backend has no tools.
	Body string
}

// ToolSpec describes one tool an agent may call.
type ToolSpec struct {
	Name        string
	Description string
	// InputSchema is the JSON schema of the arguments (an object).
	InputSchema map[string]any
}

// Tools are the Rust tools an agent may call during a review: crate_info,
// read_crate_file, search_crate, skill and cargo_check. They run in this
// process (cargo_check in the build sandbox); the agent sees only their
// answers.
type Tools interface {
	// Specs lists the tools.
	Specs() []ToolSpec
	// Call runs one tool. A refusal or failure is a result with isError,
	// which the agent reads; it is not an error of the review.
	Call(ctx context.Context, name string, args json.RawMessage) (text string, isError bool)
	// ServeMCP serves the tools over MCP (JSON-RPC, newline-delimited) on
	// conn until it closes: how ACP agents reach them.
	ServeMCP(ctx context.Context, conn io.ReadWriteCloser) error
	// Counts returns the tool calls answered so far and how many of them
	// loaded a skill.
	Counts() (calls, skillsLoaded int)
}

// Tool-loop bounds for the backends that call tools natively.
const (
	// MaxToolCalls caps the tool calls of one review.
	MaxToolCalls = 12
	// maxToolResultChars caps one tool result in the conversation.
	maxToolResultChars = 16000
)

// capResult cuts a tool result to maxToolResultChars.
func capResult(s string) string {
	if len(s) > maxToolResultChars {
		return s[:maxToolResultChars] + "\n…(cut)"
	}
	return s
}

// rankSkills orders skills: those about crates the changed code uses, then
// those about no crate in particular, then the rest; stable otherwise.
func rankSkills(skills []Skill, d *review.Diff, headFile func(string) ([]byte, bool)) (ranked []Skill, relevant []bool) {
	var text strings.Builder
	for _, f := range d.Files {
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				text.WriteString(l.Text)
			}
		}
		if headFile != nil && strings.HasSuffix(f.NewPath, ".rs") {
			if b, ok := headFile(f.NewPath); ok && len(b) < 1<<20 {
				text.Write(b)
			}
		}
	}
	code := text.String()
	rank := func(s Skill) int {
		if len(s.Crates) == 0 {
			return 1
		}
		for _, c := range s.Crates {
			if usesCrate(code, c) {
				return 0
			}
		}
		return 2
	}
	ranked = append([]Skill(nil), skills...)
	sort.SliceStable(ranked, func(i, j int) bool { return rank(ranked[i]) < rank(ranked[j]) })
	relevant = make([]bool, len(ranked))
	for i, s := range ranked {
		relevant[i] = rank(s) < 2
	}
	return ranked, relevant
}

// usesCrate reports code naming crate as a path root or in a use.
func usesCrate(code, crate string) bool {
	ident := regexp.QuoteMeta(strings.ReplaceAll(crate, "-", "_"))
	re := regexp.MustCompile(`(^|[^\w:])` + ident + `::|\b(use|extern crate)\s+` + ident + `\b`)
	return re.MatchString(code)
}

// toolLoop bounds the tool calls of one native tool-use conversation: at
// most MaxToolCalls calls, and tool results count against the prompt's
// token budget.
type toolLoop struct {
	tools  Tools
	budget int // tokens left for tool results
	calls  int
	rounds int
}

func newToolLoop(req Request, p Prompt) *toolLoop {
	return &toolLoop{tools: req.Tools, budget: budgetOf(req) - p.Tokens}
}

// done reports that no more tool calls are allowed.
func (l *toolLoop) done() bool { return l.tools == nil || l.calls >= MaxToolCalls || l.budget <= 0 }

// call runs one tool call within the bounds.
func (l *toolLoop) call(ctx context.Context, name string, args json.RawMessage) (string, bool) {
	if l.done() {
		return "No more tool calls: submit the review now.", true
	}
	l.calls++
	text, isErr := l.tools.Call(ctx, name, args)
	text = capResult(text)
	l.budget -= EstimateTokens(text)
	return text, isErr
}
