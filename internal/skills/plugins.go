package skills

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// A plugin source (a crate, an operator's directory) holds plugins: "Walk
// recursively for SYMPOSIUM.toml — Each directory containing one is a
// plugin", nested ones independent of their parent; "If no SYMPOSIUM.toml
// found anywhere — Fall back to the default skill sources"
// (md/reference/plugin-source.md). A plugin's manifest gates its skill
// groups (its depends-on and predicates), so a registry's serde guidance is
// offered only where serde is a dependency.

// The walk for SYMPOSIUM.toml is bounded: so deep, so many directories,
// so many plugins; it does not enter a crate's code or build directories.
const (
	maxPluginDepth = 4
	maxPluginDirs  = 256
	maxPlugins     = 64
)

// notPluginDirs are the directories the walk for SYMPOSIUM.toml skips.
var notPluginDirs = []string{"src", "target", "tests", "benches", "examples", "node_modules"}

// pluginDirs returns the directories of t that hold a SYMPOSIUM.toml.
func pluginDirs(ctx context.Context, t tree) ([]string, []Note) {
	var dirs []string
	var notes []Note
	visited := 0
	var walk func(d string, depth int)
	walk = func(d string, depth int) {
		visited++
		if _, err := t.readFile(ctx, path.Join(d, "SYMPOSIUM.toml")); err == nil {
			dirs = append(dirs, d)
		} else if !errors.Is(err, fs.ErrNotExist) {
			notes = append(notes, Note{Path: t.label(path.Join(d, "SYMPOSIUM.toml")), Why: err.Error()})
		}
		if depth >= maxPluginDepth {
			return
		}
		subs, err := t.subdirs(ctx, d)
		if err != nil {
			return
		}
		for _, name := range subs {
			if strings.HasPrefix(name, ".") || slices.Contains(notPluginDirs, name) {
				continue
			}
			if visited >= maxPluginDirs || len(dirs) >= maxPlugins {
				notes = append(notes, Note{Path: t.label(d), Why: "too many directories or plugins: the rest not searched for SYMPOSIUM.toml"})
				return
			}
			walk(path.Join(d, name), depth+1)
		}
	}
	walk(".", 0)
	return dirs, notes
}

// sourceGroups resolves the skill groups of a plugin source: each plugin's
// groups, under its directory, gated by its manifest and not descending
// into a nested plugin; the crate root is a plugin also when its Cargo.toml
// declares [package.metadata.symposium] (cargoLayer). Without any plugin,
// fallback applies.
func sourceGroups(ctx context.Context, t tree, cargoLayer json.RawMessage, fallback group) ([]group, []Note) {
	dirs, notes := pluginDirs(ctx, t)
	hasCargo := len(strings.TrimSpace(string(cargoLayer))) > 0 && strings.TrimSpace(string(cargoLayer)) != "null"
	if hasCargo && !slices.Contains(dirs, ".") {
		dirs = append([]string{"."}, dirs...)
	}
	if len(dirs) == 0 {
		return []group{fallback}, notes
	}
	var groups []group
	for _, d := range dirs {
		var layers []*manifest
		if d == "." && hasCargo {
			m, err := parseManifest(cargoLayer)
			if err != nil {
				notes = append(notes, Note{Path: t.label("Cargo.toml"), Why: "[package.metadata.symposium] ignored: " + err.Error()})
			} else {
				layers = append(layers, m)
			}
		}
		file := path.Join(d, "SYMPOSIUM.toml")
		if m, err := readManifest(ctx, t, file); err != nil {
			notes = append(notes, Note{Path: t.label(file), Why: "ignored: " + err.Error()})
		} else if m != nil {
			layers = append(layers, m)
		}
		resolved, more := resolveGroups(layers, group{dir: "skills"})
		for _, n := range more {
			notes = append(notes, Note{Path: t.label(file), Why: n})
		}
		var nested []string
		for _, other := range dirs {
			if other != d && (d == "." || strings.HasPrefix(other, d+"/")) {
				nested = append(nested, other)
			}
		}
		for _, g := range resolved {
			g.dir = path.Join(d, g.dir)
			g.prune = nested
			groups = append(groups, g)
		}
	}
	return groups, notes
}

// readManifest reads a SYMPOSIUM.toml of t; nil when there is none.
func readManifest(ctx context.Context, t tree, file string) (*manifest, error) {
	data, err := t.readFile(ctx, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	js, err := tomlToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("TOML: %w", err)
	}
	return parseManifest(js)
}

// workspaceGroups resolves a workspace plugin's groups: its SYMPOSIUM.toml
// (a workspace plugin does not read [package.metadata.symposium]), with
// the defaults skills/ and, gated by workspace-member(), .agents/skills.
func workspaceGroups(ctx context.Context, t tree) ([]group, []Note) {
	var layers []*manifest
	var notes []Note
	if m, err := readManifest(ctx, t, "SYMPOSIUM.toml"); err != nil {
		notes = append(notes, Note{Path: t.label("SYMPOSIUM.toml"), Why: "ignored: " + err.Error()})
	} else if m != nil {
		layers = append(layers, m)
	}
	groups, more := resolveGroups(layers, group{dir: "skills"}, group{dir: ".agents/skills", gates: []Predicate{{Fn: "workspace-member"}}})
	for _, n := range more {
		notes = append(notes, Note{Path: t.label("SYMPOSIUM.toml"), Why: n})
	}
	return groups, notes
}
