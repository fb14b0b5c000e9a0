// Package analysis runs the whole local review of a Rust repository between
// a base and a head revision: it resolves the revisions, reads the
// repository's configuration from the base, computes the pull request's
// diff, exports the head's tree, runs clippy and rustfmt on it in the
// sandbox and builds the review with package review.
//
// It takes a repository already on disk: fetching it from GitHub is the
// caller's concern (`symposium review` uses a local clone, the worker a
// checkout made by gitrepo).
package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/review"
)

// DefaultLargeWorkspace is the number of workspace members above which only
// the packages owning changed files are analysed.
const DefaultLargeWorkspace = 8

// Request is one review to run.
type Request struct {
	// RepoDir is a git repository (a work tree or a bare one) that holds
	// both revisions.
	RepoDir string
	// Base and Head are revisions (SHAs, branches, tags); Head defaults to HEAD.
	Base, Head string
	// Runner runs cargo and rustfmt; required.
	Runner sandbox.Runner
	// TargetDir is cargo's target directory, reused between runs of one
	// pull request (never shared between pull requests); required.
	TargetDir string
	// CargoHome is the repository's cargo home, written only by the fetch
	// and read-only in builds; empty means cargo.Options' default.
	CargoHome string
	// SourceDir receives the head's tree. Reusing it between runs keeps the
	// modification times of unchanged files, so cargo rechecks only what
	// changed. Empty means a temporary directory, removed afterwards. The
	// caller must not run two reviews with one SourceDir at once.
	SourceDir string
	// Config is the repository's configuration; nil reads it from Base.
	Config *config.Repo
	// ConfigWarnings are the warnings of reading Config, shown in the summary.
	ConfigWarnings []string
	// Filter and MaxComments override the configuration when set.
	Filter      review.Filter
	MaxComments int
	// Fetch runs `cargo fetch` (with network) before the offline analysis;
	// needed when the repository has registry or git dependencies.
	Fetch bool
	// LargeWorkspace overrides DefaultLargeWorkspace.
	LargeWorkspace int
	// MaxOutputBytes caps clippy's output (cargo.DefaultMaxOutputBytes when
	// zero): beyond it the review is marked incomplete, not failed.
	MaxOutputBytes int
	// AdvisoryDB is a checkout of the RustSec advisory database; empty
	// means the directory named by SYMPOSIUM_ADVISORY_DB, if set.
	AdvisoryDB string
}

var (
	reviewsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_analysis_reviews_total",
		Help: "Local reviews run, by outcome (ok, error).",
	}, []string{"outcome"})
	reviewSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "symposium_analysis_review_duration_seconds",
		Help:    "Wall time of a local review, from revisions to result.",
		Buckets: prometheus.ExponentialBuckets(0.25, 2, 12),
	})
)

// LoadConfig reads .github/symposium.toml at revision rev (the base of a
// pull request). A missing file gives the defaults; unknown keys come back
// as warnings.
func LoadConfig(ctx context.Context, repoDir, rev string) (*config.Repo, []string, error) {
	data, ok, err := gitrepo.Show(ctx, repoDir, rev, config.RepoConfigPath)
	if err != nil {
		return nil, nil, fmt.Errorf("read repository configuration: %w", err)
	}
	if !ok {
		return config.DefaultRepo(), nil, nil
	}
	return config.ParseRepo(data)
}

// Run reviews req.Head against req.Base. It returns an error only when the
// review could not run; findings, compile errors included, are in the result.
func Run(ctx context.Context, req Request) (review.Result, error) {
	start := time.Now()
	res, err := run(ctx, req, start)
	reviewSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		reviewsTotal.WithLabelValues("error").Inc()
		return review.Result{}, err
	}
	reviewsTotal.WithLabelValues("ok").Inc()
	return res, nil
}

func run(ctx context.Context, req Request, start time.Time) (review.Result, error) {
	if req.Runner == nil || req.TargetDir == "" || req.RepoDir == "" || req.Base == "" {
		return review.Result{}, errors.New("analysis: Request needs RepoDir, Base, Runner and TargetDir")
	}
	if req.Head == "" {
		req.Head = "HEAD"
	}
	// The toolchain clippy and rustfmt need is looked up while git works.
	cargo.WarmUp()
	// Independent git steps run at once; their errors are reported in the
	// order the steps are listed.
	var (
		wg               sync.WaitGroup
		baseSHA, headSHA string
		baseErr, headErr error
	)
	wg.Go(func() { baseSHA, baseErr = gitrepo.RevParse(ctx, req.RepoDir, req.Base) })
	wg.Go(func() { headSHA, headErr = gitrepo.RevParse(ctx, req.RepoDir, req.Head) })
	wg.Wait()
	if baseErr != nil {
		return review.Result{}, fmt.Errorf("base: %w", baseErr)
	}
	if headErr != nil {
		return review.Result{}, fmt.Errorf("head: %w", headErr)
	}

	src := req.SourceDir
	if src == "" {
		var err error
		if src, err = os.MkdirTemp("", "symposium-head-"); err != nil {
			return review.Result{}, fmt.Errorf("analysis: %w", err)
		}
		defer os.RemoveAll(src)
	}
	var (
		cfg                        = req.Config
		warnings                   = req.ConfigWarnings
		rawDiff                    []byte
		mergeBase                  string
		cfgErr, diffErr, exportErr error
	)
	if cfg == nil {
		wg.Go(func() { cfg, warnings, cfgErr = LoadConfig(ctx, req.RepoDir, baseSHA) })
	}
	wg.Go(func() { mergeBase, rawDiff, diffErr = gitrepo.PullRequestDiff(ctx, req.RepoDir, baseSHA, headSHA) })
	wg.Go(func() { exportErr = gitrepo.ExportTree(ctx, req.RepoDir, headSHA, src) })
	wg.Wait()
	if cfgErr != nil {
		return review.Result{}, fmt.Errorf("analysis: %w", cfgErr)
	}
	for _, w := range warnings {
		slog.WarnContext(ctx, "repository configuration", "repo", req.RepoDir, "warning", w)
	}
	opts := cfg.ReviewOptions()
	if req.Filter != "" {
		opts.Filter = req.Filter
	}
	if req.MaxComments > 0 {
		opts.MaxComments = req.MaxComments
	}
	if err := opts.Validate(); err != nil {
		return review.Result{}, fmt.Errorf("analysis: %w", err)
	}
	if diffErr != nil {
		return review.Result{}, fmt.Errorf("analysis: %w", diffErr)
	}
	diff, err := review.ParseDiff(rawDiff)
	if err != nil {
		return review.Result{}, fmt.Errorf("analysis: diff of %s..%s: %w", baseSHA, headSHA, err)
	}
	if exportErr != nil {
		return review.Result{}, fmt.Errorf("analysis: %w", exportErr)
	}

	heads := newHeadFiles(ctx, req.RepoDir, headSHA)
	// The export holds the head's bytes until cargo runs: keep the changed
	// files from it now rather than ask git for each one afterwards.
	heads.preload(src, diff.ChangedPaths())
	var (
		diags      []review.Diagnostic
		incomplete string
	)
	notes := warnings
	copts := cargo.Options{Runner: req.Runner, TargetDir: req.TargetDir, CargoHome: req.CargoHome,
		LintArgs: cfg.LintArgs(), ExtraArgs: cfg.Clippy.ExtraArgs, MaxOutputBytes: req.MaxOutputBytes}
	linked := linkedPaths(src, diff.ChangedPaths())
	for _, p := range linked {
		notes = append(notes, review.CodeSpan(p)+" is a symbolic link: not followed.")
	}
	// A head cargo cannot run on (its root manifest refused) or could not
	// build (its dependencies could not be fetched because of it) is
	// reviewed as far as it can be, and the result says it is incomplete:
	// it never passes for a clean review.
	// The depth checks' part that needs no build overlaps cargo.
	awaitBuildFree := startBuildFree(ctx, depthInput{req: req, cfg: cfg, diff: diff, heads: heads, mergeBase: mergeBase})
	refusal := manifestRefusal(src)
	built := refusal == ""
	if !built {
		incomplete = refusal
	} else {
		if diags, incomplete, built, err = analyse(ctx, src, diff, opts, copts, req, linked); err != nil {
			return review.Result{}, fmt.Errorf("analysis: %w", err)
		}
	}
	if incomplete != "" {
		notes = append(notes, incomplete)
	}
	// The findings' files not in the diff (off-diff findings, enclosing
	// context) come from git in one process.
	heads.prefetch(diagnosticPaths(diags))
	depthDiags, depth := depthChecks(ctx, depthInput{req: req, cfg: cfg, diff: diff, heads: heads, src: src,
		copts: copts, mergeBase: mergeBase, headSHA: headSHA, analysed: built, awaitBuildFree: awaitBuildFree})
	// The depth checks quote tools' errors (cargo-semver-checks, rustdoc)
	// in notes and findings: no worker path may be posted.
	cargo.RedactDiagnostics(depthDiags, src, copts)
	for i, n := range depth.Notes {
		depth.Notes[i] = cargo.RedactText(n, src, copts)
	}
	diags = append(diags, depthDiags...)
	heads.prefetch(diagnosticPaths(depthDiags))

	res := review.Build(review.Input{
		BaseSHA: baseSHA, HeadSHA: headSHA, Diff: diff, Diagnostics: diags,
		HeadFiles: heads.read, Options: opts, Notes: notes, Depth: depth, Incomplete: incomplete,
	})
	res.Stats.DurationMS = time.Since(start).Milliseconds()
	slog.InfoContext(ctx, "review done", "repo", req.RepoDir, "base", baseSHA, "head", headSHA,
		"diagnostics", res.Stats.DiagnosticsTotal, "on_diff", res.Stats.DiagnosticsOnDiff,
		"comments", res.Stats.Comments, "duration_ms", res.Stats.DurationMS)
	return res, nil
}

// linkedPaths returns the paths of changed that are symbolic links in the
// exported head (or lie behind one): the host never reads them.
func linkedPaths(src string, changed []string) []string {
	root, err := safefs.Open(src)
	if err != nil {
		return nil
	}
	defer root.Close()
	var out []string
	for _, p := range changed {
		if _, err := root.Lstat(p); errors.Is(err, safefs.ErrSymlink) {
			out = append(out, p)
		}
	}
	return out
}

// manifestRefusal says why cargo must not run on the exported head: no
// Cargo.toml at its root, or a Cargo.toml or Cargo.lock there that is a
// symbolic link or not a regular file. Empty when cargo may run.
func manifestRefusal(src string) string {
	const notRun = " The crate could not be built: the compiler, clippy and rustfmt did not run."
	root, err := safefs.Open(src)
	if err != nil {
		return "The head could not be read: nothing was analysed."
	}
	defer root.Close()
	for _, name := range []string{"Cargo.toml", "Cargo.lock"} {
		fi, err := root.Lstat(name)
		switch {
		case errors.Is(err, safefs.ErrSymlink):
			return fmt.Sprintf("`%s` is a symbolic link: not followed, so nothing was analysed.%s", name, notRun)
		case err == nil && !fi.Mode().IsRegular():
			return fmt.Sprintf("`%s` is not a regular file: nothing was analysed.%s", name, notRun)
		case err != nil && name == "Cargo.toml":
			return "The head has no Cargo.toml at the repository root: nothing was analysed." + notRun
		}
	}
	return ""
}

// analyse runs clippy on the packages to check and rustfmt on the changed
// Rust files (but the linked ones), at once. incomplete says why clippy's
// findings are partial; built is false when cargo could not build the head
// (its dependencies could not be fetched because of it).
func analyse(ctx context.Context, src string, diff *review.Diff, opts review.Options, copts cargo.Options, req Request, linked []string) (_ []review.Diagnostic, incomplete string, built bool, _ error) {
	changed := diff.ChangedPaths()
	var rsFiles []string
	for _, p := range changed {
		if strings.HasSuffix(p, ".rs") && !review.MatchAny(opts.IgnorePaths, p) && !slices.Contains(linked, p) {
			rsFiles = append(rsFiles, p)
		}
	}
	// rustfmt reads its files now, before any build can change them, and
	// needs neither the dependencies nor the packages to check: it starts
	// at once.
	fmtJob, err := cargo.PrepareFormat(src, rsFiles)
	if err != nil {
		return nil, "", false, err
	}
	defer fmtJob.Close()
	var (
		wg       sync.WaitGroup
		fmtDiags []review.Diagnostic
		fmtErr   error
	)
	wg.Go(func() { fmtDiags, fmtErr = fmtJob.Run(ctx, copts) })
	clippy, built, clippyErr := fetchAndClippy(ctx, src, diff, copts, req)
	wg.Wait()
	if err := errors.Join(clippyErr, fmtErr); err != nil {
		return nil, "", false, err
	}
	return append(clippy.Diagnostics, fmtDiags...), clippy.Incomplete, built, nil
}

// fetchAndClippy fetches the dependencies when asked, picks the packages to
// check and runs clippy on them. built is false when the fetch failed
// because of the pull request: its finding is returned, clippy does not
// run (no build can without the dependencies) and the report says so.
func fetchAndClippy(ctx context.Context, src string, diff *review.Diff, copts cargo.Options, req Request) (_ cargo.Report, built bool, _ error) {
	var refused []review.Diagnostic
	if req.Fetch {
		// A refused dependency URL is a finding; clippy still runs offline
		// on what the cargo home holds.
		fetched, err := cargo.FetchChecked(ctx, src, copts)
		var fe *cargo.FetchError
		switch {
		case errors.As(err, &fe) && fe.PullRequest():
			return cargo.Report{Diagnostics: fetched, Incomplete: fetchFailedNote(fetched)}, false, nil
		case err != nil:
			return cargo.Report{}, false, err
		}
		refused = fetched
	}
	rep, err := clippyOn(ctx, src, diff, copts, req)
	if err != nil {
		return cargo.Report{}, false, err
	}
	rep.Diagnostics = append(refused, rep.Diagnostics...)
	return rep, true, nil
}

// fetchFailedNote says plainly that the head was not built, and where the
// finding of the failed fetch is.
func fetchFailedNote(diags []review.Diagnostic) string {
	where := ""
	for _, d := range diags {
		if p, ok := d.Primary(); ok && d.Rule == cargo.RuleFetchFailed {
			where = fmt.Sprintf(" on %s", review.CodeSpan(fmt.Sprintf("%s:%d", p.Path, p.LineStart)))
		}
	}
	return fmt.Sprintf("cargo could not fetch the dependencies because of this pull request (the %s finding%s says why): "+
		"the crate was not built, so the compiler and clippy did not check it; rustfmt and the checks that need no build ran.",
		review.CodeSpan(cargo.RuleFetchFailed), where)
}

// clippyOn picks the packages to check and runs clippy on them.
func clippyOn(ctx context.Context, src string, diff *review.Diff, copts cargo.Options, req Request) (cargo.Report, error) {
	pkgs, err := packagesToCheck(ctx, src, diff, copts, req)
	if err != nil {
		return cargo.Report{}, err
	}
	copts.Packages = pkgs
	return cargo.ClippyReport(ctx, src, copts)
}

// packagesToCheck returns the packages owning changed files when the
// workspace is large, and nil (the whole workspace) otherwise.
func packagesToCheck(ctx context.Context, src string, diff *review.Diff, copts cargo.Options, req Request) ([]string, error) {
	manifest, _ := gitrepo.ReadTreeFile(src, "Cargo.toml")
	if !bytes.Contains(manifest, []byte("[workspace]")) {
		return nil, nil
	}
	members, err := cargo.Members(ctx, src, copts)
	if errors.Is(err, cargo.ErrCargoFailed) {
		// cargo refused the manifests: clippy on the whole workspace
		// reports why, as a finding.
		slog.InfoContext(ctx, "cargo metadata failed: checking the whole workspace", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	limit := req.LargeWorkspace
	if limit <= 0 {
		limit = DefaultLargeWorkspace
	}
	if len(members) <= limit {
		return nil, nil
	}
	var files []string
	for _, f := range diff.Files {
		files = append(files, f.Path())
		if f.OldPath != "" && f.OldPath != f.NewPath {
			files = append(files, f.OldPath)
		}
	}
	owners := cargo.Owners(members, files)
	for _, f := range files {
		// A change to the workspace's own manifest or lock file concerns
		// every member.
		if path.Dir(f) == "." && (f == "Cargo.toml" || f == "Cargo.lock") {
			return nil, nil
		}
	}
	if len(owners) == 0 {
		return nil, nil
	}
	slog.InfoContext(ctx, "large workspace: checking the packages owning changed files", "members", len(members), "packages", owners)
	return owners, nil
}

// diagnosticPaths lists the files the diagnostics point at.
func diagnosticPaths(diags []review.Diagnostic) []string {
	var out []string
	for _, d := range diags {
		if p, ok := d.Primary(); ok && p.Path != "" {
			out = append(out, p.Path)
		}
	}
	return out
}
