package cargo

import (
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// hunk is a changed region: lines a[a0:a1] become b[b0:b1].
type hunk struct{ a0, a1, b0, b1 int }

// diffLines returns the changed regions between a and b, in order, from a
// longest common subsequence of their lines.
//
// Lines found on one side only cannot be in it, so they are set aside first
// (when rustfmt rewrites a file, most lines are); the remaining lines become
// one rune each and are diffed by diff-match-patch, Myers' linear-space
// bisection in O(ND) time, with no deadline so that the result is minimal.
func diffLines(a, b []string) []hunk {
	ka, kb, ra, rb, ok := commonLineRunes(a, b)
	if !ok { // more distinct shared lines than runes: one region for the middle
		return regions(a, b, prefixSuffixPairs(a, b))
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	var pairs [][2]int // matched lines (i in a, j in b), increasing
	x, y := 0, 0
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			for t := range n {
				pairs = append(pairs, [2]int{ka[x+t], kb[y+t]})
			}
			x, y = x+n, y+n
		case diffmatchpatch.DiffDelete:
			x += n
		case diffmatchpatch.DiffInsert:
			y += n
		}
	}
	return regions(a, b, pairs)
}

// commonLineRunes returns the indices of the lines of a found in b (ka) and
// of the lines of b found in a (kb), and those lines as runes, one per
// distinct line, skipping the surrogate range that strings cannot hold. It
// returns false when there are more distinct shared lines than runes.
func commonLineRunes(a, b []string) (ka, kb []int, ra, rb []rune, ok bool) {
	const fromA, fromB = 1, 2
	seen := make(map[string]uint8, len(a))
	for _, l := range a {
		seen[l] |= fromA
	}
	for _, l := range b {
		seen[l] |= fromB
	}
	ids := make(map[string]rune)
	next := rune(0)
	keep := func(lines []string) (idx []int, runes []rune) {
		for i, l := range lines {
			if seen[l] != fromA|fromB {
				continue
			}
			r, known := ids[l]
			if !known {
				if next == 0xd800 { // the first surrogate
					next = 0xe000
				}
				r = next
				next++
				ids[l] = r
			}
			idx, runes = append(idx, i), append(runes, r)
		}
		return idx, runes
	}
	ka, ra = keep(a)
	kb, rb = keep(b)
	return ka, kb, ra, rb, next <= utf8.MaxRune+1
}

// regions turns matched line pairs (increasing) into the changed regions
// around them.
func regions(a, b []string, pairs [][2]int) []hunk {
	var out []hunk
	i, j := 0, 0
	for _, p := range append(pairs, [2]int{len(a), len(b)}) {
		if p[0] > i || p[1] > j {
			out = append(out, hunk{a0: i, a1: p[0], b0: j, b1: p[1]})
		}
		i, j = p[0]+1, p[1]+1
	}
	return out
}

// prefixSuffixPairs matches the common prefix and suffix of a and b only.
func prefixSuffixPairs(a, b []string) [][2]int {
	var pairs [][2]int
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pairs = append(pairs, [2]int{pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	for s := suf; s > 0; s-- {
		pairs = append(pairs, [2]int{len(a) - s, len(b) - s})
	}
	return pairs
}
