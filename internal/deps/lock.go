// Package deps reviews what a pull request's Cargo.lock change brings in:
// the packages added, removed and updated, with flags for what deserves a
// look (build scripts, proc macros, git and non-default registry sources,
// duplicate versions), RustSec advisories that affect them, and
// dependencies that need a newer Rust than the package's rust-version.
// Everything it reads from the head (lock file, cargo metadata, manifests)
// is untrusted: it is parsed as data and reaches the summary only escaped.
package deps

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/cargover"
	"github.com/symposium-dev/symposium/review"
)

// LockPackage is one [[package]] of a Cargo.lock.
type LockPackage struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	// Source is cargo's source id ("registry+https://…", "git+https://…#rev");
	// "" for path dependencies and workspace members.
	Source string `toml:"source"`
}

// ParseLock reads the packages of a Cargo.lock.
func ParseLock(data []byte) ([]LockPackage, error) {
	var lock struct {
		Package []LockPackage `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("Cargo.lock: %w", err)
	}
	return lock.Package, nil
}

// crates.io's source ids, git and sparse.
var cratesIO = map[string]bool{
	"registry+https://github.com/rust-lang/crates.io-index": true,
	"sparse+https://index.crates.io/":                       true,
}

// describeSource turns a source id into the table's text and its flag.
func describeSource(src string) (text, flag string) {
	switch {
	case src == "":
		return "path", ""
	case cratesIO[src]:
		return "crates.io", ""
	case strings.HasPrefix(src, "git+"):
		u := strings.TrimPrefix(src, "git+")
		u, _, _ = strings.Cut(u, "#")
		return "git " + u, "git source"
	case strings.HasPrefix(src, "registry+"), strings.HasPrefix(src, "sparse+"):
		_, u, _ := strings.Cut(src, "+")
		return "registry " + u, "non-default registry"
	}
	return src, "unknown source"
}

// Diff compares the packages of two lock files. A name whose versions
// differ is "updated" when base and head each have exactly one version of
// it; otherwise each version is added or removed. Packages that are new to
// the head get a "duplicate version" flag when the head has more versions
// of the name than the base. Sorted by name, then version.
func Diff(base, head []LockPackage) []review.DepChange {
	key := func(p LockPackage) string { return p.Name + "\x00" + p.Version + "\x00" + p.Source }
	inBase, inHead := map[string]bool{}, map[string]bool{}
	byName := func(pkgs []LockPackage, in map[string]bool) map[string][]LockPackage {
		m := map[string][]LockPackage{}
		for _, p := range pkgs {
			in[key(p)] = true
			m[p.Name] = append(m[p.Name], p)
		}
		return m
	}
	baseBy, headBy := byName(base, inBase), byName(head, inHead)
	names := map[string]bool{}
	for n := range baseBy {
		names[n] = true
	}
	for n := range headBy {
		names[n] = true
	}
	var out []review.DepChange
	for name := range names {
		var gone, come []LockPackage
		for _, p := range baseBy[name] {
			if !inHead[key(p)] {
				gone = append(gone, p)
			}
		}
		for _, p := range headBy[name] {
			if !inBase[key(p)] {
				come = append(come, p)
			}
		}
		dup := len(headBy[name]) > 1 && len(headBy[name]) > len(baseBy[name])
		if len(gone) == 1 && len(come) == 1 && len(baseBy[name]) == 1 && len(headBy[name]) == 1 {
			src, flag := describeSource(come[0].Source)
			out = append(out, review.DepChange{Change: review.DepUpdated, Name: name, Old: gone[0].Version, New: come[0].Version, Source: src, Flags: flags(flag)})
			continue
		}
		for _, p := range gone {
			src, _ := describeSource(p.Source)
			out = append(out, review.DepChange{Change: review.DepRemoved, Name: name, Old: p.Version, Source: src})
		}
		for _, p := range come {
			src, flag := describeSource(p.Source)
			c := review.DepChange{Change: review.DepAdded, Name: name, New: p.Version, Source: src, Flags: flags(flag)}
			if dup {
				c.Flags = append(c.Flags, "duplicate version")
			}
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return versionLess(out[i].Old+out[i].New, out[j].Old+out[j].New)
	})
	return out
}

func flags(f string) []string {
	if f == "" {
		return nil
	}
	return []string{f}
}

func versionLess(a, b string) bool {
	va, errA := cargover.Parse(a)
	vb, errB := cargover.Parse(b)
	if errA != nil || errB != nil {
		return a < b
	}
	return cargover.Compare(va, vb) < 0
}
