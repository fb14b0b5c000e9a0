package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/symposium-dev/symposium/internal/cachedir"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/semvercheck"
	"github.com/symposium-dev/symposium/review"
)

// libPackage is a workspace member with a library target.
type libPackage struct {
	name, lib, dir string // dir relative to the workspace root, "." for the root
	version        string
	features       []string // as cargo metadata lists them
}

// libMembers lists the workspace members that have a library target, from
// `cargo metadata --no-deps` run in dir.
func libMembers(ctx context.Context, dir string, copts cargo.Options) ([]libPackage, error) {
	data, err := cargo.MetadataJSON(ctx, dir, copts, true)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Packages []struct {
			ID           string              `json:"id"`
			Name         string              `json:"name"`
			Version      string              `json:"version"`
			ManifestPath string              `json:"manifest_path"`
			Features     map[string][]string `json:"features"`
			Targets      []struct {
				Name string   `json:"name"`
				Kind []string `json:"kind"`
			} `json:"targets"`
		} `json:"packages"`
		Members []string `json:"workspace_members"`
		Root    string   `json:"workspace_root"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("cargo metadata: %w", err)
	}
	var out []libPackage
	for _, p := range meta.Packages {
		if !slices.Contains(meta.Members, p.ID) {
			continue
		}
		for _, t := range p.Targets {
			if slices.Contains(t.Kind, "lib") || slices.Contains(t.Kind, "rlib") {
				rel, err := filepath.Rel(meta.Root, filepath.Dir(p.ManifestPath))
				if err != nil || !filepath.IsLocal(rel) && rel != "." {
					break
				}
				features := slices.Sorted(maps.Keys(p.Features))
				out = append(out, libPackage{name: p.Name, lib: strings.ReplaceAll(t.Name, "-", "_"), dir: filepath.ToSlash(rel), version: p.Version, features: features})
				break
			}
		}
	}
	return out, nil
}

// semverChecks compares the public API of base and head for each library
// package owning a changed Rust file, and reports a break that the version
// change does not cover on the package's `version` line: with
// cargo-semver-checks when the worker has it (and `[semver] tool` allows
// it), else, or when the tool fails, with rustdoc's JSON compared here.
func semverChecks(ctx context.Context, in depthInput, depth *review.Depth) []review.Diagnostic {
	if !in.cfg.SemverCheck() || !in.analysed {
		return nil
	}
	rsFiles := in.awaitBuildFree().apiFiles
	if len(rsFiles) == 0 {
		return nil // the public API cannot have changed
	}
	tool, haveTool := semverTool(in.cfg, depth)
	nightly := cargo.NightlyAvailable()
	if !haveTool && !nightly {
		depth.Notes = append(depth.Notes, "Semver check skipped: no nightly toolchain is installed (rustdoc's JSON output needs one).")
		return nil
	}
	headCopts := semverOptions(in.copts)
	members, err := libMembers(ctx, in.src, headCopts)
	if err != nil {
		slog.WarnContext(ctx, "semver check", "err", err)
		depth.Notes = append(depth.Notes, "Semver check skipped: cargo metadata failed on the head.")
		return nil
	}
	var diags []review.Diagnostic
	var base *baseTree
	defer func() {
		if base != nil {
			base.remove()
		}
	}()
	for _, m := range members {
		if !owns(m.dir, rsFiles) {
			continue
		}
		if haveTool {
			d, reason := toolCheck(ctx, in, m, tool, &base)
			if reason == "" {
				if d != nil {
					diags = append(diags, *d)
				}
				continue
			}
			if !nightly {
				depth.Notes = append(depth.Notes, fmt.Sprintf("Semver check of %s skipped: cargo-semver-checks failed (%s), and rustdoc's JSON comparison needs a nightly toolchain, which is not installed.", review.CodeSpan(m.name), reason))
				continue
			}
			depth.Notes = append(depth.Notes, fmt.Sprintf("Semver check of %s: cargo-semver-checks failed (%s); rustdoc's JSON comparison was used instead.", review.CodeSpan(m.name), reason))
		}
		if d := rustdocCheck(ctx, in, m, &base, depth); d != nil {
			diags = append(diags, *d)
		}
	}
	return diags
}

// rustdocCheck compares the rustdoc JSON of package m at base and head.
func rustdocCheck(ctx context.Context, in depthInput, m libPackage, base **baseTree, depth *review.Depth) *review.Diagnostic {
	headJSON, err := cargo.RustdocJSON(ctx, in.src, m.name, m.lib, semverOptions(in.copts))
	var headAPI *semvercheck.API
	if err == nil {
		headAPI, err = semvercheck.ParseRustdoc(headJSON)
	}
	if err != nil {
		slog.WarnContext(ctx, "semver check: head", "package", m.name, "err", err)
		depth.Notes = append(depth.Notes, fmt.Sprintf("Semver check of %s skipped: rustdoc failed on the head.", review.CodeSpan(m.name)))
		return nil
	}
	baseAPI, ok, err := baseAPIOf(ctx, in, m, base)
	if err != nil {
		slog.WarnContext(ctx, "semver check: base", "package", m.name, "err", err)
		depth.Notes = append(depth.Notes, fmt.Sprintf("Semver check of %s skipped: rustdoc failed on the base.", review.CodeSpan(m.name)))
		return nil
	}
	if !ok {
		return nil // a new package: nothing to break
	}
	v, err := semvercheck.Judge(semvercheck.Breaks(baseAPI, headAPI), baseAPI.Version, headAPI.Version)
	if err != nil || v.OK {
		return nil
	}
	d := semverDiagnostic(in, m, v.Message(m.name, baseAPI.Version, headAPI.Version))
	return &d
}

// semverDiagnostic is the finding of a break in package m: on the
// `version` line of its manifest when the head has one.
func semverDiagnostic(in depthInput, m libPackage, message string) review.Diagnostic {
	d := review.Diagnostic{Source: review.SourceSemver, Rule: "semver", Severity: review.SeverityWarning, Message: message}
	manifest := path.Join(m.dir, "Cargo.toml")
	if line := versionLine(in.heads, manifest); line > 0 {
		d.Spans = []review.Span{{Path: manifest, LineStart: line, LineEnd: line, ColumnStart: 1, ColumnEnd: 1, Primary: true}}
	}
	return d
}

// semverOptions runs rustdoc in a target dir of its own (nightly artefacts
// would evict clippy's) with the same cargo home.
func semverOptions(copts cargo.Options) cargo.Options {
	if copts.CargoHome == "" {
		copts.CargoHome = filepath.Join(copts.TargetDir, "cargo-home")
	}
	copts.TargetDir = filepath.Join(copts.TargetDir, "semver")
	copts.Packages = nil
	return copts
}

// owns reports a file under dir.
func owns(dir string, files []string) bool {
	for _, f := range files {
		if dir == "." || strings.HasPrefix(f, dir+"/") {
			return true
		}
	}
	return false
}

// baseTree is the base revision exported for rustdoc and
// cargo-semver-checks, made on first need.
type baseTree struct {
	dir     string
	members []libPackage
	err     error
}

func (b *baseTree) remove() { os.RemoveAll(b.dir) }

// member returns the base's library package of that name.
func (b *baseTree) member(name string) (libPackage, bool) {
	for _, bm := range b.members {
		if bm.name == name {
			return bm, true
		}
	}
	return libPackage{}, false
}

// exportBase exports the base revision once per review and lists its
// library packages (cargo metadata in the sandbox); a failure is kept.
func exportBase(ctx context.Context, in depthInput, base **baseTree) (*baseTree, error) {
	if *base != nil {
		return *base, (*base).err
	}
	dir, err := os.MkdirTemp("", "symposium-semver-base-")
	if err != nil {
		return nil, err
	}
	b := &baseTree{dir: dir}
	*base = b
	if b.err = gitrepo.ExportTree(ctx, in.req.RepoDir, in.mergeBase, dir); b.err == nil {
		b.members, b.err = libMembers(ctx, dir, semverOptions(in.copts))
	}
	return b, b.err
}

// baseAPIOf returns the base's public API of package m: from the cache of
// the base revision, or by running rustdoc on the exported base (trusted,
// but run in the sandbox all the same). ok is false when the base has no
// such library.
func baseAPIOf(ctx context.Context, in depthInput, m libPackage, base **baseTree) (*semvercheck.API, bool, error) {
	cacheFile := filepath.Join(semverCacheDir(in.copts.TargetDir), in.mergeBase+"-"+m.name+".json")
	if data, err := os.ReadFile(cacheFile); err == nil {
		var cached struct {
			Missing bool             `json:"missing"`
			API     *semvercheck.API `json:"api"`
		}
		if json.Unmarshal(data, &cached) == nil && (cached.Missing || cached.API != nil) {
			return cached.API, !cached.Missing, nil
		}
	}
	b, err := exportBase(ctx, in, base)
	if err != nil {
		return nil, false, err
	}
	var api *semvercheck.API
	if bm, ok := b.member(m.name); ok {
		data, err := cargo.RustdocJSON(ctx, b.dir, bm.name, bm.lib, semverOptions(in.copts))
		if err != nil {
			return nil, false, err
		}
		if api, err = semvercheck.ParseRustdoc(data); err != nil {
			return nil, false, err
		}
	}
	if data, err := json.Marshal(map[string]any{"missing": api == nil, "api": api}); err == nil {
		if err := os.MkdirAll(filepath.Dir(cacheFile), 0o700); err == nil {
			_ = os.WriteFile(cacheFile, data, 0o600)
		}
	}
	return api, api != nil, nil
}

// semverCacheDir holds the base APIs (cachedir.SemverCache).
func semverCacheDir(targetDir string) string { return cachedir.SemverCache(targetDir) }

var versionKeyRE = regexp.MustCompile(`^\s*version\s*(=|\.)`)

// versionLine finds the `version` key of the [package] table of a head
// manifest; 0 when there is none.
func versionLine(heads *headFiles, manifest string) int {
	src, ok := heads.read(manifest)
	if !ok {
		return 0
	}
	section := ""
	for i, l := range strings.Split(string(src), "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "[") {
			section = strings.Trim(t, "[] ")
			continue
		}
		if section == "package" && versionKeyRE.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// apiFiles returns the changed library sources whose change may break the
// public API (see semvercheck.MayBreak): deleted files, files with a
// removed line outside function bodies, files with an added variant,
// field, trait item or #[non_exhaustive]. Adding items breaks nobody, so
// a pull request that only adds them skips the semver check.
func apiFiles(ctx context.Context, in depthInput) []string {
	var out []string
	removedIn := map[string][]int{} // a file's old path → its removed lines
	var olds []string
	for _, f := range in.diff.Files {
		p := f.Path()
		if !semvercheck.LibSource(p) && !semvercheck.LibSource(f.OldPath) {
			continue
		}
		if f.IsDelete || f.IsBinary {
			out = append(out, p)
			continue
		}
		var added, removed []int
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				switch l.Kind {
				case review.LineAdded:
					added = append(added, l.NewLine)
				case review.LineDeleted:
					removed = append(removed, l.OldLine)
				}
			}
		}
		if src, ok := in.heads.read(p); len(added) > 0 && (!ok || semvercheck.MayBreak(src, added, true)) {
			out = append(out, p)
			continue
		}
		if len(removed) > 0 {
			removedIn[f.OldPath] = removed
			olds = append(olds, f.OldPath)
		}
	}
	if len(olds) == 0 {
		return out
	}
	// The old versions of the files with removed lines, in one git process.
	srcs, _, err := gitrepo.ShowFiles(ctx, in.req.RepoDir, in.mergeBase, olds, 0)
	for _, f := range in.diff.Files {
		removed, ok := removedIn[f.OldPath]
		if !ok {
			continue
		}
		if src, found := srcs[f.OldPath]; err != nil || !found || semvercheck.MayBreak(src, removed, false) {
			out = append(out, f.Path())
		}
	}
	return out
}
