package review

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	errorCodeRE = regexp.MustCompile(`^E[0-9]{4}$`)
	lintNameRE  = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// RuleURL returns the documentation page of a rule: clippy's lint list for
// clippy lints, the error index for rustc error codes, "" otherwise.
func RuleURL(rule string) string {
	if name, ok := strings.CutPrefix(rule, "clippy::"); ok && lintNameRE.MatchString(name) {
		return "https://rust-lang.github.io/rust-clippy/master/index.html#" + name
	}
	if errorCodeRE.MatchString(rule) {
		return "https://doc.rust-lang.org/error_codes/" + rule + ".html"
	}
	return ""
}

// ruleLink renders a rule as inline code, linked to its page when it has one.
func ruleLink(rule string) string {
	if rule == "" {
		return ""
	}
	if u := RuleURL(rule); u != "" {
		return fmt.Sprintf("[%s](%s)", CodeSpan(rule), u)
	}
	return CodeSpan(rule)
}

// headline is the first line of a finding: severity, source, message, rule.
func headline(d Diagnostic) string {
	s := fmt.Sprintf("**%s** (%s): %s", EscapeText(string(d.Severity)), EscapeText(string(d.Source)), EscapeText(oneLine(d.Message)))
	if l := ruleLink(d.Rule); l != "" {
		s += " — " + l
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// usefulNotes drops notes that only repeat what the rule link gives.
func usefulNotes(notes []string) []string {
	var out []string
	for _, n := range notes {
		bare := strings.TrimPrefix(strings.TrimPrefix(n, "help: "), "note: ")
		if strings.HasPrefix(bare, "for further information visit") || strings.TrimSpace(n) == "" || isLevelNote(bare) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// isLevelNote tells rustc's "`#[warn(clippy::len_zero)]` on by default"
// and "the lint level is defined here" notes, which say how the lint was
// enabled, not what is wrong.
func isLevelNote(n string) bool {
	return (strings.HasPrefix(n, "`#[") || strings.HasPrefix(n, "`-")) &&
		(strings.HasSuffix(n, "on by default") || strings.Contains(n, "implied by")) ||
		strings.HasPrefix(n, "the lint level is defined here")
}

// fence returns a code fence longer than any backtick run in content.
func fence(content string) string {
	return strings.Repeat("`", max(3, longestRun(content, '`')+1))
}

func writeNotes(b *strings.Builder, d Diagnostic) {
	for _, n := range usefulNotes(d.Notes) {
		lines := strings.Split(strings.TrimRight(n, "\n"), "\n")
		fmt.Fprintf(b, "- %s\n", EscapeText(lines[0]))
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "  %s\n", EscapeText(strings.TrimLeft(l, " \t")))
		}
	}
}

// writeTextFix shows a fix that is not offered as a suggestion.
func writeTextFix(b *strings.Builder, it *item) {
	if !it.hasFix {
		return
	}
	msg := oneLine(it.fix.Message)
	if msg == "" {
		msg = "a possible fix"
	}
	fmt.Fprintf(b, "\nPossible fix (%s; not offered as a suggestion because %s): %s\n",
		EscapeText(string(it.fix.Applicability)), EscapeText(it.why), EscapeText(msg))
	if it.preview != nil {
		b.WriteString(CodeBlock("rust", it.preview.Block()))
		return
	}
	for _, e := range it.fix.Edits {
		fmt.Fprintf(b, "- %s: replace with %s\n", CodeSpan(fmt.Sprintf("%s:%d:%d", e.Span.Path, e.Span.LineStart, e.Span.ColumnStart)), CodeSpan(e.Replacement))
	}
}

// renderComment renders a draft as an inline comment.
func renderComment(dr *draft) Comment {
	lead := dr.items[0]
	var b strings.Builder
	grouped := 0
	for _, it := range dr.items {
		if it.d.Source == SourceRustfmt {
			grouped++
		}
	}
	if grouped > 1 && lead.d.Source == SourceRustfmt && dr.sugg != nil {
		// Several rustfmt regions under one suggestion: one headline.
		fmt.Fprintf(&b, "**%s** (rustfmt): rustfmt would reformat %d regions of lines %d–%d — %s\n",
			EscapeText(string(dr.severity())), grouped, dr.sugg.StartLine, dr.sugg.EndLine, ruleLink(lead.d.Rule))
	} else {
		grouped = 0
		b.WriteString(headline(lead.d))
		b.WriteString("\n")
		writeLabels(&b, lead.d, lead.primary)
		if notes := usefulNotes(lead.d.Notes); len(notes) > 0 {
			b.WriteString("\n")
			writeNotes(&b, lead.d)
		}
	}
	for _, it := range dr.items[1:] {
		if grouped > 0 && it.d.Source == SourceRustfmt {
			continue
		}
		fmt.Fprintf(&b, "\nAlso %s\n", headline(it.d))
		writeNotes(&b, it.d)
	}
	c := Comment{
		Path: lead.primary.Path, Line: lead.primary.LineStart, StartLine: lead.primary.LineStart,
		Side: SideRight, Source: lead.d.Source, Rule: lead.d.Rule, Severity: dr.severity(),
		Fingerprint: lead.finding.Fingerprint,
	}
	if s := dr.sugg; s != nil {
		var msgs []string
		for _, it := range dr.items {
			if m := oneLine(it.fix.Message); m != "" && !slices.Contains(msgs, m) {
				msgs = append(msgs, m)
			}
		}
		b.WriteString("\n**Suggested fix**")
		if len(msgs) > 0 {
			b.WriteString(": " + EscapeText(strings.Join(msgs, "; ")))
		}
		b.WriteString("\n")
		if s.Applicability == MaybeIncorrect {
			b.WriteString("\n> [!NOTE]\n> rustc marks this suggestion as possibly incorrect: check it before committing.\n")
		}
		block := s.Block()
		b.WriteString("\n" + s.Markdown())
		c.StartLine, c.Line = s.StartLine, s.EndLine
		c.Suggestion = &block
		c.Delete = s.Delete()
	} else {
		writeTextFix(&b, lead)
	}
	for _, it := range dr.others {
		fmt.Fprintf(&b, "\nAlso %s\n", headline(it.d))
		writeNotes(&b, it.d)
		writeTextFix(&b, it)
	}
	var fps []string
	for _, it := range append(slices.Clone(dr.items), dr.others...) {
		fps = append(fps, it.finding.Fingerprint)
	}
	c.Body = WithMarker(b.String(), fps)
	return c
}
