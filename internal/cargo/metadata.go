package cargo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// Package is a workspace member, as `cargo metadata` reports it.
type Package struct {
	Name string
	// Dir is the directory of its Cargo.toml, relative to the workspace root.
	Dir string
}

// Members lists the workspace's packages with `cargo metadata --no-deps`,
// run in the sandbox without network: it runs no crate code, but the
// manifests are untrusted all the same. cargo exiting with an error (a
// manifest it does not accept) is an error wrapping ErrCargoFailed.
func Members(ctx context.Context, dir string, opts Options) ([]Package, error) {
	res, err := run(ctx, dir, opts, []string{"cargo", "metadata", "--no-deps", "--format-version", "1", "--offline", "--color=never"}, false)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("metadata", "failed").Inc()
		return nil, fmt.Errorf("cargo metadata in %s: %w (exit %d): %s", dir, ErrCargoFailed, res.ExitCode, tail(res.Stderr))
	}
	runsTotal.WithLabelValues("metadata", "ok").Inc()
	var meta struct {
		Packages []struct {
			Name         string `json:"name"`
			ID           string `json:"id"`
			ManifestPath string `json:"manifest_path"`
		} `json:"packages"`
		WorkspaceMembers []string `json:"workspace_members"`
		WorkspaceRoot    string   `json:"workspace_root"`
	}
	if err := json.Unmarshal(res.Stdout, &meta); err != nil {
		return nil, fmt.Errorf("cargo metadata in %s: %w", dir, err)
	}
	var out []Package
	for _, p := range meta.Packages {
		if !slices.Contains(meta.WorkspaceMembers, p.ID) {
			continue
		}
		rel, err := filepath.Rel(meta.WorkspaceRoot, filepath.Dir(p.ManifestPath))
		if err != nil {
			return nil, fmt.Errorf("cargo metadata in %s: %w", dir, err)
		}
		out = append(out, Package{Name: p.Name, Dir: filepath.ToSlash(rel)})
	}
	return out, nil
}

// Owners returns the names of the packages owning files (paths relative to
// the workspace root): for each file, the member whose directory is the
// longest prefix of it. Files owned by no member are left out. Sorted.
func Owners(members []Package, files []string) []string {
	set := map[string]bool{}
	for _, f := range files {
		f = filepath.ToSlash(filepath.Clean(f))
		best, bestLen := "", -1
		for _, m := range members {
			if (m.Dir == "." || f == m.Dir || strings.HasPrefix(f, m.Dir+"/")) && len(m.Dir) > bestLen {
				best, bestLen = m.Name, len(m.Dir)
			}
		}
		if best != "" {
			set[best] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// OwningPackagesWith returns the workspace packages owning files, running
// cargo metadata with opts.
func OwningPackagesWith(ctx context.Context, dir string, files []string, opts Options) ([]string, error) {
	members, err := Members(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	return Owners(members, files), nil
}

// OwningPackages returns the workspace packages owning files (paths relative
// to dir). It runs cargo metadata in a bubblewrap sandbox of its own with a
// throwaway target dir; callers with a Runner use OwningPackagesWith.
func OwningPackages(dir string, files []string) ([]string, error) {
	r, err := sandbox.New(sandbox.ModeBwrap, sandbox.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("cargo: owning packages: %w (use OwningPackagesWith and a Runner)", err)
	}
	tmp, err := os.MkdirTemp("", "symposium-metadata-")
	if err != nil {
		return nil, fmt.Errorf("cargo: owning packages: %w", err)
	}
	defer os.RemoveAll(tmp)
	return OwningPackagesWith(context.Background(), dir, files, Options{Runner: r, TargetDir: tmp})
}
