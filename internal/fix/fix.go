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
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
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

// VerifyError reports fixes that failed verification; the work tree was
// restored and nothing is left of them.
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
// something (the work tree is then as it was), ErrDisabled when the
// repository turned fixes off, and another error when it could not run.
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
	slog.Info("fix pipeline done", "dir", req.Dir, "head", res.HeadSHA, "changed", len(res.Changed),
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
			slog.Warn("repository configuration", "warning", w)
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

// maxRounds bounds the rounds of suggestions: apply, check again, apply
// what the new check suggests.
const maxRounds = 4

// pipeline is the state of one run.
type pipeline struct {
	req     Request
	cfg     *config.Repo
	copts   cargo.Options
	res     *Result
	entries map[string]treeEntry
	// files are the files fixes may change; orig holds their bytes at the
	// head (from git), cur the bytes with the fixes so far.
	files     []string
	orig, cur map[string][]byte
	// fixes are the fixes applied so far, one per fix, in order.
	fixes []Fix
	// scratch is the copy of the head the sandbox builds.
	scratch string
	// checked and checkedDiags are the bytes of the last clippy check and
	// its findings, reused when nothing changed since.
	checked      map[string][]byte
	checkedDiags []review.Diagnostic
}

// sync lays the head down in the scratch copy with the current bytes: what
// a build wrote there before is gone.
func (p *pipeline) sync(ctx context.Context) error {
	override := map[string][]byte{}
	for f, b := range p.cur {
		if !bytes.Equal(b, p.orig[f]) {
			override[f] = b
		}
	}
	if err := gitrepo.ExportTreeWith(ctx, p.req.Dir, p.res.HeadSHA, p.scratch, override); err != nil {
		return fmt.Errorf("fix: scratch copy: %w", err)
	}
	return nil
}

// clippy checks the current bytes in the scratch copy. When the build
// changed one of the files fixes may touch meanwhile (a build script can),
// clippy saw other bytes than ours: its findings are of no use and the
// result is a *VerifyError.
func (p *pipeline) clippy(ctx context.Context) ([]review.Diagnostic, error) {
	if err := p.sync(ctx); err != nil {
		return nil, err
	}
	root, err := safefs.Open(p.scratch)
	if err != nil {
		return nil, fmt.Errorf("fix: %w", err)
	}
	defer root.Close()
	stamps := map[string]stamp{}
	for _, f := range p.files {
		if stamps[f], err = stampOf(root, f); err != nil {
			return nil, fmt.Errorf("fix: scratch copy: %w", err)
		}
	}
	diags, err := cargo.Clippy(ctx, p.scratch, p.copts)
	if err != nil {
		return nil, err
	}
	// The files are mounted read-only in the sandbox (readOnlyRunner); this
	// is the second line of defence.
	for _, f := range p.files {
		st, err := stampOf(root, f)
		b, rerr := root.ReadFile(f)
		if err != nil || rerr != nil || st != stamps[f] || !bytes.Equal(b, p.cur[f]) {
			return nil, &VerifyError{Reason: fmt.Sprintf("the build changed %s while cargo clippy checked it (a build script?), so its findings could not be trusted and nothing was fixed", review.CodeSpan(f))}
		}
	}
	p.checked, p.checkedDiags = maps.Clone(p.cur), diags
	return diags, nil
}

// stamp identifies a file's inode and size: a file replaced or resized
// gives another stamp. (Modification times are no use: the cargo package
// itself marks a tree's files as new when it switches target dirs.)
type stamp struct {
	dev, ino uint64
	size     int64
}

func stampOf(root *safefs.Root, f string) (stamp, error) {
	fi, err := root.Lstat(f)
	if err != nil {
		return stamp{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}, fmt.Errorf("%s: no file status", f)
	}
	return stamp{dev: uint64(st.Dev), ino: st.Ino, size: st.Size}, nil
}

// readOnlyRunner runs commands with the files fixes may change mounted
// read-only over the scratch copy: no build script can write, replace or
// remove them while clippy or the tests run.
type readOnlyRunner struct {
	sandbox.Runner
	files []string
}

// Run adds the files to cmd.ReadOnly.
func (r readOnlyRunner) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	cmd.ReadOnly = append(slices.Clone(cmd.ReadOnly), r.files...)
	return r.Runner.Run(ctx, cmd)
}

func (p *pipeline) run(ctx context.Context) error {
	if err := p.sync(ctx); err != nil {
		return err
	}
	if p.req.Fetch {
		if err := cargo.Fetch(ctx, p.scratch, p.copts); err != nil {
			return fmt.Errorf("fix: %w", err)
		}
	}
	before, err := p.clippy(ctx)
	if err != nil {
		return clippyErr("on the head", err)
	}
	diags := before
	if p.req.Patches != nil {
		applied, err := p.applyPatches(ctx, before)
		if err != nil {
			return err
		}
		if applied > 0 && !hasError(before) {
			if diags, err = p.clippy(ctx); err != nil {
				return clippyErr("with the agent's patches", err)
			}
		}
	}
	if hasError(before) {
		p.res.Notes = append(p.res.Notes, "The head does not compile, so clippy's fixes were not applied (only formatting).")
	} else if err := p.suggestionRounds(ctx, diags); err != nil {
		return err
	}
	if err := p.format(ctx); err != nil {
		return err
	}
	if !p.changed() {
		return nil
	}
	if err := p.verify(ctx, before); err != nil {
		return err
	}
	if p.cfg.Tests.Run {
		if err := p.sync(ctx); err != nil {
			return err
		}
		tr, err := cargo.Test(ctx, p.scratch, p.copts)
		if err != nil {
			return fmt.Errorf("fix: cargo test: %w", err)
		}
		if !tr.Passed {
			return &VerifyError{Reason: fmt.Sprintf("cargo test fails with the fixes (exit %d)", tr.ExitCode), Detail: tr.Output}
		}
		p.res.Tested = true
	}
	return p.finish(ctx)
}

// suggestionRounds applies the machine-applicable suggestions of diags,
// checks the result and applies what the new check suggests, up to
// maxRounds times. A round whose suggestions break the build is undone.
func (p *pipeline) suggestionRounds(ctx context.Context, diags []review.Diagnostic) error {
	for round := 1; round <= maxRounds; round++ {
		planned, fixes := planSuggestions(diags, p.cur, p.files)
		if len(fixes) == 0 {
			return nil
		}
		saved := maps.Clone(p.cur)
		for f, edits := range planned {
			p.cur[f] = applyEdits(p.cur[f], edits)
		}
		next, err := p.clippy(ctx)
		if err != nil {
			return clippyErr(fmt.Sprintf("after round %d of fixes", round), err)
		}
		if hasError(next) {
			p.cur = saved
			p.res.Notes = append(p.res.Notes, fmt.Sprintf("%d suggested fix(es) were left out: together they do not compile.", len(fixes)))
			return nil
		}
		p.fixes = append(p.fixes, fixes...)
		diags = next
	}
	return nil
}

// clippyErr says which check failed; a *VerifyError stays as it is.
func clippyErr(when string, err error) error {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("fix: clippy %s: %w", when, err)
}

// changed reports whether any file differs from the head.
func (p *pipeline) changed() bool {
	for f, b := range p.cur {
		if !bytes.Equal(b, p.orig[f]) {
			return true
		}
	}
	return false
}

// verify checks the fixed copy: a new error rejects every fix; a new
// warning drops the fixes of the files it is in and checks again, and
// rejects every fix when it is in no fixed file or is still there.
func (p *pipeline) verify(ctx context.Context, before []review.Diagnostic) error {
	for attempt := 0; ; attempt++ {
		after := p.checkedDiags
		if !maps.EqualFunc(p.checked, p.cur, bytes.Equal) {
			var err error
			if after, err = p.clippy(ctx); err != nil {
				return clippyErr("on the fixed head", err)
			}
		}
		if added := newFindings(before, after, review.SeverityError); len(added) > 0 {
			return &VerifyError{
				Reason: fmt.Sprintf("the fixes would break the build: cargo clippy reports %d new error(s), the first: %s", len(added), review.CodeSpan(added[0].text)),
				Detail: renderedErrors(after, 3),
			}
		}
		added := newFindings(before, after, review.SeverityWarning)
		if len(added) == 0 {
			return nil
		}
		var drop []string
		for _, a := range added {
			if b, ok := p.cur[a.path]; ok && !bytes.Equal(b, p.orig[a.path]) && !slices.Contains(drop, a.path) {
				drop = append(drop, a.path)
			}
		}
		if attempt > 0 || len(drop) == 0 || !p.dropAll(drop, added) {
			return &VerifyError{
				Reason: fmt.Sprintf("the fixes would add %d new warning(s), the first: %s", len(added), review.CodeSpan(added[0].text)),
				Detail: renderedWarnings(after, added),
			}
		}
	}
}

// dropAll undoes every fix to files, with a note naming the warning; false
// when nothing would be left.
func (p *pipeline) dropAll(files []string, added []finding) bool {
	for _, f := range files {
		p.cur[f] = p.orig[f]
		p.fixes = slices.DeleteFunc(p.fixes, func(x Fix) bool { return x.Path == f })
		for _, a := range added {
			if a.path == f {
				p.res.Notes = append(p.res.Notes, fmt.Sprintf("The fixes to %s were left out: they add a warning (%s).", review.CodeSpan(f), review.CodeSpan(a.text)))
				break
			}
		}
	}
	return p.changed()
}

// finish stores the fixed files as git objects, records the result and
// writes the fixes into the work tree.
func (p *pipeline) finish(ctx context.Context) error {
	changed := map[string][]byte{}
	for f, b := range p.cur {
		if !bytes.Equal(b, p.orig[f]) {
			changed[f] = b
		}
	}
	tree, err := writeTree(ctx, p.req.Dir, p.res.HeadSHA, changed, p.entries)
	if err != nil {
		return err
	}
	diff, err := git(ctx, p.req.Dir, nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv",
		"--src-prefix=a/", "--dst-prefix=b/", p.res.HeadSHA, tree, "--")
	if err != nil {
		return fmt.Errorf("fix: diff of the fixes: %w", err)
	}
	var fixes []Fix
	for _, f := range p.fixes {
		if changed[f.Path] != nil {
			fixes = append(fixes, f)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(changed)) {
		if err := safefs.WriteFile(p.req.Dir, f, changed[f], 0o644); err != nil {
			return fmt.Errorf("fix: write the fixes: %w", err)
		}
	}
	p.res.Changed = slices.Sorted(maps.Keys(changed))
	p.res.Fixes = mergeFixes(fixes)
	p.res.Diff = diff
	p.res.Tree = tree
	return nil
}

func hasError(diags []review.Diagnostic) bool {
	return slices.ContainsFunc(diags, func(d review.Diagnostic) bool { return d.Severity == review.SeverityError })
}

// findingKey identifies a finding without its line numbers (fixes move lines).
func findingKey(d review.Diagnostic) (key, path string) {
	if sp, ok := d.Primary(); ok {
		path = sp.Path
	}
	msg, _, _ := strings.Cut(d.Message, "\n")
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", d.Source, d.Rule, path, msg), path
}

func countKeys(diags []review.Diagnostic, keep func(review.Diagnostic) bool) map[string]int {
	m := map[string]int{}
	for _, d := range diags {
		if keep(d) {
			k, _ := findingKey(d)
			m[k]++
		}
	}
	return m
}

// finding is a finding after has more of than before.
type finding struct{ path, text string }

// newFindings returns the findings of severity sev that after has more of
// than before (rustfmt's aside), one per kind.
func newFindings(before, after []review.Diagnostic, sev review.Severity) []finding {
	keep := func(d review.Diagnostic) bool { return d.Severity == sev && d.Source != review.SourceRustfmt }
	b, a := countKeys(before, keep), countKeys(after, keep)
	var out []finding
	for _, d := range after {
		k, path := findingKey(d)
		if keep(d) && a[k] > b[k] {
			msg, _, _ := strings.Cut(d.Message, "\n")
			text := fmt.Sprintf("%s: %s", path, msg)
			if d.Rule != "" {
				text = fmt.Sprintf("%s: %s (%s)", path, msg, d.Rule)
			}
			out = append(out, finding{path: path, text: text})
			a[k] = b[k] // report each key once
		}
	}
	return out
}

// mergeFixes sums fixes of one rule in one file, keeping the first order.
func mergeFixes(fixes []Fix) []Fix {
	var out []Fix
	index := map[string]int{}
	for _, f := range fixes {
		k := string(f.Source) + "\x00" + f.Rule + "\x00" + f.Path
		if i, ok := index[k]; ok {
			out[i].Count += f.Count
			continue
		}
		index[k] = len(out)
		out = append(out, f)
	}
	return out
}

// renderedWarnings returns the rendered text of the new warnings' kinds
// (the first three).
func renderedWarnings(after []review.Diagnostic, added []finding) string {
	var b strings.Builder
	n := 0
	for _, d := range after {
		if d.Severity != review.SeverityWarning || n == 3 {
			continue
		}
		_, path := findingKey(d)
		msg, _, _ := strings.Cut(d.Message, "\n")
		if !slices.ContainsFunc(added, func(f finding) bool { return f.path == path && strings.Contains(f.text, msg) }) {
			continue
		}
		n++
		text := d.Rendered
		if text == "" {
			text = d.Message
		}
		b.WriteString(strings.TrimRight(text, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

// renderedErrors returns the rendered text of the first n errors.
func renderedErrors(diags []review.Diagnostic, n int) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity != review.SeverityError || n == 0 {
			continue
		}
		n--
		text := d.Rendered
		if text == "" {
			text = d.Message
		}
		b.WriteString(strings.TrimRight(text, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}
