// Package fix runs Symposium's fix pipeline on a local checkout of a pull
// request's head: the agent's verified patches (when an agent is
// configured), clippy's machine-applicable fixes and rustfmt, limited to the
// Rust files the pull request changed, all in the sandbox; then it verifies
// the result (cargo clippy shows none of the fixed findings and no new
// error; cargo test passes when the repository asks for tests) and leaves
// the verified changes in the work tree. Anything that fails verification
// is undone: the work tree is left as it was.
//
// It is shared by `symposium fix` and the worker's `/symposium fix`.
package fix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/symposium-dev/symposium/internal/analysis"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// Request is one fix run.
type Request struct {
	// Dir is a git work tree checked out at the head to fix; its tracked
	// files must not have uncommitted changes. The fixes are written there.
	Dir string
	// Base is the base revision (branch, tag or SHA) of the pull request;
	// the files changed since the merge base are the ones fixed.
	Base string
	// Runner runs cargo and rustfmt; required.
	Runner sandbox.Runner
	// TargetDir is cargo's target directory, shared between runs; required.
	TargetDir string
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
	// Tested is true when cargo test ran and passed with the fixes.
	Tested bool
	// Notes say what was left out and why (a head that does not compile,
	// agent patches that no longer apply, a file fixes may not touch).
	Notes []string
}

// Empty reports whether there was nothing to fix.
func (r Result) Empty() bool { return len(r.Changed) == 0 }

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
	if len(files) == 0 {
		res.Notes = append(res.Notes, "The pull request changes no Rust file that fixes may touch.")
		return res, nil
	}
	if _, ok, _ := readFile(req.Dir, "Cargo.toml"); !ok {
		res.Notes = append(res.Notes, "The head has no Cargo.toml at the repository root: nothing was fixed.")
		return res, nil
	}
	p := &pipeline{req: req, cfg: cfg, files: files, res: &res,
		copts: cargo.Options{Runner: req.Runner, TargetDir: req.TargetDir, LintArgs: cfg.LintArgs(), ExtraArgs: cfg.Clippy.ExtraArgs}}
	if err := p.run(ctx); err != nil {
		if rerr := p.undo(context.WithoutCancel(ctx)); rerr != nil {
			return res, errors.Join(err, rerr)
		}
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

// pipeline is the state of one run.
type pipeline struct {
	req   Request
	cfg   *config.Repo
	files []string
	copts cargo.Options
	res   *Result
}

func (p *pipeline) run(ctx context.Context) error {
	dir := p.req.Dir
	if p.req.Fetch {
		if err := cargo.Fetch(ctx, dir, p.copts); err != nil {
			return fmt.Errorf("fix: %w", err)
		}
	}
	before, err := cargo.Clippy(ctx, dir, p.copts)
	if err != nil {
		return fmt.Errorf("fix: clippy on the head: %w", err)
	}
	var agentFixes []Fix
	if p.req.Patches != nil {
		if agentFixes, err = p.applyPatches(ctx, before); err != nil {
			return err
		}
	}
	if hasError(before) {
		p.res.Notes = append(p.res.Notes, "The head does not compile, so clippy's fixes were not applied (only formatting).")
	} else if _, err := cargo.ClippyFix(ctx, dir, p.files, p.copts); err != nil {
		return fmt.Errorf("fix: %w", err)
	}
	formatFixes, err := p.format(ctx)
	if err != nil {
		return err
	}
	if err := p.keepAllowed(ctx); err != nil {
		return err
	}
	changed, err := dirtyFiles(ctx, dir)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	after, err := cargo.Clippy(ctx, dir, p.copts)
	if err != nil {
		return fmt.Errorf("fix: clippy on the fixed head: %w", err)
	}
	if added := newErrors(before, after); len(added) > 0 {
		return &VerifyError{
			Reason: fmt.Sprintf("the fixes would break the build: cargo clippy reports %d new error(s), the first: %s", len(added), added[0]),
			Detail: renderedErrors(after, 3),
		}
	}
	if p.cfg.Tests.Run {
		tr, err := cargo.Test(ctx, dir, p.copts)
		if err != nil {
			return fmt.Errorf("fix: cargo test: %w", err)
		}
		if !tr.Passed {
			return &VerifyError{Reason: fmt.Sprintf("cargo test fails with the fixes (exit %d)", tr.ExitCode), Detail: tr.Output}
		}
		p.res.Tested = true
	}
	p.res.Changed = changed
	p.res.Fixes = mergeFixes(append(append(agentFixes, fixedFindings(before, after, changed)...), formatFixes...))
	if p.res.Diff, err = git(ctx, dir, nil, "diff", "--no-color", "--no-ext-diff", "HEAD", "--"); err != nil {
		return fmt.Errorf("fix: diff of the fixes: %w", err)
	}
	return nil
}

// keepAllowed undoes any change outside the files fixes may touch.
func (p *pipeline) keepAllowed(ctx context.Context) error {
	changed, err := dirtyFiles(ctx, p.req.Dir)
	if err != nil {
		return err
	}
	var outside []string
	for _, f := range changed {
		if !slices.Contains(p.files, f) {
			outside = append(outside, f)
		}
	}
	if len(outside) > 0 {
		p.res.Notes = append(p.res.Notes, fmt.Sprintf("Changes to %s were dropped: fixes only touch the Rust files the pull request changed.", strings.Join(outside, ", ")))
	}
	return restore(ctx, p.req.Dir, outside)
}

// undo puts every changed file back.
func (p *pipeline) undo(ctx context.Context) error {
	changed, err := dirtyFiles(ctx, p.req.Dir)
	if err != nil {
		return err
	}
	p.res.Changed, p.res.Fixes, p.res.Diff = nil, nil, nil
	return restore(ctx, p.req.Dir, changed)
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

// newErrors returns the error messages after has more of than before.
func newErrors(before, after []review.Diagnostic) []string {
	isErr := func(d review.Diagnostic) bool { return d.Severity == review.SeverityError }
	b, a := countKeys(before, isErr), countKeys(after, isErr)
	var out []string
	for _, d := range after {
		k, path := findingKey(d)
		if isErr(d) && a[k] > b[k] {
			msg, _, _ := strings.Cut(d.Message, "\n")
			out = append(out, fmt.Sprintf("%s: %s", path, msg))
			a[k] = b[k] // report each key once
		}
	}
	return out
}

// fixedFindings lists the findings of before, in changed files, that had
// a machine-applicable fix and that cargo clippy no longer reports after.
func fixedFindings(before, after []review.Diagnostic, changed []string) []Fix {
	all := func(review.Diagnostic) bool { return true }
	remaining := countKeys(after, all)
	var out []Fix
	for _, d := range before {
		k, path := findingKey(d)
		if !slices.Contains(changed, path) || !machineApplicable(d) {
			continue
		}
		if remaining[k] > 0 {
			remaining[k]--
			continue
		}
		rule := d.Rule
		if rule == "" {
			rule, _, _ = strings.Cut(d.Message, "\n")
		}
		out = append(out, Fix{Source: d.Source, Rule: rule, Path: path, Count: 1})
	}
	return out
}

func machineApplicable(d review.Diagnostic) bool {
	return slices.ContainsFunc(d.Fixes, func(f review.Fix) bool { return f.Applicability == review.MachineApplicable })
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
