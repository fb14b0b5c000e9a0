package cargo

// hunk is a changed region: lines a[a0:a1] become b[b0:b1].
type hunk struct{ a0, a1, b0, b1 int }

// diffLines returns the changed regions between a and b, using Myers'
// O(ND) shortest edit script on the lines between the common prefix and
// suffix.
func diffLines(a, b []string) []hunk {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}
	keep := commonLines(ma, mb) // pairs (i, j) of equal lines, increasing
	var out []hunk
	i, j := 0, 0
	for _, k := range append(keep, [2]int{len(ma), len(mb)}) {
		if k[0] > i || k[1] > j {
			out = append(out, hunk{pre + i, pre + k[0], pre + j, pre + k[1]})
		}
		i, j = k[0]+1, k[1]+1
	}
	return out
}

// commonLines returns the matched line pairs of a longest common
// subsequence of a and b (Myers' greedy algorithm with a trace).
func commonLines(a, b []string) [][2]int {
	n, m := len(a), len(b)
	max := n + m
	off := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	var dEnd int
search:
	for d := 0; d <= max; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				dEnd = d
				break search
			}
		}
	}
	// Walk the trace back from (n, m), collecting diagonal moves.
	var pairs [][2]int
	x, y := n, m
	for d := dEnd; d > 0; d-- {
		vd := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vd[off+pk]
		py := px - pk
		for x > px && y > py { // the snake after the edit move
			pairs = append(pairs, [2]int{x - 1, y - 1})
			x, y = x-1, y-1
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		pairs = append(pairs, [2]int{x - 1, y - 1})
		x, y = x-1, y-1
	}
	for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
		pairs[i], pairs[j] = pairs[j], pairs[i]
	}
	return pairs
}
