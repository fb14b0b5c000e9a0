package review

import (
	"fmt"
	"strings"
)

// summaryListLimit bounds each list of the summary; the rest is counted.
const summaryListLimit = 50

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// summaryState is what a summary is rendered from besides the Result.
type summaryState struct {
	filter      Filter
	maxComments int
	capped      []*draft
	unlocated   []Diagnostic
	// formatting are rustfmt findings listed instead of commented.
	formatting []*item
	notes      []string
	agent      AgentReview
	depth      *Depth
}

// Filter returns the filter the review was built with (FilterAdded for a
// Result that Build did not make).
func (r *Result) Filter() Filter {
	if r.summary == nil {
		return FilterAdded
	}
	return r.summary.filter
}

// SetAgentReview puts the agent's summary and note at the end of the
// review's summary. A Result that Build did not make (decoded from JSON)
// gets them appended to its Summary.
func (r *Result) SetAgentReview(a AgentReview) {
	if r.summary == nil {
		r.Summary = strings.TrimRight(r.Summary, "\n") + "\n" + renderAgent(a)
		return
	}
	r.summary.agent = a
	r.Summary = renderSummary(r)
}

// renderAgent renders the agent's part of a summary: "" or blocks each
// preceded by an empty line.
func renderAgent(a AgentReview) string {
	var b strings.Builder
	if s := strings.TrimSpace(a.Summary); s != "" {
		b.WriteString("\n### The agent's review\n\n" + EscapeMarkdown(s) + "\n")
	}
	if n := strings.TrimSpace(a.Note); n != "" {
		b.WriteString("\n_" + EscapeText(oneLine(n)) + "_\n")
	}
	return b.String()
}

// renderSummary writes the review body: notes, counts by severity and
// source, compile-error warnings, what was capped, formatting left to the
// summary, what lies off the diff, and the agent's review.
func renderSummary(res *Result) string {
	st := res.summary
	var b strings.Builder
	b.WriteString("## Symposium review\n\n")
	for _, n := range st.notes {
		fmt.Fprintf(&b, "> [!WARNING]\n> %s\n\n", EscapeText(oneLine(n)))
	}
	fmt.Fprintf(&b, "Reviewed `%s..%s` (filter `%s`): %s, %d on the changed lines, %s.\n",
		EscapeText(shortSHA(res.BaseSHA)), EscapeText(shortSHA(res.HeadSHA)), st.filter,
		plural(res.Stats.DiagnosticsTotal, "finding"), res.Stats.DiagnosticsOnDiff, plural(len(res.Comments), "inline comment"))

	switch {
	case res.CompileErrorOnDiff:
		b.WriteString("\n> [!CAUTION]\n> The head does not compile: a compiler error is on a changed line.\n")
	case res.CompileError:
		b.WriteString("\n> [!WARNING]\n> The head does not compile (the error is outside the changed lines); the analysis may be incomplete.\n")
	}

	if res.Stats.DiagnosticsTotal == 0 {
		if res.Incomplete != "" {
			b.WriteString("\nNo findings in what could be checked, but the review is incomplete (see above): this is not a clean bill of health.\n")
		} else {
			b.WriteString("\nNo findings: the compiler, clippy and rustfmt have nothing to say.\n")
		}
		b.WriteString(renderDepth(st.depth))
		b.WriteString(renderAgent(st.agent))
		return b.String()
	}
	writeCountTable(&b, res, st.unlocated)

	if len(st.capped) > 0 {
		n := 0
		for _, dr := range st.capped {
			n += len(dr.items) + len(dr.others)
		}
		fmt.Fprintf(&b, "\n### Not posted inline\n\n%d more findings on the changed lines exceed the cap of %d inline comments:\n\n", n, st.maxComments)
		var lines []string
		for _, dr := range st.capped {
			for _, it := range append(append([]*item{}, dr.items...), dr.others...) {
				lines = append(lines, findingLine(*it.finding))
			}
		}
		writeList(&b, lines)
	}

	if len(st.formatting) > 0 {
		fmt.Fprintf(&b, "\n### Formatting\n\nrustfmt would reformat %s on the changed lines (listed here rather than commented, as `[rustfmt] comments = \"summary\"` asks).", plural(len(st.formatting), "place"))
		if res.SummaryFixes > 0 {
			b.WriteString(" The check run's **Apply fixes** button, or `/symposium fix`, commits them.")
		}
		b.WriteString("\n\n")
		var lines []string
		for _, it := range st.formatting {
			lines = append(lines, findingLine(*it.finding))
		}
		writeList(&b, lines)
	}

	var off []string
	ignoredCount := 0
	for _, f := range res.Findings {
		switch {
		case f.Ignored:
			ignoredCount++
		case !f.OnDiff:
			off = append(off, findingLine(f))
		}
	}
	for _, d := range st.unlocated {
		off = append(off, fmt.Sprintf("**%s** (%s) %s", EscapeText(string(d.Severity)), EscapeText(string(d.Source)), EscapeText(oneLine(d.Message))))
	}
	if len(off) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%s outside the changed lines</summary>\n\n", plural(len(off), "finding"))
		writeList(&b, off)
		b.WriteString("\n</details>\n")
	}
	if ignoredCount > 0 {
		fmt.Fprintf(&b, "\n%s in ignored paths not shown.\n", plural(ignoredCount, "finding"))
	}
	b.WriteString(renderDepth(st.depth))
	b.WriteString(renderAgent(st.agent))
	return b.String()
}

func findingLine(f Finding) string {
	s := fmt.Sprintf("%s **%s**", CodeSpan(fmt.Sprintf("%s:%d", f.Path, f.Line)), EscapeText(string(f.Severity)))
	if f.Rule != "" {
		s += " " + ruleLink(f.Rule)
	}
	return s + ": " + EscapeText(oneLine(f.Message))
}

func writeList(b *strings.Builder, lines []string) {
	for i, l := range lines {
		if i == summaryListLimit {
			fmt.Fprintf(b, "- … and %d more\n", len(lines)-i)
			break
		}
		fmt.Fprintf(b, "- %s\n", l)
	}
}

// writeCountTable writes a table of findings by source (rows) and severity
// (columns), listing only the sources that appear.
func writeCountTable(b *strings.Builder, res *Result, unlocated []Diagnostic) {
	sources := []Source{SourceRustc, SourceClippy, SourceRustfmt, SourceAgent}
	severities := []Severity{SeverityError, SeverityWarning, SeverityNote}
	counts := map[Source]map[Severity]int{}
	add := func(src Source, sev Severity) {
		if counts[src] == nil {
			counts[src] = map[Severity]int{}
			if !containsSource(sources, src) {
				sources = append(sources, src)
			}
		}
		counts[src][sev]++
	}
	for _, f := range res.Findings {
		add(f.Source, f.Severity)
	}
	for _, d := range unlocated {
		add(d.Source, d.Severity)
	}
	b.WriteString("\n| source | error | warning | note |\n|---|---:|---:|---:|\n")
	for _, src := range sources {
		c, ok := counts[src]
		if !ok {
			continue
		}
		fmt.Fprintf(b, "| %s |", EscapeText(string(src)))
		for _, sev := range severities {
			fmt.Fprintf(b, " %d |", c[sev])
		}
		b.WriteString("\n")
	}
}

func containsSource(list []Source, s Source) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plural writes a count and a noun, with an s unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
