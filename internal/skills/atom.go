package skills

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Deps maps a direct dependency's name (as published) to its locked
// versions (several when members lock different ones).
type Deps map[string][]string

// Atom is one dependency atom: "serde", "tokio>=1.40", "serde=1.0",
// "serde==1.0.219" or "*".
type Atom struct {
	Name string
	// Op is "", "==", "=", ">=", "<=", ">", "<", "^" or "~".
	Op      string
	Version string
	// Range holds further comma-separated requirements of a
	// depends-on(...) predicate, every one of which must hold.
	Range []string
}

func (a Atom) String() string {
	s := a.Name + a.Op + a.Version
	for _, r := range a.Range {
		s += "," + r
	}
	return s
}

// ops are the version operators, longest first.
var ops = []string{"==", ">=", "<=", "=", ">", "<", "^", "~"}

// ParseAtom parses one atom, written without spaces.
func ParseAtom(s string) (Atom, error) {
	if s == "*" {
		return Atom{Name: "*"}, nil
	}
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return Atom{}, fmt.Errorf("atom %q: write it without spaces", s)
	}
	i := strings.IndexAny(s, "=<>^~")
	if i < 0 {
		if !validName(s) {
			return Atom{}, fmt.Errorf("atom %q: not a crate name", s)
		}
		return Atom{Name: s}, nil
	}
	a := Atom{Name: s[:i]}
	rest := s[i:]
	for _, op := range ops {
		if strings.HasPrefix(rest, op) {
			a.Op, a.Version = op, rest[len(op):]
			break
		}
	}
	if !validName(a.Name) {
		return Atom{}, fmt.Errorf("atom %q: not a crate name", s)
	}
	if _, err := constraint(a.Op, a.Version); err != nil {
		return Atom{}, fmt.Errorf("atom %q: %w", s, err)
	}
	return a, nil
}

// validName accepts crate names: letters, digits, '-' and '_'.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// cargoVersion is the version syntax of a Cargo requirement: a partial
// version (1, 1.2, 1.2.3, with * for a missing part) and a pre-release only
// on a full version. Masterminds' extras (x, ||, ranges, v prefixes) are
// not Cargo's and are refused.
var cargoVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*|\*)(\.(0|[1-9][0-9]*|\*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)?)?$`)

// constraint turns op and version into a check with Cargo's semantics.
func constraint(op, version string) (func(*semver.Version) bool, error) {
	if version == "" {
		return nil, errors.New("missing version")
	}
	if !cargoVersion.MatchString(version) {
		return nil, fmt.Errorf("version %q is not a Cargo version requirement", version)
	}
	switch op {
	case "==":
		// Cargo's "=": "=1.0.219" is that version, "=1.0" any 1.0.x.
		if strings.Count(version, ".") < 2 || strings.Contains(version, "*") {
			op = "~"
			break
		}
		want, err := semver.NewVersion(version)
		if err != nil {
			return nil, err
		}
		return func(v *semver.Version) bool { return v.Equal(want) }, nil
	case "=":
		op = "^" // "=1.0" means "^1.0", not Cargo's exact "="
	}
	c, err := semver.NewConstraint(op + version)
	if err != nil {
		return nil, err
	}
	return c.Check, nil
}

// preOK applies Cargo's pre-release rule: a pre-release version matches
// only requirements naming a pre-release of the same major.minor.patch.
func preOK(v *semver.Version, reqs []string) bool {
	if v.Prerelease() == "" {
		return true
	}
	for _, r := range reqs {
		rv, err := semver.NewVersion(strings.TrimLeft(r, "=<>^~"))
		if err == nil && rv.Prerelease() != "" && rv.Major() == v.Major() && rv.Minor() == v.Minor() && rv.Patch() == v.Patch() {
			return true
		}
	}
	return false
}

// ParseDependsOn parses a comma-separated list of atoms (SKILL.md
// frontmatter) or one atom per element (TOML arrays).
func ParseDependsOn(list []string) ([]Atom, error) {
	var atoms []Atom
	for _, item := range list {
		for part := range strings.SplitSeq(item, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			a, err := ParseAtom(part)
			if err != nil {
				return nil, err
			}
			atoms = append(atoms, a)
		}
	}
	return atoms, nil
}

// parseDependsOnArg parses depends-on's argument: an atom, then further
// comma-separated requirements ("serde>=1.0,<2.0"), all without spaces.
func parseDependsOnArg(s string) (Atom, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		return Atom{}, fmt.Errorf("depends-on(%s): write the atom without spaces", s)
	}
	parts := strings.Split(s, ",")
	a, err := ParseAtom(parts[0])
	if err != nil {
		return Atom{}, err
	}
	for _, r := range parts[1:] {
		op := ""
		for _, o := range ops {
			if strings.HasPrefix(r, o) {
				op = o
				break
			}
		}
		if op == "" || a.Name == "*" {
			return Atom{}, fmt.Errorf("depends-on(%s): bad requirement %q", s, r)
		}
		if _, err := constraint(op, r[len(op):]); err != nil {
			return Atom{}, fmt.Errorf("depends-on(%s): %w", s, err)
		}
		a.Range = append(a.Range, r)
	}
	return a, nil
}

// Match reports whether the atom holds for deps, and the locked version
// that satisfies it ("" for the wildcard).
func (a Atom) Match(deps Deps) (string, bool) {
	if a.Name == "*" {
		return "", true
	}
	reqs := a.Range
	if a.Op != "" {
		reqs = append([]string{a.Op + a.Version}, reqs...)
	}
	for _, locked := range deps[a.Name] {
		if satisfies(locked, reqs) {
			return locked, true
		}
	}
	return "", false
}

func satisfies(locked string, reqs []string) bool {
	if len(reqs) == 0 {
		return true
	}
	v, err := semver.NewVersion(locked)
	if err != nil || !preOK(v, reqs) {
		return false
	}
	for _, r := range reqs {
		op := ""
		for _, o := range ops {
			if strings.HasPrefix(r, o) {
				op = o
				break
			}
		}
		check, err := constraint(op, r[len(op):])
		if err != nil || !check(v) {
			return false
		}
	}
	return true
}
