package skills

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/symposium-dev/symposium/internal/cargo"
)

// Package is a package of the dependency graph.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Dir is the directory of its Cargo.toml on the host.
	Dir string `json:"dir"`
	// Features are the features enabled in the resolved graph.
	Features []string `json:"features,omitempty"`
	// Source is cargo's source id ("" for path packages).
	Source string `json:"source,omitempty"`
	// Metadata is its [package.metadata.symposium], raw.
	Metadata json.RawMessage `json:"-"`
}

// Workspace is what skills are matched against.
type Workspace struct {
	Root    string    `json:"root"`
	Members []Package `json:"members"`
	// Deps are the members' direct dependencies (normal, dev and build),
	// at their locked versions, sorted by name and version.
	Deps []Package `json:"deps"`
}

// DepSet returns the direct dependency set that atoms match against.
func (w Workspace) DepSet() Deps {
	d := Deps{}
	for _, p := range w.Deps {
		if !slices.Contains(d[p.Name], p.Version) {
			d[p.Name] = append(d[p.Name], p.Version)
		}
	}
	return d
}

// Dep returns the direct dependency or member called name (the newest
// version when several are locked).
func (w Workspace) Dep(name string) (Package, bool) {
	var best Package
	found := false
	for _, p := range append(append([]Package(nil), w.Members...), w.Deps...) {
		if p.Name == name {
			best, found = p, true
		}
	}
	return best, found
}

// LoadWorkspace runs cargo metadata in dir (offline, in the sandbox of
// opts; the dependencies must have been fetched) and reads the workspace.
func LoadWorkspace(ctx context.Context, dir string, opts cargo.Options) (Workspace, error) {
	out, err := cargo.Metadata(ctx, dir, opts)
	if err != nil {
		return Workspace{}, fmt.Errorf("skills: %w", err)
	}
	return ParseMetadata(out)
}

// ParseMetadata reads `cargo metadata --format-version 1` output.
func ParseMetadata(data []byte) (Workspace, error) {
	var meta struct {
		Packages []struct {
			Name         string `json:"name"`
			Version      string `json:"version"`
			ID           string `json:"id"`
			Source       string `json:"source"`
			ManifestPath string `json:"manifest_path"`
			Metadata     struct {
				Symposium json.RawMessage `json:"symposium"`
			} `json:"metadata"`
		} `json:"packages"`
		WorkspaceMembers []string `json:"workspace_members"`
		WorkspaceRoot    string   `json:"workspace_root"`
		Resolve          *struct {
			Nodes []struct {
				ID       string   `json:"id"`
				Features []string `json:"features"`
				Deps     []struct {
					Pkg string `json:"pkg"`
				} `json:"deps"`
			} `json:"nodes"`
		} `json:"resolve"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return Workspace{}, fmt.Errorf("skills: cargo metadata: %w", err)
	}
	if meta.Resolve == nil {
		return Workspace{}, fmt.Errorf("skills: cargo metadata has no dependency graph")
	}
	features := map[string][]string{}
	for _, n := range meta.Resolve.Nodes {
		features[n.ID] = n.Features
	}
	pkgs := map[string]Package{}
	for _, p := range meta.Packages {
		pkgs[p.ID] = Package{Name: p.Name, Version: p.Version, Dir: filepath.Dir(p.ManifestPath), Source: p.Source, Features: features[p.ID], Metadata: p.Metadata.Symposium}
	}
	w := Workspace{Root: meta.WorkspaceRoot}
	seen := map[string]bool{}
	for _, id := range meta.WorkspaceMembers {
		if p, ok := pkgs[id]; ok {
			w.Members = append(w.Members, p)
		}
	}
	for _, n := range meta.Resolve.Nodes {
		if !slices.Contains(meta.WorkspaceMembers, n.ID) {
			continue
		}
		for _, d := range n.Deps {
			if p, ok := pkgs[d.Pkg]; ok && !seen[d.Pkg] {
				seen[d.Pkg] = true
				w.Deps = append(w.Deps, p)
			}
		}
	}
	sort.Slice(w.Deps, func(i, j int) bool {
		if w.Deps[i].Name != w.Deps[j].Name {
			return w.Deps[i].Name < w.Deps[j].Name
		}
		return w.Deps[i].Version < w.Deps[j].Version
	})
	return w, nil
}
