package deps

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Graph is the part of `cargo metadata` the dependency review uses.
type Graph struct {
	Packages []MetaPackage `json:"packages"`
	Members  []string      `json:"workspace_members"`
	Resolve  struct {
		Nodes []struct {
			ID   string `json:"id"`
			Deps []struct {
				Name string `json:"name"`
				Pkg  string `json:"pkg"`
			} `json:"deps"`
		} `json:"nodes"`
	} `json:"resolve"`
}

// MetaPackage is one package of cargo metadata.
type MetaPackage struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	RustVersion  string `json:"rust_version"`
	ManifestPath string `json:"manifest_path"`
	Targets      []struct {
		Kind []string `json:"kind"`
	} `json:"targets"`
}

// ParseGraph reads cargo metadata's JSON.
func ParseGraph(data []byte) (*Graph, error) {
	var g Graph
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("cargo metadata: %w", err)
	}
	return &g, nil
}

// hasKind reports a target of the kind ("custom-build", "proc-macro").
func (p MetaPackage) hasKind(kind string) bool {
	for _, t := range p.Targets {
		if slices.Contains(t.Kind, kind) {
			return true
		}
	}
	return false
}

// find returns the package of that name and version.
func (g *Graph) find(name, version string) (MetaPackage, bool) {
	for _, p := range g.Packages {
		if p.Name == name && p.Version == version {
			return p, true
		}
	}
	return MetaPackage{}, false
}

// byID returns the package with that id.
func (g *Graph) byID(id string) (MetaPackage, bool) {
	for _, p := range g.Packages {
		if p.ID == id {
			return p, true
		}
	}
	return MetaPackage{}, false
}

// directDeps maps a package id to its dependencies' ids by dependency
// (crate) name, and to the ids of everything it depends on, transitively.
func (g *Graph) edges() map[string][]string {
	m := map[string][]string{}
	for _, n := range g.Resolve.Nodes {
		for _, d := range n.Deps {
			m[n.ID] = append(m[n.ID], d.Pkg)
		}
	}
	return m
}

// closure returns the ids reachable from id (id included).
func closure(edges map[string][]string, id string) map[string]bool {
	seen := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range edges[n] {
			if !seen[d] {
				seen[d] = true
				stack = append(stack, d)
			}
		}
	}
	return seen
}
