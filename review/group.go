package review

import (
	"fmt"
)

// groupRustfmt gathers the rustfmt items that carry a suggestion into one
// draft per run of lines (with FilterAdded a run of added lines, otherwise
// a hunk), with one suggestion applying them all. It returns those drafts
// and the items it left alone.
func groupRustfmt(items []*item, d *Diff, files *fileCache, filter Filter) (drafts []*draft, rest []*item) {
	groups := map[string][]*item{}
	runs := map[string]map[int]int{}
	var keys []string
	for _, it := range items {
		if it.d.Source != SourceRustfmt || it.sugg == nil {
			rest = append(rest, it)
			continue
		}
		k := groupKey(it, d, filter, runs)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], it)
	}
	for _, k := range keys {
		for _, g := range splitGroup(groups[k], files) {
			var s *suggestion
			if len(g) > 1 {
				var edits []Edit
				for _, it := range g {
					edits = append(edits, it.fix.Edits...)
				}
				s, _ = suggestionFor(g[0].primary.Path, edits, d, files, filter)
			}
			if s == nil {
				for _, it := range g {
					drafts = append(drafts, &draft{items: []*item{it}, sugg: it.sugg})
				}
				continue
			}
			s.Applicability = g[0].sugg.Applicability
			for _, it := range g[1:] {
				s.Applicability = weaker(s.Applicability, it.sugg.Applicability)
			}
			drafts = append(drafts, &draft{items: g, sugg: s})
		}
	}
	return drafts, rest
}

// maxGroupBytes bounds the text a grouped suggestion replaces and adds, so
// that a comment stays well under GitHub's 65536-character body limit.
const maxGroupBytes = 24 << 10

// splitGroup cuts a run's rustfmt items (in order, their suggestions
// disjoint) into groups whose combined suggestion, old and new text
// together, stays under maxGroupBytes.
func splitGroup(items []*item, files *fileCache) [][]*item {
	fl := files.get(items[0].primary.Path)
	if fl == nil {
		return [][]*item{items}
	}
	var out [][]*item
	var cur []*item
	first, growth := 0, 0
	for _, it := range items {
		delta := len(it.sugg.Text) - len(it.sugg.Old)
		if len(cur) > 0 {
			old := fl.start[it.sugg.EndLine] - fl.start[first-1]
			if 2*old+growth+delta <= maxGroupBytes {
				cur, growth = append(cur, it), growth+delta
				continue
			}
			out = append(out, cur)
		}
		cur, first, growth = []*item{it}, it.sugg.StartLine, delta
	}
	return append(out, cur)
}

// groupKey names the run of lines an item's suggestion starts in. runs
// remembers, per path, the first line of the run of added lines holding a
// line.
func groupKey(it *item, d *Diff, filter Filter, runs map[string]map[int]int) string {
	fd, _ := d.File(it.primary.Path)
	start := it.sugg.StartLine
	run := 0
	if filter == FilterAdded {
		known := runs[it.primary.Path]
		if known == nil {
			known = map[int]int{}
			runs[it.primary.Path] = known
		}
		var walked []int
		run = start
		for {
			if r, ok := known[run]; ok {
				run = r
				break
			}
			walked = append(walked, run)
			if run <= 1 || !fd.IsAdded(run-1) {
				break
			}
			run--
		}
		for _, n := range walked {
			known[n] = run
		}
	}
	return fmt.Sprintf("%s\x00%d\x00%d", it.primary.Path, fd.HunkAt(start), run)
}
