package review

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/bmatcuk/doublestar/v4"
)

// Filter says which findings become inline comments.
type Filter string

// The filters.
const (
	// FilterAdded keeps findings whose primary line is added or modified.
	FilterAdded Filter = "added"
	// FilterDiffContext keeps findings within a hunk, context lines included.
	FilterDiffContext Filter = "diff_context"
	// FilterFile keeps findings anywhere in a changed file.
	FilterFile Filter = "file"
	// FilterAll keeps every finding.
	FilterAll Filter = "all"
)

// ParseFilter checks a filter name; "" is FilterAdded.
func ParseFilter(s string) (Filter, error) {
	switch f := Filter(s); f {
	case "":
		return FilterAdded, nil
	case FilterAdded, FilterDiffContext, FilterFile, FilterAll:
		return f, nil
	}
	return "", fmt.Errorf("unknown filter %q (want added, diff_context, file or all)", s)
}

// RustfmtComments says how rustfmt's findings on the changed lines are
// posted.
type RustfmtComments string

// The ways rustfmt's findings are posted.
const (
	// RustfmtGrouped posts the rustfmt findings of one run of changed
	// lines as one comment with one multi-line suggestion (the default).
	RustfmtGrouped RustfmtComments = "grouped"
	// RustfmtInline posts one comment per region rustfmt would change.
	RustfmtInline RustfmtComments = "inline"
	// RustfmtSummary lists them in the summary only; the check run's
	// Apply-fixes button applies them.
	RustfmtSummary RustfmtComments = "summary"
)

// ParseRustfmtComments checks a rustfmt comments mode; "" is RustfmtGrouped.
func ParseRustfmtComments(s string) (RustfmtComments, error) {
	switch m := RustfmtComments(s); m {
	case "":
		return RustfmtGrouped, nil
	case RustfmtGrouped, RustfmtInline, RustfmtSummary:
		return m, nil
	}
	return "", fmt.Errorf("unknown rustfmt comments mode %q (want grouped, inline or summary)", s)
}

// DefaultMaxComments is the cap on inline comments when Options leaves it 0.
const DefaultMaxComments = 25

// Options tune a review.
type Options struct {
	// Filter selects the findings that become inline comments ("" = added).
	Filter Filter
	// MaxComments caps inline comments; 0 means DefaultMaxComments.
	MaxComments int
	// IgnorePaths are doublestar globs of head paths whose findings are
	// counted but neither commented nor summarised.
	IgnorePaths []string
	// Rustfmt says how rustfmt findings are posted ("" = grouped).
	Rustfmt RustfmtComments
}

// Validate reports a bad filter, cap or glob.
func (o Options) Validate() error {
	if _, err := ParseFilter(string(o.Filter)); err != nil {
		return err
	}
	if _, err := ParseRustfmtComments(string(o.Rustfmt)); err != nil {
		return err
	}
	if o.MaxComments < 0 {
		return fmt.Errorf("max comments %d is negative", o.MaxComments)
	}
	for _, g := range o.IgnorePaths {
		if !doublestar.ValidatePattern(g) {
			return fmt.Errorf("bad ignore glob %q", g)
		}
	}
	return nil
}

// Input is everything a review is built from.
type Input struct {
	BaseSHA, HeadSHA string
	Diff             *Diff
	Diagnostics      []Diagnostic
	// HeadFiles returns the content of a head file, or false when it does
	// not exist. It may be nil (no suggestions, fingerprints without text).
	HeadFiles func(path string) ([]byte, bool)
	Options   Options
	// Notes are warnings about the review itself (a configuration key
	// ignored, nothing analysed), shown at the top of the summary.
	Notes []string
	// Depth holds the Rust depth checks' summary sections (nil: none).
	Depth *Depth
	// Incomplete says why the findings are partial or missing (cargo could
	// not run on the head, clippy's output was cut): Result.Incomplete.
	// The summary then never says the head is clean. Add it to Notes too
	// for it to be shown.
	Incomplete string
}

// item is one located diagnostic on its way to a comment.
type item struct {
	d       Diagnostic
	primary Span
	finding *Finding
	fix     Fix
	hasFix  bool
	sugg    *suggestion // nil when the fix cannot be a suggestion
	preview *suggestion // the fix's new lines, shown as text when sugg is nil
	why     string      // why a fix is not offered as a suggestion
}

// draft is one inline comment before rendering: a lead item, the items
// merged into its suggestion and those shown beside it as text.
type draft struct {
	items  []*item
	others []*item
	sugg   *suggestion
}

// Build turns diagnostics and a diff into a review. It is deterministic:
// the same input gives the same result, whatever the diagnostics' order.
func Build(in Input) Result {
	opts := in.Options
	filter, err := ParseFilter(string(opts.Filter))
	if err != nil {
		filter = FilterAdded
	}
	maxComments := opts.MaxComments
	if maxComments <= 0 {
		maxComments = DefaultMaxComments
	}
	files := newFileCache(in.HeadFiles)

	diags := sortedDiagnostics(in.Diagnostics)
	res := Result{BaseSHA: in.BaseSHA, HeadSHA: in.HeadSHA, Comments: []Comment{}, Incomplete: in.Incomplete}
	res.Stats.DiagnosticsTotal = len(diags)

	var unlocated []Diagnostic
	var kept []*item
	occurrences := map[string]int{}
	for _, d := range diags {
		if d.Source == SourceRustc && d.Severity == SeverityError {
			res.CompileError = true
		}
		p, ok := d.Primary()
		if !ok || p.Path == "" {
			unlocated = append(unlocated, d)
			continue
		}
		lineText := files.line(p.Path, p.LineStart)
		key := p.Path + "\x00" + d.Rule + "\x00" + NormalizeLine(lineText)
		occurrences[key]++
		res.Findings = append(res.Findings, Finding{
			Path: p.Path, Line: p.LineStart, EndLine: max(p.LineEnd, p.LineStart),
			Source: d.Source, Rule: d.Rule, Severity: d.Severity, Message: d.Message,
			Fingerprint: Fingerprint(p.Path, d.Rule, lineText, occurrences[key]),
		})
		f := &res.Findings[len(res.Findings)-1]
		if MatchAny(opts.IgnorePaths, p.Path) {
			f.Ignored = true
			continue
		}
		if !keep(filter, in.Diff, p) {
			continue
		}
		f.OnDiff = true
		if d.Source == SourceRustc && d.Severity == SeverityError {
			res.CompileErrorOnDiff = true
		}
		kept = append(kept, &item{d: d, primary: p})
	}
	// Findings was appended to while items pointed into it; link now.
	idx := 0
	for i := range res.Findings {
		if res.Findings[i].OnDiff {
			kept[idx].finding = &res.Findings[i]
			idx++
		}
	}
	res.Stats.DiagnosticsOnDiff = len(kept)

	for _, it := range kept {
		prepareSuggestion(it, in.Diff, files, filter)
	}
	mode, err := ParseRustfmtComments(string(opts.Rustfmt))
	if err != nil {
		mode = RustfmtGrouped
	}
	var toDraft, formatting []*item
	for _, it := range kept {
		if mode == RustfmtSummary && it.d.Source == SourceRustfmt {
			formatting = append(formatting, it)
			if it.hasFix && offered(it.fix.Applicability) {
				res.SummaryFixes++
			}
			continue
		}
		toDraft = append(toDraft, it)
	}
	var groups []*draft
	if mode == RustfmtGrouped {
		groups, toDraft = groupRustfmt(toDraft, in.Diff, files, filter)
	}
	// Findings of other tools keep comments of their own beside a group,
	// rather than sink into a long formatting comment.
	drafts := append(groups, mergeDrafts(nil, toDraft, in.Diff, files, filter)...)

	// Cap: errors first, then warnings, then notes; within, by position.
	slices.SortStableFunc(drafts, func(a, b *draft) int {
		return cmp.Or(
			cmp.Compare(severityRank(a.severity()), severityRank(b.severity())),
			compareItems(a.items[0], b.items[0]),
		)
	})
	var capped []*draft
	if len(drafts) > maxComments {
		drafts, capped = drafts[:maxComments], drafts[maxComments:]
	}
	for _, dr := range drafts {
		for _, it := range append(slices.Clone(dr.items), dr.others...) {
			it.finding.Inline = true
		}
		res.Comments = append(res.Comments, renderComment(dr))
	}
	slices.SortStableFunc(res.Comments, func(a, b Comment) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.StartLine, b.StartLine), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	res.Stats.Comments = len(res.Comments)
	res.summary = &summaryState{
		filter: filter, maxComments: maxComments, capped: capped, unlocated: unlocated,
		formatting: formatting, notes: slices.Clone(in.Notes), depth: in.Depth,
	}
	res.Summary = renderSummary(&res)
	return res
}

func (dr *draft) severity() Severity {
	best := dr.items[0].d.Severity
	for _, it := range append(slices.Clone(dr.items), dr.others...) {
		if severityRank(it.d.Severity) < severityRank(best) {
			best = it.d.Severity
		}
	}
	return best
}

func severityRank(s Severity) int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	case SeverityNote:
		return 2
	}
	return 3
}

// keep applies the filter to a located finding.
func keep(f Filter, d *Diff, p Span) bool {
	if f == FilterAll {
		return true
	}
	fd, ok := d.File(p.Path)
	if !ok {
		return false
	}
	switch f {
	case FilterFile:
		return true
	case FilterDiffContext:
		return fd.HunkAt(p.LineStart) >= 0
	default:
		return fd.IsAdded(p.LineStart)
	}
}

// MatchAny reports whether slash-separated path matches one of the
// doublestar globs (invalid globs match nothing).
func MatchAny(globs []string, path string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, path); ok {
			return true
		}
	}
	return false
}

// prepareSuggestion computes the whole-line suggestion of an item's fix, or
// records why it is shown as text only.
func prepareSuggestion(it *item, d *Diff, files *fileCache, filter Filter) {
	it.fix, it.hasFix = chooseFix(it.d.Fixes)
	if !it.hasFix {
		return
	}
	s, why := suggestionFor(it.primary.Path, it.fix.Edits, d, files, filter)
	switch {
	case !offered(it.fix.Applicability):
		it.why = "it has placeholders or an unknown applicability"
		if fl := files.get(it.primary.Path); fl != nil {
			it.preview, _ = applyEdits(fl, it.primary.Path, it.fix.Edits)
		}
	case s == nil:
		it.why = why
		if fl := files.get(it.primary.Path); fl != nil {
			it.preview, _ = applyEdits(fl, it.primary.Path, it.fix.Edits)
		}
	default:
		s.Applicability = it.fix.Applicability
		it.sugg = s
	}
}

// suggestionFor applies edits to a head file and checks that GitHub can
// show the result where the filter allows a comment: every replaced line
// within one hunk and, with FilterAdded, every replaced line added by the
// pull request (a comment sits on what the pull request changed).
func suggestionFor(path string, edits []Edit, d *Diff, files *fileCache, filter Filter) (*suggestion, string) {
	fl := files.get(path)
	if fl == nil {
		return nil, "the file's content is not available"
	}
	s, err := applyEdits(fl, path, edits)
	if err != nil {
		return nil, "it cannot be applied to whole lines (" + err.Error() + ")"
	}
	fd, ok := d.File(path)
	if !ok {
		return nil, "the file is not part of the diff"
	}
	h := fd.HunkAt(s.StartLine)
	if h < 0 || !fd.Hunks[h].ContainsNew(s.EndLine) {
		return nil, "the lines it replaces are not all in one hunk of the diff"
	}
	if filter == FilterAdded {
		for n := s.StartLine; n <= s.EndLine; n++ {
			if !fd.IsAdded(n) {
				return nil, "it also changes lines this pull request did not change"
			}
		}
	}
	return s, ""
}

// mergeDrafts adds items to drafts: items whose suggestions share a line
// with a draft's join it, with one suggestion applying both when their
// edits compose; the others become drafts of their own.
func mergeDrafts(drafts []*draft, items []*item, d *Diff, files *fileCache, filter Filter) []*draft {
	byPath := map[string][]*draft{}
	for _, dr := range drafts {
		p := dr.items[0].primary.Path
		byPath[p] = append(byPath[p], dr)
	}
	for _, it := range items {
		var into *draft
		if it.sugg != nil {
			for _, dr := range byPath[it.primary.Path] {
				if dr.sugg != nil && dr.sugg.StartLine <= it.sugg.EndLine && it.sugg.StartLine <= dr.sugg.EndLine {
					into = dr
					break
				}
			}
		}
		if into == nil {
			dr := &draft{items: []*item{it}, sugg: it.sugg}
			drafts = append(drafts, dr)
			byPath[it.primary.Path] = append(byPath[it.primary.Path], dr)
			continue
		}
		var edits []Edit
		for _, m := range into.items {
			edits = append(edits, m.fix.Edits...)
		}
		edits = append(edits, it.fix.Edits...)
		if s, _ := suggestionFor(it.primary.Path, edits, d, files, filter); s != nil {
			s.Applicability = weaker(into.sugg.Applicability, it.sugg.Applicability)
			into.sugg = s
			into.items = append(into.items, it)
		} else {
			it.why = "its edits conflict with the suggestion above"
			it.preview, it.sugg = it.sugg, nil
			into.others = append(into.others, it)
		}
	}
	return drafts
}
