package cargo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// message is one line of `cargo --message-format=json`.
type message struct {
	Reason  string           `json:"reason"`
	Message *compilerMessage `json:"message"`
}

// compilerMessage is rustc's JSON diagnostic.
type compilerMessage struct {
	Message string `json:"message"`
	Code    *struct {
		Code string `json:"code"`
	} `json:"code"`
	Level    string            `json:"level"`
	Spans    []compilerSpan    `json:"spans"`
	Children []compilerMessage `json:"children"`
	Rendered string            `json:"rendered"`
}

type compilerSpan struct {
	FileName                string  `json:"file_name"`
	LineStart               int     `json:"line_start"`
	LineEnd                 int     `json:"line_end"`
	ColumnStart             int     `json:"column_start"`
	ColumnEnd               int     `json:"column_end"`
	IsPrimary               bool    `json:"is_primary"`
	Label                   *string `json:"label"`
	SuggestedReplacement    *string `json:"suggested_replacement"`
	SuggestionApplicability *string `json:"suggestion_applicability"`
	Expansion               *struct {
		Span compilerSpan `json:"span"`
	} `json:"expansion"`
}

// summaries are rustc's closing messages, which say nothing about the code.
var summaries = regexp.MustCompile(`^(aborting due to |\d+ warnings? emitted|For more information about (this|an) error|Some errors have detailed explanations)`)

// ParseMessages reads cargo's JSON messages (one per line) and returns the
// compiler's and clippy's diagnostics, de-duplicated and in the order first
// seen. Paths inside root are made relative to it; relative paths, which
// cargo gives relative to the workspace root, are kept as they are. Lines
// that are not cargo's JSON messages are an error. A message naming a file
// of root that is, or lies behind, a symbolic link (rustc in the sandbox
// follows links, so it may quote the target) is replaced by one that only
// says so.
func ParseMessages(r io.Reader, root string) ([]review.Diagnostic, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 256<<20)
	var out []review.Diagnostic
	seen := map[string]bool{}
	links := newLinkCheck(root)
	defer links.close()
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var m message
		if line[0] != '{' {
			return nil, fmt.Errorf("cargo: line %d is not a JSON message: %.80q", n, line)
		}
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("cargo: line %d: %w", n, err)
		}
		if m.Reason == "" {
			return nil, fmt.Errorf("cargo: line %d has no reason: %.80q", n, line)
		}
		if m.Reason != "compiler-message" || m.Message == nil {
			continue
		}
		var (
			d  review.Diagnostic
			ok bool
		)
		if f, why := links.linkedFile(*m.Message, root); f != "" {
			d = linkedDiagnostic(*m.Message, f, why)
		} else if d, ok = convert(*m.Message, root); !ok {
			continue
		}
		key := dedupKey(d)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cargo: read messages: %w", err)
	}
	return out, nil
}

// dedupKey identifies a diagnostic regardless of which target reported it.
func dedupKey(d review.Diagnostic) string {
	d.Rendered = ""
	b, _ := json.Marshal(d)
	return string(b)
}

// convert turns a rustc diagnostic into a review.Diagnostic; false for
// summaries that carry no finding.
func convert(m compilerMessage, root string) (review.Diagnostic, bool) {
	if len(m.Spans) == 0 && summaries.MatchString(m.Message) {
		return review.Diagnostic{}, false
	}
	d := review.Diagnostic{
		Source:   review.SourceRustc,
		Severity: severity(m.Level),
		Message:  m.Message,
		Rendered: m.Rendered,
	}
	if m.Code != nil {
		d.Rule = m.Code.Code
	}
	if strings.HasPrefix(d.Rule, "clippy::") {
		d.Source = review.SourceClippy
	}
	d.Spans = spans(m.Spans, root)
	for _, c := range m.Children {
		if fix, ok := childFix(c, root); ok {
			d.Fixes = append(d.Fixes, fix)
			continue
		}
		note := c.Level + ": " + compactNote(c.Message)
		if loc := location(c.Spans, root); loc != "" {
			note += " (" + loc + ")"
		}
		d.Notes = append(d.Notes, note)
	}
	return d, true
}

// compactNote puts rustc's two-line "expected X\n   found Y" note on one
// line ("expected X, found Y"); other messages are kept as they are.
func compactNote(msg string) string {
	expected, found, ok := strings.Cut(msg, "\n")
	if found = strings.TrimSpace(found); ok && strings.HasPrefix(expected, "expected ") &&
		strings.HasPrefix(found, "found ") && !strings.Contains(found, "\n") {
		return expected + ", " + found
	}
	return msg
}

// severity maps rustc's levels onto the three a finding can have.
func severity(level string) review.Severity {
	switch {
	case strings.HasPrefix(level, "error"): // "error", "error: internal compiler error"
		return review.SeverityError
	case level == "warning":
		return review.SeverityWarning
	default: // note, help, failure-note
		return review.SeverityNote
	}
}

// spans converts spans, primary first. A span in the workspace stays where
// it is, even inside a macro_rules! body: that line is the one to change,
// and the diagnostics of several invocations collapse into one. A span in an
// external macro (another crate, the standard library) is moved to the
// outermost call site in user code.
func spans(in []compilerSpan, root string) []review.Span {
	var primary, secondary []review.Span
	for _, s := range in {
		site := reportSite(s, root)
		rs := convertSpan(site, root)
		rs.Primary = s.IsPrimary
		if s.Label != nil {
			rs.Label = *s.Label
		}
		if s.IsPrimary {
			primary = append(primary, rs)
		} else {
			secondary = append(secondary, rs)
		}
	}
	return append(primary, secondary...)
}

// reportSite is where a span is reported: itself when it is the
// workspace's code, else its outermost call site in user code.
func reportSite(s compilerSpan, root string) compilerSpan {
	if inRoot(s.FileName, root) {
		return s
	}
	return callSite(s, root)
}

// callSite follows s's macro expansions outwards to the outermost span in
// user code; s itself when it is not in an expansion.
func callSite(s compilerSpan, root string) compilerSpan {
	best := s
	for cur := s; cur.Expansion != nil; {
		cur = cur.Expansion.Span
		if inRoot(cur.FileName, root) {
			best = cur
		}
	}
	return best
}

func convertSpan(s compilerSpan, root string) review.Span {
	return review.Span{
		Path:        relPath(s.FileName, root),
		LineStart:   s.LineStart,
		LineEnd:     s.LineEnd,
		ColumnStart: s.ColumnStart,
		ColumnEnd:   s.ColumnEnd,
	}
}

// childFix turns a child carrying suggested replacements into a Fix. A
// suggestion that touches a macro expansion or a file outside root is no Fix:
// applying it at the call site would be wrong.
func childFix(c compilerMessage, root string) (review.Fix, bool) {
	fix := review.Fix{Message: c.Message}
	rank := map[string]int{"MachineApplicable": 0, "MaybeIncorrect": 1, "HasPlaceholders": 2, "Unspecified": 3}
	for _, s := range c.Spans {
		if s.SuggestedReplacement == nil {
			continue
		}
		if s.Expansion != nil || !inRoot(s.FileName, root) {
			return review.Fix{}, false
		}
		app := "Unspecified"
		if s.SuggestionApplicability != nil {
			app = *s.SuggestionApplicability
		}
		if _, known := rank[app]; !known {
			app = "Unspecified"
		}
		// The fix is as confident as its least confident edit.
		if fix.Applicability == "" || rank[app] > rank[string(fix.Applicability)] {
			fix.Applicability = review.Applicability(app)
		}
		fix.Edits = append(fix.Edits, review.Edit{Span: convertSpan(s, root), Replacement: *s.SuggestedReplacement})
	}
	return fix, len(fix.Edits) > 0
}

// location renders the first span of a child as "path:line".
func location(ss []compilerSpan, root string) string {
	if len(ss) == 0 {
		return ""
	}
	s := reportSite(ss[0], root)
	return fmt.Sprintf("%s:%d", relPath(s.FileName, root), s.LineStart)
}

// inRoot reports whether a span's file is the workspace's own code.
func inRoot(name, root string) bool {
	if name == "" || strings.HasPrefix(name, "<") { // <anon>, <::core::macros::panic macros>
		return false
	}
	if !filepath.IsAbs(name) {
		return true
	}
	rel, err := filepath.Rel(root, name)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// relPath makes name slash-separated and relative to root when inside it.
func relPath(name, root string) string {
	if filepath.IsAbs(name) && inRoot(name, root) {
		if rel, err := filepath.Rel(root, name); err == nil {
			name = rel
		}
	}
	return filepath.ToSlash(name)
}
