package skills

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Input says where to look for skills.
type Input struct {
	Workspace Workspace
	// CheckoutDir is the head tree cargo metadata ran in. Crates inside it
	// (path dependencies) are read at Base in RepoDir, never from the head.
	CheckoutDir string
	// RepoDir and Base are the repository and its trusted revision, for
	// .agents/skills and in-repository crates; empty RepoDir skips both.
	RepoDir, Base string
	// SourceRoots are the host directories dependency sources may live in
	// (cargo's home: registry/src, git/checkouts); crates elsewhere are
	// skipped.
	SourceRoots []string
	// OperatorDirs are the operator's skill directories (SYMPOSIUM_SKILLS).
	OperatorDirs []string
}

// Note is a skill (or skill source) that is not offered, and why.
type Note struct {
	Path string `json:"path"`
	Why  string `json:"why"`
}

// Set is the outcome of Discover.
type Set struct {
	// Skills are the applicable skills: the repository's, then the crates',
	// then the operator's; names are unique (the first wins).
	Skills []Skill `json:"skills"`
	// Skipped are the skills and sources that do not apply or could not be read.
	Skipped []Note `json:"skipped,omitempty"`
}

// Get returns the applicable skill called name.
func (s Set) Get(name string) (Skill, bool) {
	for _, sk := range s.Skills {
		if sk.Name == name {
			return sk, true
		}
	}
	return Skill{}, false
}

// ForCrate returns the applicable skills about crate name.
func (s Set) ForCrate(name string) []Skill {
	var out []Skill
	for _, sk := range s.Skills {
		if slices.Contains(sk.Crates, name) {
			out = append(out, sk)
		}
	}
	return out
}

// maxScanDepth is how deep SKILL.md files are searched for below a skill
// group's directory (or an operator's); maxScanSkills and maxScanDirs are
// how many skills and directories one scan reads at most.
const (
	maxScanDepth  = 6
	maxScanSkills = 200
	maxScanDirs   = 2000
	// maxPathChecks bounds the path_exists(...) predicates one discovery
	// evaluates; the rest do not hold.
	maxPathChecks = 100
)

// Discover finds the skills that apply to in.Workspace.
func Discover(ctx context.Context, in Input) (Set, error) {
	deps := in.Workspace.DepSet()
	var set Set
	add := func(sk Skill, gates []Predicate, sc Scope, base string) {
		if _, failed := evalAll(gates, sc); failed != nil {
			set.Skipped = append(set.Skipped, Note{Path: sk.Path, Why: "the manifest's " + failed.String() + " does not hold"})
			return
		}
		why, ok := sk.applies(sc)
		if !ok {
			set.Skipped = append(set.Skipped, Note{Path: sk.Path, Why: why})
			return
		}
		if why == "" {
			why = base
		} else {
			why = base + "; " + why
		}
		sk.Why = why
		if _, dup := set.Get(sk.Name); dup {
			set.Skipped = append(set.Skipped, Note{Path: sk.Path, Why: "another applicable skill has the name " + sk.Name})
			return
		}
		set.Skills = append(set.Skills, sk)
	}
	scanGroups := func(t tree, groups []group, sc Scope, workspace bool, each func(sk *Skill, dir string) string) {
		for _, g := range groups {
			found, notes, err := scan(ctx, t, g, workspace)
			if err != nil {
				set.Skipped = append(set.Skipped, Note{Path: t.label(g.dir), Why: err.Error()})
				continue
			}
			set.Skipped = append(set.Skipped, notes...)
			for _, sk := range found {
				base := each(&sk, g.dir)
				add(sk, g.gates, sc, base)
			}
		}
	}

	listed := newListCache()
	workspace := Scope{Deps: deps, WorkspaceMember: true}
	if in.RepoDir != "" && in.Base != "" {
		root := in.workspacePrefix()
		checks := 0 // a crate's predicates are untrusted: bound the git calls they cause
		workspace.Exists = func(p string) bool {
			if checks++; checks > maxPathChecks {
				return false
			}
			return gitTree{repo: in.RepoDir, rev: in.Base, prefix: root, listed: listed}.exists(ctx, p)
		}
		for _, prefix := range in.workspacePlugins() {
			t := gitTree{repo: in.RepoDir, rev: in.Base, prefix: prefix, listed: listed}
			groups, notes := workspaceGroups(ctx, t)
			set.Skipped = append(set.Skipped, notes...)
			scanGroups(t, groups, workspace, true, func(sk *Skill, dir string) string {
				sk.Kind = KindRepository
				return "the repository's " + path.Join(prefix, dir) + " (base revision)"
			})
		}
	}

	dependency := Scope{Deps: deps, Exists: workspace.Exists}
	for _, dep := range in.Workspace.Deps {
		if in.Workspace.isMember(dep) {
			continue // its skills are the workspace's, above
		}
		t, label, ok := in.crateTree(dep, listed)
		if !ok {
			set.Skipped = append(set.Skipped, Note{Path: dep.Dir, Why: label})
			continue
		}
		groups, notes := sourceGroups(ctx, t, dep.Metadata, group{dir: "skills"})
		set.Skipped = append(set.Skipped, notes...)
		scanGroups(t, groups, dependency, false, func(sk *Skill, _ string) string {
			sk.Kind, sk.Crate, sk.Version = KindCrate, dep.Name, dep.Version
			sk.Crates = append([]string{dep.Name}, sk.Crates...)
			return fmt.Sprintf("shipped by %s %s, a direct dependency%s", dep.Name, dep.Version, label)
		})
	}

	operator := Scope{Deps: deps, Exists: workspace.Exists, Installed: true}
	for _, dir := range in.OperatorDirs {
		t := dirTree{dir: dir}
		groups, notes := sourceGroups(ctx, t, nil, group{dir: "."})
		set.Skipped = append(set.Skipped, notes...)
		scanGroups(t, groups, operator, false, func(sk *Skill, _ string) string {
			sk.Kind = KindOperator
			return "the operator's skill directory " + dir
		})
	}
	return set, nil
}

// workspacePrefix is the workspace root's path in the repository.
func (in Input) workspacePrefix() string {
	if rel, ok := within(in.CheckoutDir, in.Workspace.Root); ok && in.CheckoutDir != "" && in.Workspace.Root != "" && rel != "." {
		return rel
	}
	return ""
}

// workspacePlugins are the repository paths whose skills are the
// workspace's own: the repository's root, the workspace's root and each
// member inside the checkout.
func (in Input) workspacePlugins() []string {
	out := []string{""}
	dirs := []string{in.Workspace.Root}
	for _, m := range in.Workspace.Members {
		dirs = append(dirs, m.Dir)
	}
	for _, d := range dirs {
		if in.CheckoutDir == "" || d == "" {
			continue
		}
		rel, ok := within(in.CheckoutDir, d)
		if !ok {
			continue
		}
		if rel == "." {
			rel = ""
		}
		if !slices.Contains(out, rel) {
			out = append(out, rel)
		}
	}
	return out
}

// isMember reports whether p is one of the workspace's members.
func (w Workspace) isMember(p Package) bool {
	for _, m := range w.Members {
		if m.Name == p.Name && m.Version == p.Version && m.Dir == p.Dir {
			return true
		}
	}
	return false
}

// crateTree returns where dep's files are read from: the base revision for
// a crate inside the checkout, its source directory when that lies in a
// source root; ok false (with the reason) otherwise.
func (in Input) crateTree(dep Package, listed *listCache) (tree, string, bool) {
	if in.CheckoutDir != "" {
		if rel, ok := within(in.CheckoutDir, dep.Dir); ok {
			if in.RepoDir == "" || in.Base == "" {
				return nil, "a crate inside the checkout, and no base revision to read it at", false
			}
			return gitTree{repo: in.RepoDir, rev: in.Base, prefix: rel, listed: listed}, " (in the repository, read at the base revision)", true
		}
	}
	for _, root := range in.SourceRoots {
		if _, ok := within(root, dep.Dir); ok {
			return dirTree{dir: dep.Dir}, "", true
		}
	}
	return nil, "source directory outside the checkout and cargo's home: not read", false
}

// within returns p relative to dir (slash path) when p is inside dir.
func within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// scan finds the skills in dir of t: dir itself when it holds a SKILL.md,
// else every SKILL.md below it ("Recursively searches for SKILL.md files,
// then prunes nested candidates": a skill's subdirectories are its own),
// at most maxScanDepth levels and maxScanSkills skills deep. Workspace
// skills may omit their frontmatter.
func scan(ctx context.Context, t tree, g group, workspace bool) ([]Skill, []Note, error) {
	dir := g.dir
	var skills []Skill
	var notes []Note
	visited, stopped := 0, false
	var walk func(d string, depth int) error
	walk = func(d string, depth int) error {
		visited++
		file := path.Join(d, "SKILL.md")
		data, err := t.readFile(ctx, file)
		switch {
		case err == nil:
			var sk Skill
			if workspace {
				sk, err = ParseWorkspaceSkill(data, path.Base(path.Clean(d)))
			} else {
				sk, err = ParseSkill(data)
			}
			if err != nil {
				notes = append(notes, Note{Path: t.label(file), Why: err.Error()})
				return nil
			}
			sk.Path = t.label(file)
			skills = append(skills, sk)
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			notes = append(notes, Note{Path: t.label(file), Why: err.Error()})
			return nil
		}
		if depth >= maxScanDepth {
			return nil
		}
		subs, err := t.subdirs(ctx, d)
		if err != nil {
			return err
		}
		for _, name := range subs {
			sub := path.Join(d, name)
			if strings.HasPrefix(name, ".") || name == "target" || slices.Contains(g.prune, sub) {
				continue
			}
			if stopped {
				return nil
			}
			if len(skills) >= maxScanSkills || visited >= maxScanDirs {
				stopped = true
				notes = append(notes, Note{Path: t.label(dir), Why: fmt.Sprintf("more than %d skills or %d directories: the rest not read", maxScanSkills, maxScanDirs)})
				return nil
			}
			if err := walk(sub, depth+1); err != nil {
				slog.DebugContext(ctx, "skills: scan", "dir", t.label(sub), "err", err)
			}
		}
		return nil
	}
	if err := walk(dir, 0); err != nil {
		return nil, nil, err
	}
	return skills, notes, nil
}
