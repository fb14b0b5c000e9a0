// Package fix runs Symposium's fix pipeline on a pull request's head: the
// agent's verified patches (when an agent is configured), the compiler's
// and clippy's machine-applicable suggestions and rustfmt, limited to the
// Rust files the pull request changed.
//
// Every edit is computed on the host, applied to the head's bytes as git
// stores them (never to a file a build could have written): suggestions
// are read from clippy's JSON spans and applied here, in rounds (apply, re-
// check, apply what the new check suggests), and rustfmt formats a private
// copy of our bytes. The sandbox only builds and checks a scratch copy of
// the head carrying those bytes, laid down afresh before every check. The
// result is verified (no new error, no new warning; cargo test passes when
// the repository asks for tests), stored as git objects written from our
// bytes (Result.Tree, which Commit commits) and written into the work tree.
//
// It is shared by `symposium fix` and the worker's `/symposium fix`.
package fix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/symposium-dev/symposium/internal/analysis"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// Request is one fix run.
type Request struct {
	// Dir is a git work tree checked out at the head to fix; its tracked
	// files must not have uncommitted changes. The verified fixes are
	// written there (and only they: no build runs in Dir).
	Dir string
	// Base is the base revision (branch, tag or SHA) of the pull request;
	// the files changed since the merge base are the ones fixed.
	Base string
	// Runner runs cargo and rustfmt; required.
	Runner sandbox.Runner
	// TargetDir is cargo's target directory, shared between runs; required.
	TargetDir string
	// SourceDir is the scratch copy of the head the sandbox builds and
	// checks; it is rewritten before every check. Reusing it between runs
	// keeps cargo's incremental state useful. Empty means a temporary
	// directory, removed afterwards.
	SourceDir string
	// Config is the repository's configuration; nil reads it from Base.
	Config *config.Repo
	// Fetch runs `cargo fetch` (with network) first.
	Fetch bool
	// Patches, when set, supplies the agent's verified patches.
	Patches PatchSource
}

// Fix is one applied fix, for the commit message and the reply.
type Fix struct {
	Source review.Source
	// Rule is the lint ("clippy::needless_return"), "rustfmt", or the
	// agent patch's description.
	Rule string
	Path string
	// Count is how many findings of this rule in this file were fixed.
	Count int
}

// String is "rule in path" (with the count when more than one).
func (f Fix) String() string {
	s := fmt.Sprintf("%s in %s", f.Rule, f.Path)
	if f.Count > 1 {
		s += fmt.Sprintf(" (%d×)", f.Count)
	}
	return s
}

// Result is what a fix run changed.
type Result struct {
	BaseSHA, MergeBase string
	// HeadSHA is the commit the fixes apply to.
	HeadSHA string
	// Changed lists the files the fixes changed, sorted.
	Changed []string
	Fixes   []Fix
	// Diff is the unified diff of the fixes against HeadSHA.
	Diff []byte
	// Tree is the git tree of HeadSHA with the fixes, written from the
	// pipeline's own bytes; Commit commits it.
	Tree string
	// Tested is true when cargo test ran and passed with the fixes.
	Tested bool
	// Notes say what was left out and why (a head that does not compile,
	// agent patches that no longer apply, a file fixes may not touch).
	Notes []string
}

// Empty reports whether there was nothing to fix.
func (r Result) Empty() bool { return len(r.Changed) == 0 }

// Count is the number of fixes applied: each suggestion of the compiler or
// clippy, each region rustfmt reformatted, each agent patch per file. The
// commit message and `symposium fix` both print it.
func (r Result) Count() int {
	n := 0
	for _, f := range r.Fixes {
		n += max(f.Count, 1)
	}
	return n
}

// VerifyError reports fixes that failed verification, or a head that
// could not be built because of itself (its dependencies could not be
// fetched: Detail is cargo's redacted error); the work tree was restored
// and nothing is left of any fix. Retrying cannot help.
type VerifyError struct {
	// Reason is one sentence for people: what broke.
	Reason string
	// Detail is the tools' own output, abridged.
	Detail string
}

func (e *VerifyError) Error() string { return "fix: verification failed: " + e.Reason }

// ErrDisabled reports a repository whose configuration turns fixes off.
var ErrDisabled = errors.New("fix: disabled by the repository's configuration ([fix] enabled = false)")

var runsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "symposium_fix_runs_total",
	Help: "Fix pipeline runs by outcome (fixed, nothing, rejected, error).",
}, []string{"outcome"})

// Run runs the pipeline. It returns a *VerifyError when the fixes broke
// something or the head's dependencies could not be fetched because of it
// (the work tree is then as it was), ErrDisabled when the repository
// turned fixes off, and another error when it could not run.
func Run(ctx context.Context, req Request) (Result, error) {
	start := time.Now()
	res, err := run(ctx, req)
	var ve *VerifyError
	switch {
	case errors.As(err, &ve):
		runsTotal.WithLabelValues("rejected").Inc()
	case err != nil:
		runsTotal.WithLabelValues("error").Inc()
	case res.Empty():
		runsTotal.WithLabelValues("nothing").Inc()
	default:
		runsTotal.WithLabelValues("fixed").Inc()
	}
	slog.InfoContext(ctx, "fix pipeline done", "dir", req.Dir, "head", res.HeadSHA, "changed", len(res.Changed),
		"fixes", len(res.Fixes), "err", err, "duration", time.Since(start).Round(time.Millisecond))
	return res, err
}

func run(ctx context.Context, req Request) (Result, error) {
	if req.Dir == "" || req.Base == "" || req.Runner == nil || req.TargetDir == "" {
		return Result{}, errors.New("fix: Request needs Dir, Base, Runner and TargetDir")
	}
	var res Result
	var err error
	if res.HeadSHA, err = gitLine(ctx, req.Dir, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return Result{}, fmt.Errorf("fix: head: %w", err)
	}
	if res.BaseSHA, err = gitLine(ctx, req.Dir, "rev-parse", "--verify", "--end-of-options", req.Base+"^{commit}"); err != nil {
		return Result{}, fmt.Errorf("fix: base %q: %w", req.Base, err)
	}
	if res.MergeBase, err = gitLine(ctx, req.Dir, "merge-base", res.BaseSHA, res.HeadSHA); err != nil {
		return Result{}, fmt.Errorf("fix: no merge base of %s and HEAD: %w", req.Base, err)
	}
	dirty, err := dirtyFiles(ctx, req.Dir)
	if err != nil {
		return Result{}, err
	}
	if len(dirty) > 0 {
		return Result{}, fmt.Errorf("fix: %s has uncommitted changes (%s): commit or stash them first", req.Dir, strings.Join(dirty, ", "))
	}
	cfg := req.Config
	if cfg == nil {
		var warnings []string
		if cfg, warnings, err = analysis.LoadConfig(ctx, req.Dir, res.BaseSHA); err != nil {
			return Result{}, fmt.Errorf("fix: %w", err)
		}
		for _, w := range warnings {
			slog.WarnContext(ctx, "repository configuration", "warning", w)
		}
	}
	if !cfg.FixEnabled() {
		return res, ErrDisabled
	}
	files, err := fixableFiles(ctx, req.Dir, res.MergeBase, res.HeadSHA, cfg.Review.IgnorePaths)
	if err != nil {
		return Result{}, err
	}
	entries, err := treeEntries(ctx, req.Dir, res.HeadSHA, append([]string{"Cargo.toml", "Cargo.lock"}, files...))
	if err != nil {
		return Result{}, err
	}
	files = slices.DeleteFunc(files, func(f string) bool {
		if entries[f].regular() {
			return false
		}
		res.Notes = append(res.Notes, fmt.Sprintf("%s is a symbolic link (or not a regular file): not followed, not fixed.", review.CodeSpan(f)))
		return true
	})
	if len(files) == 0 {
		res.Notes = append(res.Notes, "The pull request changes no Rust file that fixes may touch.")
		return res, nil
	}
	if e, ok := entries["Cargo.toml"]; !ok {
		res.Notes = append(res.Notes, "The head has no Cargo.toml at the repository root: nothing was fixed.")
		return res, nil
	} else if !e.regular() {
		res.Notes = append(res.Notes, "`Cargo.toml` is a symbolic link (or not a regular file): not followed, so nothing was fixed.")
		return res, nil
	}
	if e, ok := entries["Cargo.lock"]; ok && !e.regular() {
		res.Notes = append(res.Notes, "`Cargo.lock` is a symbolic link (or not a regular file): not followed, so nothing was fixed.")
		return res, nil
	}
	p := &pipeline{req: req, cfg: cfg, res: &res, entries: entries,
		orig: map[string][]byte{}, cur: map[string][]byte{},
		copts: cargo.Options{Runner: req.Runner, TargetDir: req.TargetDir, LintArgs: cfg.LintArgs(), ExtraArgs: cfg.Clippy.ExtraArgs}}
	for _, f := range files {
		data, ok, err := gitrepo.Show(ctx, req.Dir, res.HeadSHA, f)
		if err != nil {
			return Result{}, fmt.Errorf("fix: %w", err)
		}
		if !ok || len(data) > safefs.MaxFileSize {
			res.Notes = append(res.Notes, fmt.Sprintf("%s is larger than %d MiB: not fixed.", review.CodeSpan(f), safefs.MaxFileSize>>20))
			continue
		}
		p.files = append(p.files, f)
		p.orig[f], p.cur[f] = data, data
	}
	if len(p.files) == 0 {
		return res, nil
	}
	p.scratch = req.SourceDir
	if p.scratch == "" {
		if p.scratch, err = os.MkdirTemp("", "symposium-fix-"); err != nil {
			return Result{}, fmt.Errorf("fix: %w", err)
		}
		defer os.RemoveAll(p.scratch)
	}
	abs, err := filepath.Abs(p.scratch)
	if err != nil {
		return Result{}, fmt.Errorf("fix: %w", err)
	}
	ro := readOnlyRunner{Runner: req.Runner}
	for _, f := range p.files {
		ro.files = append(ro.files, filepath.Join(abs, filepath.FromSlash(f)))
	}
	p.copts.Runner = ro
	if err := p.run(ctx); err != nil {
		res.Changed, res.Fixes, res.Diff, res.Tree = nil, nil, nil, ""
		return res, err
	}
	return res, nil
}

// fixableFiles lists the Rust files the pull request added or modified
// (merge base to head) that fixes may touch: never under .github/, never
// matching the repository's ignore globs.
func fixableFiles(ctx context.Context, dir, mergeBase, head string, ignore []string) ([]string, error) {
	out, err := git(ctx, dir, nil, "diff", "--name-only", "-z", "--diff-filter=AMR", mergeBase, head, "--")
	if err != nil {
		return nil, fmt.Errorf("fix: files of the pull request: %w", err)
	}
	var files []string
	for _, f := range lines(out) {
		if !strings.HasSuffix(f, ".rs") || !allowed(f) || review.MatchAny(ignore, f) {
			continue
		}
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}

// allowed reports whether fixes may change p: never anything under .github/
// (workflows above all), nor build scripts.
func allowed(p string) bool {
	return !strings.HasPrefix(p, ".github/") && path.Base(p) != "build.rs"
}
