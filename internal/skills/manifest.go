package skills

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// manifest is a crate's Symposium plugin manifest, as far as skills go:
// `[package.metadata.symposium]` in Cargo.toml and/or SYMPOSIUM.toml.
type manifest struct {
	DependsOn json.RawMessage `json:"depends-on"`
	Crates    json.RawMessage `json:"crates"`
	Skills    []skillGroup    `json:"skills"`
	Plugins   []any           `json:"plugins"`
	Defaults  struct {
		Skills *bool `json:"skills"`
	} `json:"defaults"`
}

// skillGroup is one [[skills]] group.
type skillGroup struct {
	DependsOn json.RawMessage `json:"depends-on"`
	Crates    json.RawMessage `json:"crates"`
	Source    json.RawMessage `json:"source"`
}

// group is a resolved skill directory of a crate with its gates.
type group struct {
	dir   string // slash path relative to the crate root
	gates [][]Atom
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

// resolveGroups combines the manifest layers into skill directories, with
// the notes of what was skipped. No layer (or only malformed ones) means
// the default skills/ group.
func resolveGroups(layers []*manifest) ([]group, []string) {
	var notes []string
	var topGates [][]Atom
	var groups []group
	defaults := true
	for _, m := range layers {
		if m == nil {
			continue
		}
		if m.Defaults.Skills != nil && !*m.Defaults.Skills {
			defaults = false
		}
		if len(m.Plugins) > 0 {
			notes = append(notes, "[[plugins]] chained references are not followed")
		}
		if atoms, err := rawAtoms(m.DependsOn); err != nil {
			notes = append(notes, "manifest depends-on: "+err.Error())
			return nil, notes
		} else if atoms != nil {
			topGates = append(topGates, atoms)
		}
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
			atoms, err := rawAtoms(g.DependsOn)
			if err != nil {
				notes = append(notes, "skill group "+dir+" skipped: depends-on: "+err.Error())
				continue
			}
			gates := append([][]Atom(nil), topGates...)
			if atoms != nil {
				gates = append(gates, atoms)
			}
			groups = append(groups, group{dir: dir, gates: gates})
		}
	}
	if defaults {
		groups = append(groups, group{dir: "skills", gates: topGates})
	}
	return groups, notes
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

// rawAtoms decodes a depends-on value: one atom string or a list of them
// (each may carry a comma-separated range in TOML).
func rawAtoms(raw json.RawMessage) ([]Atom, error) {
	list, err := stringList(raw)
	if err != nil || list == nil {
		return nil, err
	}
	var atoms []Atom
	for _, item := range list {
		a, err := parsePredicate("depends-on(" + strings.TrimSpace(item) + ")")
		if err != nil {
			return nil, err
		}
		atoms = append(atoms, a)
	}
	return atoms, nil
}
