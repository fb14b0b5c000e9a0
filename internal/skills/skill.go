package skills

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

	// gates are the skill's own predicates: its depends-on (lowered to
	// any(...)) and its predicates, all of which must hold.
	gates []Predicate
}

// maxNameLen and maxDescriptionLen follow the agentskills.io limits.
const (
	maxNameLen        = 64
	maxDescriptionLen = 1024
)

// ParseSkill parses a SKILL.md from a crate, a registry or an operator:
// YAML frontmatter between "---" lines with name and description, then the
// markdown body.
func ParseSkill(data []byte) (Skill, error) { return parseSkill(data, "") }

// ParseWorkspaceSkill parses a workspace's own SKILL.md, in directory
// dirName: there "the frontmatter is optional: name defaults to the name of
// the skill's directory, and description may be omitted".
func ParseWorkspaceSkill(data []byte, dirName string) (Skill, error) {
	return parseSkill(data, dirName)
}

// parseSkill parses a SKILL.md; a non-empty dirName makes the frontmatter
// optional (a workspace skill).
func parseSkill(data []byte, dirName string) (Skill, error) {
	text := strings.TrimLeft(strings.ReplaceAll(string(data), "\r\n", "\n"), " \t\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	head, body := "", text
	switch {
	case ok:
		if head, body, ok = strings.Cut(rest, "\n---\n"); !ok {
			if head, ok = strings.CutSuffix(rest, "\n---"); !ok {
				return Skill{}, errors.New("frontmatter is not closed by ---")
			}
			body = ""
		}
	case dirName == "":
		return Skill{}, errors.New("no YAML frontmatter (the file must start with ---)")
	}
	fields, err := frontmatterFields(head)
	if err != nil {
		return Skill{}, err
	}
	if _, ok := fields["crates"]; ok {
		return Skill{}, errors.New("frontmatter: the crates field is rejected; use depends-on")
	}
	s := Skill{Name: strings.TrimSpace(fields["name"]), Description: strings.Join(strings.Fields(fields["description"]), " "), Body: strings.TrimSpace(body)}
	if s.Name == "" {
		s.Name = dirName
	}
	if s.Name == "" || s.Description == "" && dirName == "" {
		return Skill{}, errors.New("frontmatter: name and description are required")
	}
	if len(s.Name) > maxNameLen || strings.ContainsAny(s.Name, " \t\n`<>()[]{}\"'/\\") {
		return Skill{}, fmt.Errorf("frontmatter: bad name %q (lowercase letters, digits and hyphens)", s.Name)
	}
	if len(fields["description"]) > maxDescriptionLen {
		return Skill{}, fmt.Errorf("frontmatter: description of %d bytes, more than %d", len(fields["description"]), maxDescriptionLen)
	}
	if list := fields["depends-on"]; list != "" {
		atoms, err := ParseDependsOn([]string{list})
		if err != nil {
			return Skill{}, fmt.Errorf("frontmatter: depends-on: %w", err)
		}
		if len(atoms) > 0 {
			s.gates = append(s.gates, anyOf(atoms))
		}
		for _, a := range atoms {
			s.DependsOn = append(s.DependsOn, a.String())
		}
	}
	if list := fields["predicates"]; list != "" {
		parts, err := SplitPredicates(list)
		if err != nil {
			return Skill{}, fmt.Errorf("frontmatter: predicates: %w", err)
		}
		for _, part := range parts {
			p, err := ParsePredicate(part)
			if err != nil {
				return Skill{}, fmt.Errorf("frontmatter: %w", err)
			}
			s.gates = append(s.gates, p)
			s.DependsOn = append(s.DependsOn, p.String())
		}
	}
	return s, nil
}

// frontmatterFields decodes the frontmatter: every value must be a string
// ("Lists, maps ..., numbers, booleans, and empty values are rejected").
func frontmatterFields(head string) (map[string]string, error) {
	if strings.TrimSpace(head) == "" {
		return map[string]string{}, nil
	}
	var raw map[string]json.RawMessage
	if err := yaml.Unmarshal([]byte(head), &raw); err != nil {
		return nil, fmt.Errorf("frontmatter: %w", err)
	}
	fields := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil || strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("frontmatter: %s: every value must be a non-empty string (quote it)", k)
		}
		fields[k] = s
	}
	return fields, nil
}

// applies evaluates the skill's own gates in sc: the reason, and whether
// they hold. The crates its depends-on leaves name join s.Crates.
func (s *Skill) applies(sc Scope) (string, bool) {
	why, failed := evalAll(s.gates, sc)
	if failed != nil {
		return failed.String() + " does not hold", false
	}
	for _, g := range s.gates {
		for _, c := range g.crates() {
			if !slices.Contains(s.Crates, c) {
				s.Crates = append(s.Crates, c)
			}
		}
	}
	return strings.Join(why, "; "), true
}
