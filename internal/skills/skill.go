package skills

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Kind says where a skill comes from.
type Kind string

// Skill sources.
const (
	KindCrate      Kind = "crate"
	KindRepository Kind = "repository"
	KindOperator   Kind = "operator"
)

// Skill is one SKILL.md.
type Skill struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// DependsOn is the frontmatter's depends-on (and depends-on(...)
	// predicates), as written.
	DependsOn []string `json:"depends_on,omitempty"`
	Kind      Kind     `json:"kind"`
	// Crate and Version name the crate that ships the skill (KindCrate).
	Crate   string `json:"crate,omitempty"`
	Version string `json:"version,omitempty"`
	// Path says where the SKILL.md is, for people.
	Path string `json:"path"`
	// Why says why the skill applies.
	Why string `json:"why"`
	// Crates are the crates the skill is about: the shipping crate and the
	// crates its atoms name.
	Crates []string `json:"crates,omitempty"`
	// Body is the markdown after the frontmatter.
	Body string `json:"-"`

	atoms []Atom
	preds []Atom
}

// maxNameLen and maxDescriptionLen follow the agentskills.io limits.
const (
	maxNameLen        = 64
	maxDescriptionLen = 1024
)

// frontmatter holds the keys we read; YAML is decoded through JSON.
type frontmatter struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	DependsOn   json.RawMessage `json:"depends-on"`
	Predicates  json.RawMessage `json:"predicates"`
	Crates      json.RawMessage `json:"crates"`
}

// ParseSkill parses a SKILL.md: YAML frontmatter between "---" lines, then
// the markdown body.
func ParseSkill(data []byte) (Skill, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return Skill{}, errors.New("no YAML frontmatter (the file must start with ---)")
	}
	head, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		head, ok = strings.CutSuffix(rest, "\n---")
		if !ok {
			return Skill{}, errors.New("frontmatter is not closed by ---")
		}
	}
	var fm frontmatter
	if err := yaml.Unmarshal([]byte(head), &fm); err != nil {
		return Skill{}, fmt.Errorf("frontmatter: %w", err)
	}
	if len(fm.Crates) > 0 && string(fm.Crates) != "null" {
		return Skill{}, errors.New("frontmatter: the crates field is rejected; use depends-on")
	}
	s := Skill{Name: strings.TrimSpace(fm.Name), Description: strings.Join(strings.Fields(fm.Description), " "), Body: strings.TrimSpace(body)}
	if s.Name == "" || s.Description == "" {
		return Skill{}, errors.New("frontmatter: name and description are required")
	}
	if len(s.Name) > maxNameLen || strings.ContainsAny(s.Name, " \t\n`<>") {
		return Skill{}, fmt.Errorf("frontmatter: bad name %q", s.Name)
	}
	if len(s.Description) > maxDescriptionLen {
		s.Description = s.Description[:maxDescriptionLen]
	}
	deps, err := stringList(fm.DependsOn)
	if err != nil {
		return Skill{}, fmt.Errorf("frontmatter: depends-on: %w", err)
	}
	if s.atoms, err = ParseDependsOn(deps); err != nil {
		return Skill{}, fmt.Errorf("frontmatter: depends-on: %w", err)
	}
	for _, a := range s.atoms {
		s.DependsOn = append(s.DependsOn, a.String())
	}
	preds, err := stringList(fm.Predicates)
	if err != nil {
		return Skill{}, fmt.Errorf("frontmatter: predicates: %w", err)
	}
	for _, p := range preds {
		a, err := parsePredicate(p)
		if err != nil {
			return Skill{}, fmt.Errorf("frontmatter: %w", err)
		}
		s.preds = append(s.preds, a)
		s.DependsOn = append(s.DependsOn, "depends-on("+a.String()+")")
	}
	return s, nil
}

// stringList decodes a string or a list of strings.
func stringList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("want a string or a list of strings")
	}
	return list, nil
}

// applies evaluates the skill's own gate (frontmatter depends-on and
// predicates) against deps: the reason, and whether it holds.
func (s *Skill) applies(deps Deps) (string, bool) {
	var why []string
	if len(s.atoms) > 0 {
		w, ok := matchAny(s.atoms, deps)
		if !ok {
			return "depends-on " + strings.Join(s.DependsOn, ", ") + " does not hold", false
		}
		why = append(why, w)
	}
	for _, p := range s.preds {
		w, ok := matchAny([]Atom{p}, deps)
		if !ok {
			return "predicate depends-on(" + p.String() + ") does not hold", false
		}
		why = append(why, w)
	}
	for _, a := range append(append([]Atom(nil), s.atoms...), s.preds...) {
		if a.Name != "*" && !containsString(s.Crates, a.Name) {
			s.Crates = append(s.Crates, a.Name)
		}
	}
	return strings.Join(why, "; "), true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
