package review

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var errorCodeRE = regexp.MustCompile(`^E[0-9]{4}$`)

// RuleURL returns the documentation page of a rule: clippy's lint list for
// clippy lints, the error index for rustc error codes, "" otherwise.
func RuleURL(rule string) string {
	if name, ok := strings.CutPrefix(rule, "clippy::"); ok && name != "" {
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
		return fmt.Sprintf("[`%s`](%s)", rule, u)
	}
	return "`" + rule + "`"
}

// headline is the first line of a finding: severity, source, message, rule.
func headline(d Diagnostic) string {
	s := fmt.Sprintf("**%s** (%s): %s", d.Severity, d.Source, oneLine(d.Message))
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
	longest, run := 0, 0
	for _, r := range content {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func writeNotes(b *strings.Builder, d Diagnostic) {
	for _, n := range usefulNotes(d.Notes) {
		lines := strings.Split(strings.TrimRight(n, "\n"), "\n")
		fmt.Fprintf(b, "- %s\n", lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "  %s\n", l)
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
	fmt.Fprintf(b, "\nPossible fix (%s; not offered as a suggestion because %s): %s\n", it.fix.Applicability, it.why, msg)
	if it.preview != nil {
		text := it.preview.Block()
		f := fence(text)
		fmt.Fprintf(b, "%srust\n%s\n%s\n", f, text, f)
		return
	}
	for _, e := range it.fix.Edits {
		fmt.Fprintf(b, "- %s:%d:%d: replace with `%s`\n", e.Span.Path, e.Span.LineStart, e.Span.ColumnStart, e.Replacement)
	}
}

// renderComment renders a draft as an inline comment.
func renderComment(dr *draft) Comment {
	lead := dr.items[0]
	var b strings.Builder
	b.WriteString(headline(lead.d))
	b.WriteString("\n")
	writeLabels(&b, lead.d, lead.primary)
	if notes := usefulNotes(lead.d.Notes); len(notes) > 0 {
		b.WriteString("\n")
		writeNotes(&b, lead.d)
	}
	for _, it := range dr.items[1:] {
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
			b.WriteString(": " + strings.Join(msgs, "; "))
		}
		b.WriteString("\n")
		if s.Applicability == MaybeIncorrect {
			b.WriteString("\n> [!NOTE]\n> rustc marks this suggestion as possibly incorrect: check it before committing.\n")
		}
		block := s.Block()
		b.WriteString("\n" + SuggestionBlock(block))
		c.StartLine, c.Line = s.StartLine, s.EndLine
		c.Suggestion = &block
	} else {
		writeTextFix(&b, lead)
	}
	for _, it := range dr.others {
		fmt.Fprintf(&b, "\nAlso %s\n", headline(it.d))
		writeNotes(&b, it.d)
		writeTextFix(&b, it)
	}
	b.WriteString("\n")
	for _, it := range append(slices.Clone(dr.items), dr.others...) {
		b.WriteString(Marker(it.finding.Fingerprint))
		b.WriteString("\n")
	}
	c.Body = b.String()
	return c
}
