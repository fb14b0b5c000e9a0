package semvercheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargover"
	"github.com/symposium-dev/symposium/review"
)

// Break is one change of the public API that breaks its users.
type Break struct {
	Path string
	// What says what happened: "removed", "signature
	// changed", "new required trait item", "variant added to an exhaustive
	// enum", "kind changed".
	What string
	Kind string
	// RenamedTo is a new item of the same kind and signature beside a
	// removed one: perhaps its new name.
	RenamedTo string
}

// Breaks lists the breaking changes from base to head, sorted by path.
func Breaks(base, head *API) []Break {
	var out []Break
	added := map[string]Item{}
	for p, it := range head.Items {
		if _, ok := base.Items[p]; !ok {
			added[p] = it
		}
	}
	for _, p := range base.Paths() {
		b := base.Items[p]
		h, ok := head.Items[p]
		switch {
		case !ok:
			if parentGone(p, base, head) {
				continue // reported with its parent
			}
			out = append(out, Break{Path: p, What: "removed", Kind: b.Kind, RenamedTo: renamedTo(p, b, added)})
		case h.Kind != b.Kind:
			out = append(out, Break{Path: p, What: "kind changed from " + b.Kind + " to " + h.Kind, Kind: h.Kind})
		case h.Sig != b.Sig:
			out = append(out, Break{Path: p, What: "signature changed", Kind: h.Kind})
		case h.Required && !b.Required:
			out = append(out, Break{Path: p, What: "now required in the trait", Kind: h.Kind})
		}
	}
	for p, it := range added {
		parent := p[:max(strings.LastIndex(p, "::"), 0)]
		bp, inBase := base.Items[parent]
		switch {
		case !inBase:
		case it.Required && bp.Kind == "trait":
			out = append(out, Break{Path: p, What: "new required trait item", Kind: it.Kind})
		case it.Kind == "variant" && bp.Kind == "enum" && bp.Exhaustive:
			out = append(out, Break{Path: p, What: "variant added to an exhaustive enum", Kind: it.Kind})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// parentGone reports a path whose parent item is gone from head too.
func parentGone(p string, base, head *API) bool {
	i := strings.LastIndex(p, "::")
	if i < 0 {
		return false
	}
	parent := p[:i]
	_, inBase := base.Items[parent]
	_, inHead := head.Items[parent]
	return inBase && !inHead
}

// renamedTo finds a new path in the same parent with the same kind and
// signature: the item was probably renamed.
func renamedTo(p string, it Item, added map[string]Item) string {
	parent := p[:max(strings.LastIndex(p, "::"), 0)]
	var cands []string
	for q, a := range added {
		if a.Kind == it.Kind && a.Sig == it.Sig && q[:max(strings.LastIndex(q, "::"), 0)] == parent {
			cands = append(cands, q)
		}
	}
	if len(cands) != 1 {
		return ""
	}
	return cands[0]
}

// Verdict is the outcome of comparing breaks with a version change.
type Verdict struct {
	Breaks []Break
	// OK is true when there is no break or the version change covers it.
	OK bool
	// Needed names the bump needed ("major", "minor", "patch") and Suggest
	// the smallest version that has it.
	Needed, Suggest string
}

// Judge compares the breaks with the version change baseVersion →
// headVersion (Cargo's rules: for 0.x a minor bump is the breaking one).
func Judge(breaks []Break, baseVersion, headVersion string) (Verdict, error) {
	v := Verdict{Breaks: breaks, OK: true}
	if len(breaks) == 0 {
		return v, nil
	}
	bv, err := cargover.Parse(baseVersion)
	if err != nil {
		return v, fmt.Errorf("base version: %w", err)
	}
	hv, err := cargover.Parse(headVersion)
	if err != nil {
		return v, fmt.Errorf("head version: %w", err)
	}
	if cargover.IsBreakingBump(bv, hv) {
		return v, nil
	}
	v.OK = false
	v.Needed = cargover.Bump(bv)
	switch v.Needed {
	case "major":
		v.Suggest = cargover.Version{Major: bv.Major + 1}.String()
	case "minor":
		v.Suggest = cargover.Version{Minor: bv.Minor + 1}.String()
	default:
		v.Suggest = cargover.Version{Patch: bv.Patch + 1}.String()
	}
	return v, nil
}

// maxBreaksListed bounds the items named in one finding.
const maxBreaksListed = 20

// Message renders a failing verdict as a finding's message; the crate's
// name and paths come from untrusted code and are code spans.
func (v Verdict) Message(crate, baseVersion, headVersion string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The public API of %s has %s, but its version goes from %s to %s: a %s bump is needed (to %s or later).",
		review.CodeSpan(crate), plural(len(v.Breaks), "breaking change"), review.CodeSpan(baseVersion), review.CodeSpan(headVersion),
		v.Needed, review.CodeSpan(v.Suggest))
	for i, br := range v.Breaks {
		if i == maxBreaksListed {
			fmt.Fprintf(&b, " … and %d more.", len(v.Breaks)-i)
			break
		}
		what := br.What
		if br.RenamedTo != "" {
			what += " (perhaps renamed to " + review.CodeSpan(br.RenamedTo) + ")"
		}
		fmt.Fprintf(&b, " %s %s: %s;", br.Kind, review.CodeSpan(br.Path), what)
	}
	return strings.TrimSuffix(b.String(), ";")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
