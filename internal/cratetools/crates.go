package cratetools

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/skills"
)

// Bounds of the crate tools.
const (
	maxReadBytes    = 128 << 10
	maxSearchHits   = 40
	maxSearchFiles  = 3000
	maxSearchLine   = 200
	maxListEntries  = 200
	maxPatternChars = 300
)

// crate returns the package called name and its directory on the host,
// which must lie in the head checkout or a source root.
func (b *Box) crate(name string) (skills.Package, string, error) {
	if name == "" {
		return skills.Package{}, "", fmt.Errorf("no crate named")
	}
	p, ok := b.cfg.Workspace.Dep(name)
	if !ok {
		return skills.Package{}, "", fmt.Errorf("%q is neither a direct dependency nor a workspace package", name)
	}
	roots := append([]string{b.cfg.HeadDir}, b.cfg.SourceRoots...)
	for _, r := range roots {
		if r == "" {
			continue
		}
		if rel, err := filepath.Rel(r, p.Dir); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel) {
			return p, p.Dir, nil
		}
	}
	return skills.Package{}, "", fmt.Errorf("the source of %q is not available", name)
}

// crateInfo describes a crate. Its skills are listed even when its source
// is not available (the prompt names some skills only, and points here).
func (b *Box) crateInfo(name string) (string, error) {
	p, dir, err := b.crate(name)
	if err != nil {
		known, ok := b.cfg.Workspace.Dep(name)
		if !ok {
			return "", err
		}
		p, dir = known, "" // no file listing
	}
	info := struct {
		Name     string   `json:"name"`
		Version  string   `json:"version"`
		Features []string `json:"features"`
		Files    []string `json:"files"`
		Skills   []string `json:"skills"`
		DocsURL  string   `json:"docs_url,omitempty"`
	}{Name: p.Name, Version: p.Version, Features: p.Features, Files: []string{}, Skills: []string{}}
	if strings.HasPrefix(p.Source, "registry+") {
		info.DocsURL = "https://docs.rs/" + p.Name + "/" + p.Version
	}
	for _, s := range b.cfg.Skills.ForCrate(p.Name) {
		info.Skills = append(info.Skills, s.Name+": "+s.Description)
	}
	for _, sub := range []string{".", "src"} {
		if dir == "" {
			break
		}
		entries, err := skills.ListConfined(dir, sub)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if len(info.Files) >= maxListEntries {
				break
			}
			n := path.Join(sub, e.Name())
			if e.IsDir() {
				n += "/"
			}
			info.Files = append(info.Files, n)
		}
	}
	out, err := json.MarshalIndent(info, "", " ")
	return string(out), err
}

// readCrateFile reads one file of a crate, confined to its directory.
func (b *Box) readCrateFile(crate, p string) (string, error) {
	_, dir, err := b.crate(crate)
	if err != nil {
		return "", err
	}
	if p == "" || !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", fmt.Errorf("%q is not a path inside the crate", p)
	}
	data, err := skills.ReadConfined(dir, p, maxReadBytes)
	if err != nil {
		return "", fmt.Errorf("read %s of %s: %w", p, crate, cleanErr(err, dir))
	}
	return string(data), nil
}

// cleanErr keeps host paths out of what the agent reads.
func cleanErr(err error, dir string) error {
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), dir, "<crate>"))
}

// searchCrate greps a crate's text files.
func (b *Box) searchCrate(ctx context.Context, crate, pattern string) (string, error) {
	_, dir, err := b.crate(crate)
	if err != nil {
		return "", err
	}
	if pattern == "" || len(pattern) > maxPatternChars {
		return "", fmt.Errorf("the pattern must have 1 to %d characters", maxPatternChars)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", fmt.Errorf("bad pattern: %w", err)
	}
	var hits []string
	files := 0
	more := false
	walkErr := filepath.WalkDir(dir, func(full string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return fs.SkipDir
		}
		rel, _ := filepath.Rel(dir, full)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (d.Name() == "target" || strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !textFile(d.Name()) {
			return nil
		}
		if files++; files > maxSearchFiles || len(hits) >= maxSearchHits {
			more = true
			return fs.SkipAll
		}
		data, err := skills.ReadConfined(dir, rel, skills.MaxFileBytes)
		if err != nil {
			return nil
		}
		for i, line := range strings.Split(string(data), "\n") {
			if !re.MatchString(line) {
				continue
			}
			if len(hits) >= maxSearchHits {
				more = true
				break
			}
			line = strings.TrimSpace(line)
			if len(line) > maxSearchLine {
				line = line[:maxSearchLine] + "…"
			}
			hits = append(hits, fmt.Sprintf("%s:%d: %s", rel, i+1, line))
		}
		return nil
	})
	if walkErr != nil {
		return "", cleanErr(walkErr, dir)
	}
	sort.Strings(hits)
	if len(hits) == 0 {
		return "no match", nil
	}
	out := strings.Join(hits, "\n")
	if more {
		out += "\n…(more matches left out)"
	}
	return out, nil
}

// textFile reports the files search_crate reads.
func textFile(name string) bool {
	switch path.Ext(name) {
	case ".rs", ".toml", ".md", ".txt", ".json", ".yml", ".yaml":
		return true
	}
	return false
}
