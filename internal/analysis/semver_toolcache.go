package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargo"
)

// The base's rustdoc JSON that cargo-semver-checks compares the head with
// is made once per base revision, package, toolchain and tool version
// (cargo.SemverBaselineRustdoc documents the base as the tool would), and
// kept in the semver cache dir beside the target dir, which no build can
// write: later reviews on the same base pass it with --baseline-rustdoc,
// and the tool documents only the head.
//
// The tool reads no Cargo.toml for a baseline given as a file (its issue
// #1272: the metadata is always None), so its manifest lints
// (feature_missing and the like) cannot fire then. A pull request that
// changes the package's manifest, the workspace's, or a cargo
// configuration file therefore gets the base tree (--baseline-root), as
// does a tool older than v0.25, or one whose version or toolchain cannot
// be told.

// toolBaseline is a cached baseline of one package.
type toolBaseline struct {
	json, meta string // the files
	missing    bool   // the base has no such library package
	version    string // the base package's version
	root       string // where the base was when documented (its spans' paths)
}

// toolBaselineMeta is the meta file, written after the JSON: its presence
// says the entry is complete.
type toolBaselineMeta struct {
	Missing bool   `json:"missing,omitempty"`
	Version string `json:"version,omitempty"`
	Root    string `json:"root,omitempty"`
}

// load reads the entry; false when it is absent or incomplete.
func (b *toolBaseline) load() bool {
	data, err := os.ReadFile(b.meta)
	if err != nil {
		return false
	}
	var meta toolBaselineMeta
	if json.Unmarshal(data, &meta) != nil {
		return false
	}
	if meta.Missing {
		b.missing = true
		return true
	}
	if fi, err := os.Stat(b.json); err != nil || !fi.Mode().IsRegular() || meta.Version == "" {
		return false
	}
	b.version, b.root = meta.Version, meta.Root
	return true
}

// remove deletes the entry.
func (b *toolBaseline) remove() {
	_ = os.Remove(b.meta)
	_ = os.Remove(b.json)
}

// toolBaselineFor returns the cached baseline of package m for the review's
// base, documenting the base (exported once per review) on a miss. ok is
// false when the tool is to get the base tree instead: see above, or the
// base could not be documented.
func toolBaselineFor(ctx context.Context, in depthInput, m libPackage, tool string, base **baseTree) (bl toolBaseline, ok bool) {
	key, why := toolBaselineKey(ctx, in, m, tool)
	if key == "" {
		slog.DebugContext(ctx, "semver check: no cached baseline", "package", m.name, "why", why)
		return toolBaseline{}, false
	}
	dir := semverCacheDir(in.copts.TargetDir)
	name := in.mergeBase + "-" + m.name + "-tool-" + key
	bl = toolBaseline{json: filepath.Join(dir, name+".json"), meta: filepath.Join(dir, name+".meta.json")}
	if bl.load() {
		return bl, true
	}
	b, err := exportBase(ctx, in, base)
	if err != nil {
		return toolBaseline{}, false // toolCheck says why
	}
	var meta toolBaselineMeta
	if bm, found := b.member(m.name); !found {
		meta.Missing, bl.missing = true, true
	} else {
		data, err := cargo.SemverBaselineRustdoc(ctx, in.src, cargo.SemverBaseline{
			Root: b.dir, Dir: filepath.Join(b.dir, filepath.FromSlash(bm.dir)),
			Name: bm.name, Version: bm.version, Lib: bm.lib, Features: bm.features,
		}, semverOptions(in.copts))
		if err != nil {
			slog.WarnContext(ctx, "semver check: documenting the base for cargo-semver-checks failed; it gets the base tree", "package", m.name, "err", err)
			return toolBaseline{}, false
		}
		root, err := filepath.EvalSymlinks(b.dir)
		if err != nil {
			root = b.dir
		}
		meta.Version, meta.Root = bm.version, root
		bl.version, bl.root = bm.version, root
		if err := writeFileAtomic(bl.json, data); err != nil {
			slog.WarnContext(ctx, "semver check: caching the baseline", "package", m.name, "err", err)
			return toolBaseline{}, false
		}
	}
	data, err := json.Marshal(meta)
	if err == nil {
		err = writeFileAtomic(bl.meta, data)
	}
	if err != nil {
		slog.WarnContext(ctx, "semver check: caching the baseline", "package", m.name, "err", err)
		bl.remove()
		return toolBaseline{}, false
	}
	pruneToolBaselines(dir, m.name, name)
	return bl, true
}

var cachePackageRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// toolBaselineKey is the cache key of package m's baseline: the way it is
// documented, the tool's version, the toolchain the tool runs under in the
// head checkout, the package and its library. "" when the tool is to get
// the base tree, with why.
func toolBaselineKey(ctx context.Context, in depthInput, m libPackage, tool string) (key, why string) {
	if !cachePackageRE.MatchString(m.name) {
		return "", "package name"
	}
	if p := manifestChange(in, m); p != "" {
		return "", "the pull request changes " + p
	}
	version, err := cargo.SemverChecksVersion(ctx, tool)
	if err != nil {
		return "", err.Error()
	}
	if !cargo.SemverBaselineSupported(version) {
		return "", "cargo-semver-checks " + version + " is older than 0.25"
	}
	toolchain, err := cargo.ToolchainIdentity(ctx, in.src)
	if err != nil {
		return "", err.Error()
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{cargo.SemverBaselineRecipe, version, toolchain, m.name, m.lib}, "\x00")))
	return hex.EncodeToString(sum[:8]), ""
}

// manifestChange returns a changed file the tool reads for manifest lints
// or for how it builds: package m's Cargo.toml, the workspace's, or a
// cargo configuration file; "" when there is none.
func manifestChange(in depthInput, m libPackage) string {
	if in.diff == nil {
		return ""
	}
	for _, f := range in.diff.Files {
		for _, p := range []string{f.Path(), f.OldPath} {
			switch {
			case p == "":
			case p == "Cargo.toml", p == path.Join(m.dir, "Cargo.toml"):
				return p
			case path.Base(path.Dir(p)) == ".cargo" && (path.Base(p) == "config" || path.Base(p) == "config.toml"):
				return p
			}
		}
	}
	return ""
}

// pruneToolBaselines removes package pkg's baselines other than keep (an
// older base, tool or toolchain): a pull request's base moves on, and the
// files are large.
func pruneToolBaselines(dir, pkg, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	re := regexp.MustCompile(`^[0-9a-f]+-` + regexp.QuoteMeta(pkg) + `-tool-[0-9a-f]{16}\.(meta\.)?json$`)
	for _, e := range entries {
		n := e.Name()
		if re.MatchString(n) && !strings.HasPrefix(n, keep+".") {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}

// writeFileAtomic writes a file of the semver cache through a temporary
// file and a rename, so that no reader sees part of it.
func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, werr)
	}
	return nil
}
