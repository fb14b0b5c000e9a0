// Package cargover parses the versions and version requirements of Cargo
// (semver 2.0 with Cargo's requirement syntax: "^1.2", "~1.2.3", ">= 1.0,
// < 2", "1.*", "=0.3.1") and compares them. It also reads rust-version
// values ("1.70", "1.70.0").
package cargover

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Version is a semver version. Pre is the pre-release ("" for a release);
// build metadata is dropped, as semver orders without it.
type Version struct {
	Major, Minor, Patch uint64
	Pre                 string
}

// String renders v as major.minor.patch[-pre].
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Parse reads a full version: "1.2.3", "1.2.3-alpha.1+build".
func Parse(s string) (Version, error) {
	v, n, err := parsePartial(s)
	if err != nil {
		return Version{}, err
	}
	if n != 3 {
		return Version{}, fmt.Errorf("version %q: want major.minor.patch", s)
	}
	return v, nil
}

// ParseRustVersion reads a rust-version: "1.70" or "1.70.0".
func ParseRustVersion(s string) (Version, error) {
	v, n, err := parsePartial(s)
	if err != nil {
		return Version{}, err
	}
	if n < 2 || v.Pre != "" {
		return Version{}, fmt.Errorf("rust-version %q: want major.minor[.patch]", s)
	}
	return v, nil
}

// parsePartial reads 1 to 3 numeric parts and an optional pre-release; n
// is the number of parts given. A "*" or "x" part ends the version.
func parsePartial(s string) (v Version, n int, err error) {
	s = strings.TrimSpace(s)
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) > 3 || core == "" {
		return Version{}, 0, fmt.Errorf("version %q: bad form", s)
	}
	nums := []*uint64{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		if p == "*" || p == "x" || p == "X" {
			if i == 0 || hasPre {
				return Version{}, 0, fmt.Errorf("version %q: bad wildcard", s)
			}
			return v, i, nil
		}
		x, err := strconv.ParseUint(p, 10, 64)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return Version{}, 0, fmt.Errorf("version %q: %q is not a number", s, p)
		}
		*nums[i] = x
	}
	if hasPre {
		if pre == "" || len(parts) != 3 {
			return Version{}, 0, fmt.Errorf("version %q: bad pre-release", s)
		}
		v.Pre = pre
	}
	return v, len(parts), nil
}

// Compare orders versions as semver does: a pre-release comes before its
// release; pre-release identifiers compare numerically when both are
// numbers, as text otherwise.
func Compare(a, b Version) int {
	if c := cmp.Or(cmp.Compare(a.Major, b.Major), cmp.Compare(a.Minor, b.Minor), cmp.Compare(a.Patch, b.Patch)); c != 0 {
		return c
	}
	switch {
	case a.Pre == b.Pre:
		return 0
	case a.Pre == "":
		return 1
	case b.Pre == "":
		return -1
	}
	as, bs := strings.Split(a.Pre, "."), strings.Split(b.Pre, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		an, aErr := strconv.ParseUint(as[i], 10, 64)
		bn, bErr := strconv.ParseUint(bs[i], 10, 64)
		var c int
		switch {
		case aErr == nil && bErr == nil:
			c = cmp.Compare(an, bn)
		case aErr == nil:
			c = -1
		case bErr == nil:
			c = 1
		default:
			c = strings.Compare(as[i], bs[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// comparator is one condition of a requirement: op and a (partial) version.
type comparator struct {
	op string // "=", ">", ">=", "<", "<=", "^", "~"
	v  Version
	n  int // parts given
}

// Req is a version requirement: every comparator must match.
type Req struct {
	text  string
	comps []comparator
}

// String returns the requirement as written.
func (r Req) String() string { return r.text }

// ParseReq reads a requirement such as ">= 1.2.0, < 2" or "^0.3".
func ParseReq(s string) (Req, error) {
	r := Req{text: strings.TrimSpace(s)}
	if r.text == "*" {
		return r, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		op := "^"
		for _, o := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
			if rest, ok := strings.CutPrefix(part, o); ok {
				op, part = o, strings.TrimSpace(rest)
				break
			}
		}
		if part == "*" {
			continue
		}
		v, n, err := parsePartial(part)
		if err != nil {
			return Req{}, fmt.Errorf("requirement %q: %w", s, err)
		}
		r.comps = append(r.comps, comparator{op: op, v: v, n: n})
	}
	return r, nil
}

// Matches reports whether v meets every comparator. As in Cargo, a
// pre-release matches only a comparator that names a pre-release of the
// same major.minor.patch.
func (r Req) Matches(v Version) bool {
	if v.Pre != "" {
		allowed := false
		for _, c := range r.comps {
			if c.v.Pre != "" && c.v.Major == v.Major && c.v.Minor == v.Minor && c.v.Patch == v.Patch {
				allowed = true
			}
		}
		if !allowed {
			return false
		}
	}
	for _, c := range r.comps {
		if !c.matches(v) {
			return false
		}
	}
	return true
}

func (c comparator) matches(v Version) bool {
	lo := c.v
	switch c.op {
	case "=":
		return inRange(v, lo, c.upper(c.n))
	case ">":
		if c.n < 3 {
			return Compare(v, c.upper(c.n)) >= 0
		}
		return Compare(v, lo) > 0
	case ">=":
		return Compare(v, lo) >= 0
	case "<":
		return Compare(v, lo) < 0
	case "<=":
		if c.n < 3 {
			return Compare(v, c.upper(c.n)) < 0
		}
		return Compare(v, lo) <= 0
	case "~":
		return inRange(v, lo, c.upper(min(c.n, 2)))
	default: // "^"
		switch {
		case lo.Major > 0 || c.n == 1:
			return inRange(v, lo, c.upper(1))
		case lo.Minor > 0 || c.n == 2:
			return inRange(v, lo, c.upper(2))
		default:
			return inRange(v, lo, c.upper(3))
		}
	}
}

// upper is the first version past the comparator's version when only its
// first n parts count: 1.2 with n=2 gives 1.3.0.
func (c comparator) upper(n int) Version {
	v := c.v
	switch n {
	case 1:
		return Version{Major: v.Major + 1}
	case 2:
		return Version{Major: v.Major, Minor: v.Minor + 1}
	default:
		return Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch + 1}
	}
}

func inRange(v, lo, hi Version) bool {
	return Compare(v, lo) >= 0 && Compare(v, Version{Major: hi.Major, Minor: hi.Minor, Patch: hi.Patch, Pre: "0"}) < 0
}

// Bump names the smallest version change Cargo treats as breaking from
// v: "major" for 1.0 and later, "minor" for 0.x (x > 0), "patch" for 0.0.x.
func Bump(v Version) string {
	switch {
	case v.Major > 0:
		return "major"
	case v.Minor > 0:
		return "minor"
	}
	return "patch"
}

// IsBreakingBump reports whether going from old to new is a change Cargo
// treats as incompatible (new is not caret-compatible with old), and new is
// not older.
func IsBreakingBump(oldV, newV Version) bool {
	if Compare(newV, oldV) <= 0 {
		return false
	}
	switch {
	case oldV.Major > 0:
		return newV.Major > oldV.Major
	case oldV.Minor > 0:
		return newV.Major > 0 || newV.Minor > oldV.Minor
	}
	return newV.Major > 0 || newV.Minor > 0 || newV.Patch > oldV.Patch
}
