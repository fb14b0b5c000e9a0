package skills

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Predicate is one predicate expression of Symposium's predicate language
// (md/reference/predicates.md): a leaf — depends-on(<atom>),
// shell(<command>), path_exists(<arg>), env(<name>[=<value>]),
// workspace-member() (and the earlier workspace(), dependency(),
// installed(): where the plugin source comes from) — or a combinator
// not(p), any(p, …), all(p, …).
type Predicate struct {
	// Fn is the function's name.
	Fn string
	// Arg is a leaf's argument, verbatim.
	Arg string
	// Atom is depends-on's atom (with its range).
	Atom Atom
	// Args are a combinator's operands.
	Args []Predicate
	// dependsOn marks a depends-on field lowered to any(...), written back
	// as the field.
	dependsOn bool
}

// String writes p back in the predicate syntax.
func (p Predicate) String() string {
	if p.dependsOn {
		atoms := make([]string, len(p.Args))
		for i, a := range p.Args {
			atoms[i] = a.Atom.String()
		}
		return "depends-on: " + strings.Join(atoms, ", ")
	}
	switch p.Fn {
	case "not", "any", "all":
		parts := make([]string, len(p.Args))
		for i, a := range p.Args {
			parts[i] = a.String()
		}
		return p.Fn + "(" + strings.Join(parts, ", ") + ")"
	case "depends-on":
		return "depends-on(" + p.Atom.String() + ")"
	}
	return p.Fn + "(" + p.Arg + ")"
}

// maxPredicateDepth bounds the nesting of combinators.
const maxPredicateDepth = 16

// ParsePredicate parses one predicate expression.
func ParsePredicate(s string) (Predicate, error) {
	return parsePredicateDepth(strings.TrimSpace(s), 0)
}

func parsePredicateDepth(s string, depth int) (Predicate, error) {
	if depth > maxPredicateDepth {
		return Predicate{}, fmt.Errorf("predicate %q: nested too deep", s)
	}
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return Predicate{}, fmt.Errorf("predicate %q: want name(argument)", s)
	}
	fn, arg := s[:open], s[open+1:len(s)-1]
	if _, err := SplitPredicates(arg); err != nil {
		return Predicate{}, fmt.Errorf("predicate %q: %w", s, err)
	}
	switch fn {
	case "depends-on":
		a, err := parseDependsOnArg(arg)
		if err != nil {
			return Predicate{}, err
		}
		return Predicate{Fn: fn, Arg: arg, Atom: a}, nil
	case "shell", "path_exists", "env":
		if strings.TrimSpace(arg) == "" {
			return Predicate{}, fmt.Errorf("predicate %q: needs an argument", s)
		}
		return Predicate{Fn: fn, Arg: arg}, nil
	case "workspace-member", "workspace", "dependency", "installed":
		if arg != "" {
			return Predicate{}, fmt.Errorf("predicate %q: takes no argument", s)
		}
		return Predicate{Fn: fn}, nil
	case "not", "any", "all":
		parts, err := SplitPredicates(arg)
		if err != nil {
			return Predicate{}, fmt.Errorf("predicate %q: %w", s, err)
		}
		if len(parts) == 0 || fn == "not" && len(parts) != 1 {
			return Predicate{}, fmt.Errorf("predicate %q: wrong number of operands", s)
		}
		p := Predicate{Fn: fn}
		for _, part := range parts {
			sub, err := parsePredicateDepth(part, depth+1)
			if err != nil {
				return Predicate{}, err
			}
			p.Args = append(p.Args, sub)
		}
		return p, nil
	case "crate":
		return Predicate{}, fmt.Errorf("predicate %q: crate(...) is the retired spelling of depends-on(...)", s)
	}
	return Predicate{}, fmt.Errorf("predicate %q: unknown predicate %s", s, fn)
}

// SplitPredicates splits a comma-separated list of predicates; commas
// inside parentheses do not separate ("predicates: path_exists(rg),
// shell(test -f Cargo.toml)").
func SplitPredicates(s string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil, errors.New("unbalanced parentheses")
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errors.New("unbalanced parentheses")
	}
	out = append(out, s[start:])
	var parts []string
	for _, p := range out {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts, nil
}

// Scope is what predicates are evaluated against in a review: the
// workspace's direct dependencies, where the skill comes from, and the
// workspace's files at the base revision. A review is not the user's
// shell: shell(...) is never run and holds not, env(...) sees no variable
// (the worker's environment is the operator's, not the user's), and
// path_exists(...) looks only in the workspace, never on the worker.
type Scope struct {
	Deps Deps
	// WorkspaceMember: the skill is the workspace's own (its root or a
	// member), not a dependency's or the operator's.
	WorkspaceMember bool
	// Installed: the skill is the operator's (what Symposium calls an
	// installed plugin source).
	Installed bool
	// Exists reports whether a workspace-relative path exists at the base
	// revision; nil for none.
	Exists func(p string) bool
}

// Eval reports whether p holds in sc, with the depends-on atoms that made
// it hold (for people).
func (p Predicate) Eval(sc Scope) (bool, []string) {
	switch p.Fn {
	case "depends-on":
		if v, ok := p.Atom.Match(sc.Deps); ok {
			if v == "" {
				return true, []string{"depends-on " + p.Atom.String()}
			}
			return true, []string{fmt.Sprintf("depends-on %s (locked %s %s)", p.Atom, p.Atom.Name, v)}
		}
		return false, nil
	case "workspace-member", "workspace":
		return sc.WorkspaceMember, nil
	case "dependency":
		return !sc.WorkspaceMember && !sc.Installed, nil
	case "installed":
		return sc.Installed, nil
	case "path_exists":
		return sc.pathExists(p.Arg), nil
	case "shell", "env":
		return false, nil
	case "not":
		ok, _ := p.Args[0].Eval(sc)
		return !ok, nil
	case "any":
		for _, a := range p.Args {
			if ok, why := a.Eval(sc); ok {
				return true, why
			}
		}
		return false, nil
	case "all":
		var whys []string
		for _, a := range p.Args {
			ok, why := a.Eval(sc)
			if !ok {
				return false, nil
			}
			whys = append(whys, why...)
		}
		return true, whys
	}
	return false, nil
}

// pathExists checks arg against the workspace only: an absolute path or
// one leaving the workspace holds not, and a bare name is not searched on
// the worker's PATH.
func (sc Scope) pathExists(arg string) bool {
	arg = strings.TrimSpace(arg)
	if sc.Exists == nil || arg == "" || path.IsAbs(arg) {
		return false
	}
	p := path.Clean(arg)
	if p == ".." || strings.HasPrefix(p, "../") {
		return false
	}
	return sc.Exists(p)
}

// crates returns the crates p's depends-on leaves name outside a not(...).
func (p Predicate) crates() []string {
	switch p.Fn {
	case "depends-on":
		if p.Atom.Name != "*" {
			return []string{p.Atom.Name}
		}
	case "any", "all":
		var out []string
		for _, a := range p.Args {
			out = append(out, a.crates()...)
		}
		return out
	}
	return nil
}

// anyOf lowers a depends-on list to one predicate: any(depends-on(a), …).
func anyOf(atoms []Atom) Predicate {
	p := Predicate{Fn: "any", dependsOn: true}
	for _, a := range atoms {
		p.Args = append(p.Args, Predicate{Fn: "depends-on", Arg: a.String(), Atom: a})
	}
	return p
}

// evalAll evaluates a list of predicates (AND), returning the first that
// does not hold.
func evalAll(preds []Predicate, sc Scope) (whys []string, failed *Predicate) {
	for i := range preds {
		ok, why := preds[i].Eval(sc)
		if !ok {
			return nil, &preds[i]
		}
		whys = append(whys, why...)
	}
	return whys, nil
}
