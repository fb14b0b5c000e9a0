package review

// This file holds the engine's input and output types. Inputs come from
// internal/cargo (diagnostics) and internal/agent (agent findings); the
// output is the JSON contract of `symposium review --format json`.

// Source says which tool produced a finding.
type Source string

// The sources a finding can have.
const (
	SourceRustc   Source = "rustc"
	SourceClippy  Source = "clippy"
	SourceRustfmt Source = "rustfmt"
	SourceAgent   Source = "agent"
)

// Severity is the level of a finding as shown to users.
type Severity string

// The severities a finding can have.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Applicability is rustc's confidence that a suggested replacement is right.
type Applicability string

// The applicabilities rustc reports.
const (
	MachineApplicable Applicability = "MachineApplicable"
	MaybeIncorrect    Applicability = "MaybeIncorrect"
	HasPlaceholders   Applicability = "HasPlaceholders"
	Unspecified       Applicability = "Unspecified"
)

// Span is a range of text in a file of the head revision, as rustc reports
// it: lines and columns are 1-based, columns count characters (not bytes),
// and ColumnEnd is exclusive.
type Span struct {
	// Path is relative to the repository root, slash-separated.
	Path        string `json:"path"`
	LineStart   int    `json:"line_start"`
	LineEnd     int    `json:"line_end"`
	ColumnStart int    `json:"column_start"`
	ColumnEnd   int    `json:"column_end"`
	Primary     bool   `json:"primary,omitempty"`
	Label       string `json:"label,omitempty"`
}

// Edit replaces the text of Span with Replacement.
type Edit struct {
	Span        Span   `json:"span"`
	Replacement string `json:"replacement"`
}

// Fix is one suggested change: every edit of it applies together.
type Fix struct {
	Message       string        `json:"message"`
	Applicability Applicability `json:"applicability"`
	Edits         []Edit        `json:"edits"`
}

// Diagnostic is one message of a tool about the head revision.
type Diagnostic struct {
	Source Source `json:"source"`
	// Rule names the lint or error: "clippy::len_zero", "unused_variables",
	// "E0308", "rustfmt". Empty when the tool gives none.
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Spans lists the primary span first, then secondary spans.
	Spans []Span `json:"spans"`
	// Notes are the child messages (note:, help:) that carry no fix.
	Notes []string `json:"notes,omitempty"`
	// Fixes are the suggested replacements, from the children of the message.
	Fixes []Fix `json:"fixes,omitempty"`
	// Rendered is the tool's own human-readable text, for summaries.
	Rendered string `json:"rendered,omitempty"`
}

// Primary returns the primary span, or false when the diagnostic has none
// (for example "aborting due to previous error").
func (d Diagnostic) Primary() (Span, bool) {
	for _, s := range d.Spans {
		if s.Primary {
			return s, true
		}
	}
	return Span{}, false
}

// Side values of a comment, as GitHub names them.
const (
	SideRight = "RIGHT"
	SideLeft  = "LEFT"
)

// Comment is one inline review comment, in the JSON contract.
type Comment struct {
	Path      string   `json:"path"`
	Line      int      `json:"line"`
	StartLine int      `json:"start_line"`
	Side      string   `json:"side"`
	Source    Source   `json:"source"`
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	Body      string   `json:"body"`
	// Suggestion is the replacement for lines StartLine..Line: its lines
	// joined by "\n", without a final newline ("" is one empty line), or
	// nil when the comment suggests nothing.
	Suggestion *string `json:"suggestion"`
	// Delete is true when the suggestion removes lines StartLine..Line
	// (Suggestion is then ""), rather than replacing them.
	Delete      bool   `json:"delete,omitempty"`
	Fingerprint string `json:"fingerprint"`
}

// Stats counts what a review looked at, in the JSON contract.
type Stats struct {
	DiagnosticsTotal  int   `json:"diagnostics_total"`
	DiagnosticsOnDiff int   `json:"diagnostics_on_diff"`
	Comments          int   `json:"comments"`
	DurationMS        int64 `json:"duration_ms"`
	// The agent's figures, present only when an agent ran.
	AgentTokensIn  int64   `json:"agent_tokens_in,omitempty"`
	AgentTokensOut int64   `json:"agent_tokens_out,omitempty"`
	AgentCostUSD   float64 `json:"agent_cost_usd,omitempty"`
	// Skills the agent was offered (indexed or inlined) and loaded, and
	// the tool calls it made.
	AgentSkillsOffered int `json:"agent_skills_offered,omitempty"`
	AgentSkillsLoaded  int `json:"agent_skills_loaded,omitempty"`
	AgentToolCalls     int `json:"agent_tool_calls,omitempty"`
}

// Result is a whole review, in the JSON contract.
type Result struct {
	BaseSHA  string    `json:"base_sha"`
	HeadSHA  string    `json:"head_sha"`
	Summary  string    `json:"summary"`
	Comments []Comment `json:"comments"`
	Stats    Stats     `json:"stats"`
	// Incomplete says why the findings are partial or missing (cargo could
	// not run on the head or build it, clippy's output exceeded its cap);
	// empty when the review saw everything.
	Incomplete string `json:"incomplete,omitempty"`

	// Findings lists every diagnostic of the review that has a location,
	// inline or not, sorted, for check-run annotations. Not in the JSON
	// contract.
	Findings []Finding `json:"-"`
	// CompileError is true when the compiler reported an error anywhere:
	// the analysis of the head is incomplete.
	CompileError bool `json:"-"`
	// CompileErrorOnDiff is true when a compiler error sits on a line the
	// filter keeps: the pull request breaks the build.
	CompileErrorOnDiff bool `json:"-"`
	// SummaryFixes counts the findings on the changed lines whose fix is
	// listed in the summary instead of a comment (rustfmt comments =
	// "summary"): the publisher offers to apply them.
	SummaryFixes int `json:"-"`

	// summary holds what the summary is rendered from, so that it can be
	// rendered again with the agent's review (SetAgentReview).
	summary *summaryState
}

// AgentReview is what an agent adds to a review's summary.
type AgentReview struct {
	// Summary is the agent's Markdown, untrusted: it is rendered through
	// EscapeMarkdown.
	Summary string
	// Note is Symposium's one-line account of the agent's run.
	Note string
}

// Finding is one diagnostic as the publisher needs it for check-run
// annotations, whether or not it became an inline comment.
type Finding struct {
	Path string
	// Line and EndLine are the primary span's lines in the head.
	Line, EndLine int
	Source        Source
	Rule          string
	Severity      Severity
	Message       string
	Fingerprint   string
	// OnDiff is true when the filter kept the finding; Inline when it
	// became (part of) an inline comment (it may be OnDiff but capped).
	OnDiff, Inline bool
	// Ignored is true when the path matched an ignore glob.
	Ignored bool
}
