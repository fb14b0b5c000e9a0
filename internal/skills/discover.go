package skills

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
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
		if containsString(sk.Crates, name) {
			out = append(out, sk)
		}
	}
	return out
}

// maxOperatorDepth is how deep SKILL.md files are searched for in an
// operator directory.
const maxOperatorDepth = 3

// Discover finds the skills that apply to in.Workspace.
func Discover(ctx context.Context, in Input) (Set, error) {
	deps := in.Workspace.DepSet()
	var set Set
	add := func(sk Skill, gates [][]Atom, base string) {
		for _, g := range gates {
			if _, ok := matchAny(g, deps); !ok {
				set.Skipped = append(set.Skipped, Note{Path: sk.Path, Why: "the manifest's depends-on does not hold"})
				return
			}
		}
		why, ok := sk.applies(deps)
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

	if in.RepoDir != "" && in.Base != "" {
		t := gitTree{repo: in.RepoDir, rev: in.Base}
		found, notes, err := scan(ctx, t, ".agents/skills", 1)
		if err != nil {
			return Set{}, fmt.Errorf("skills: .agents/skills at %s: %w", in.Base, err)
		}
		set.Skipped = append(set.Skipped, notes...)
		for _, sk := range found {
			sk.Kind = KindRepository
			add(sk, nil, "the repository's .agents/skills (base revision)")
		}
	}

	for _, dep := range in.Workspace.Deps {
		t, label, ok := in.crateTree(dep)
		if !ok {
			set.Skipped = append(set.Skipped, Note{Path: dep.Dir, Why: label})
			continue
		}
		groups, notes := crateGroups(ctx, t, dep)
		for _, n := range notes {
			set.Skipped = append(set.Skipped, Note{Path: t.label("Cargo.toml"), Why: n})
		}
		for _, g := range groups {
			found, notes, err := scan(ctx, t, g.dir, 1)
			if err != nil {
				set.Skipped = append(set.Skipped, Note{Path: t.label(g.dir), Why: err.Error()})
				continue
			}
			set.Skipped = append(set.Skipped, notes...)
			for _, sk := range found {
				sk.Kind, sk.Crate, sk.Version = KindCrate, dep.Name, dep.Version
				sk.Crates = append([]string{dep.Name}, sk.Crates...)
				add(sk, g.gates, fmt.Sprintf("shipped by %s %s, a direct dependency%s", dep.Name, dep.Version, label))
			}
		}
	}

	for _, dir := range in.OperatorDirs {
		found, notes, err := scan(ctx, dirTree{dir: dir}, ".", maxOperatorDepth)
		if err != nil {
			set.Skipped = append(set.Skipped, Note{Path: dir, Why: err.Error()})
			continue
		}
		set.Skipped = append(set.Skipped, notes...)
		for _, sk := range found {
			sk.Kind = KindOperator
			add(sk, nil, "the operator's skill directory "+dir)
		}
	}
	return set, nil
}

// crateTree returns where dep's files are read from: the base revision for
// a crate inside the checkout, its source directory when that lies in a
// source root; ok false (with the reason) otherwise.
func (in Input) crateTree(dep Package) (tree, string, bool) {
	if in.CheckoutDir != "" {
		if rel, ok := within(in.CheckoutDir, dep.Dir); ok {
			if in.RepoDir == "" || in.Base == "" {
				return nil, "a crate inside the checkout, and no base revision to read it at", false
			}
			return gitTree{repo: in.RepoDir, rev: in.Base, prefix: rel}, " (in the repository, read at the base revision)", true
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

// crateGroups reads dep's manifest layers and resolves its skill groups.
func crateGroups(ctx context.Context, t tree, dep Package) ([]group, []string) {
	var layers []*manifest
	var notes []string
	if m, err := parseManifest(dep.Metadata); err != nil {
		notes = append(notes, "[package.metadata.symposium] ignored: "+err.Error())
	} else {
		layers = append(layers, m)
	}
	if data, err := t.readFile(ctx, "SYMPOSIUM.toml"); err == nil {
		js, err := tomlToJSON(data)
		var m *manifest
		if err == nil {
			m, err = parseManifest(js)
		}
		if err != nil {
			notes = append(notes, "SYMPOSIUM.toml ignored: "+err.Error())
		} else {
			layers = append(layers, m)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		notes = append(notes, "SYMPOSIUM.toml: "+err.Error())
	}
	groups, more := resolveGroups(layers)
	return groups, append(notes, more...)
}

// scan reads <dir>/<name>/SKILL.md (and deeper, up to depth levels of
// subdirectories) in t.
func scan(ctx context.Context, t tree, dir string, depth int) ([]Skill, []Note, error) {
	subs, err := t.subdirs(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	var skills []Skill
	var notes []Note
	for _, name := range subs {
		if strings.HasPrefix(name, ".") && dir == "." {
			continue
		}
		sub := path.Join(dir, name)
		file := path.Join(sub, "SKILL.md")
		data, err := t.readFile(ctx, file)
		switch {
		case err == nil:
			sk, err := ParseSkill(data)
			if err != nil {
				notes = append(notes, Note{Path: t.label(file), Why: err.Error()})
				continue
			}
			sk.Path = t.label(file)
			skills = append(skills, sk)
			continue
		case !errors.Is(err, fs.ErrNotExist):
			notes = append(notes, Note{Path: t.label(file), Why: err.Error()})
			continue
		}
		if depth > 1 {
			more, moreNotes, err := scan(ctx, t, sub, depth-1)
			if err != nil {
				slog.DebugContext(ctx, "skills: scan", "dir", t.label(sub), "err", err)
				continue
			}
			skills = append(skills, more...)
			notes = append(notes, moreNotes...)
		}
	}
	return skills, notes, nil
}
