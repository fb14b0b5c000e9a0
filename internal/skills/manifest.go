package skills

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// manifest is a crate's Symposium plugin manifest, as far as skills go:
// `[package.metadata.symposium]` in Cargo.toml and/or SYMPOSIUM.toml.
type manifest struct {
	DependsOn  json.RawMessage `json:"depends-on"`
	Predicates []string        `json:"predicates"`
	Crates     json.RawMessage `json:"crates"`
	Skills     []skillGroup    `json:"skills"`
	Plugins    []any           `json:"plugins"`
	Defaults   struct {
		Skills *bool `json:"skills"`
	} `json:"defaults"`
}

// skillGroup is one [[skills]] group.
type skillGroup struct {
	DependsOn  json.RawMessage `json:"depends-on"`
	Predicates []string        `json:"predicates"`
	Crates     json.RawMessage `json:"crates"`
	Source     json.RawMessage `json:"source"`
}

// group is a resolved skill directory of a crate with its gates, all of
// which must hold.
type group struct {
	dir   string // slash path relative to the crate root
	gates []Predicate
	// prune are the directories below dir that are plugins of their own.
	prune []string
}

// parseManifest decodes one manifest layer from JSON; nil for none.
func parseManifest(raw []byte) (*manifest, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if len(m.Crates) > 0 {
		return nil, fmt.Errorf("the crates field is rejected; use depends-on")
	}
	for _, g := range m.Skills {
		if len(g.Crates) > 0 {
			return nil, fmt.Errorf("the crates field is rejected; use depends-on")
		}
	}
	return &m, nil
}

// tomlToJSON converts SYMPOSIUM.toml to the JSON the manifest decoder reads.
func tomlToJSON(data []byte) ([]byte, error) {
	var v map[string]any
	if err := toml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// resolveGroups combines the manifest layers (Cargo.toml's, then
// SYMPOSIUM.toml's) into skill directories, with the notes of what was
// skipped. Skill groups of both layers are kept; a value both set is
// SYMPOSIUM.toml's. The default groups (skills/ for a crate) follow unless
// a layer opts out; no layer (or only malformed ones) means the defaults.
func resolveGroups(layers []*manifest, defaultGroups ...group) ([]group, []string) {
	var notes []string
	var top []Predicate
	var groups []group
	defaults := true
	for _, m := range layers {
		if m == nil {
			continue
		}
		if m.Defaults.Skills != nil {
			defaults = *m.Defaults.Skills
		}
		if len(m.Plugins) > 0 {
			notes = append(notes, "[[plugins]] chained references are not followed")
		}
		if len(m.DependsOn) == 0 && m.Predicates == nil {
			continue
		}
		gates, err := gatesOf(m.DependsOn, m.Predicates)
		if err != nil {
			notes = append(notes, "manifest: "+err.Error())
			return nil, notes
		}
		top = gates
	}
	for _, m := range layers {
		if m == nil {
			continue
		}
		for _, g := range m.Skills {
			dir, err := sourcePath(g.Source)
			if err != nil {
				notes = append(notes, "skill group skipped: "+err.Error())
				continue
			}
			gates, err := gatesOf(g.DependsOn, g.Predicates)
			if err != nil {
				notes = append(notes, "skill group "+dir+" skipped: "+err.Error())
				continue
			}
			groups = append(groups, group{dir: dir, gates: append(append([]Predicate(nil), top...), gates...)})
		}
	}
	if defaults {
		for _, g := range defaultGroups {
			groups = append(groups, group{dir: g.dir, gates: append(append([]Predicate(nil), top...), g.gates...)})
		}
	}
	return groups, notes
}

// gatesOf lowers a depends-on value (one atom string or a list; each may
// carry a comma-separated range) to any(...) and parses the predicates.
func gatesOf(dependsOn json.RawMessage, predicates []string) ([]Predicate, error) {
	list, err := stringList(dependsOn)
	if err != nil {
		return nil, fmt.Errorf("depends-on: %w", err)
	}
	var gates []Predicate
	if list != nil {
		var atoms []Atom
		for _, item := range list {
			a, err := parseDependsOnArg(item)
			if err != nil {
				return nil, err
			}
			atoms = append(atoms, a)
		}
		gates = append(gates, anyOf(atoms))
	}
	for _, s := range predicates {
		p, err := ParsePredicate(s)
		if err != nil {
			return nil, err
		}
		gates = append(gates, p)
	}
	return gates, nil
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

// sourcePath reads a group's source.path, a directory inside the crate.
func sourcePath(raw json.RawMessage) (string, error) {
	var src struct {
		Path string `json:"path"`
		Git  string `json:"git"`
	}
	if err := json.Unmarshal(raw, &src); err != nil || src.Path == "" {
		if src.Git != "" {
			return "", fmt.Errorf("source.git %q is not fetched", src.Git)
		}
		return "", fmt.Errorf("source %s: only source.path is supported", strings.TrimSpace(string(raw)))
	}
	p := path.Clean(strings.TrimPrefix(src.Path, "./"))
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("source.path %q leaves the crate", src.Path)
	}
	return p, nil
}
