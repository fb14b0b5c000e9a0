package analysis

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/symposium-dev/symposium/internal/advisory"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/deps"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/unsafereview"
	"github.com/symposium-dev/symposium/review"
)

// depthInput is what the Rust depth checks need from a review.
type depthInput struct {
	req   Request
	cfg   *config.Repo
	diff  *review.Diff
	heads *headFiles
	src   string
	copts cargo.Options
	// mergeBase is the revision the diff is against (GitHub's PR diff):
	// the depth checks compare the head with it, not with the base
	// branch's tip, whose own later changes are not the pull request's.
	mergeBase, headSHA string
	// analysed is true when the head has a Cargo.toml and cargo ran.
	analysed bool
	// awaitBuildFree, when set, waits for the part computed while cargo ran.
	awaitBuildFree func() buildFree
}

// buildFree is what the depth checks learn without a build: the unsafe
// code the diff adds, and the changed files that may change the public API
// (the pre-filter reads the merge base's files from git).
type buildFree struct {
	unsafe   []review.UnsafeItem
	apiFiles []string
}

// startBuildFree computes in's buildFree in the background, so that it
// overlaps cargo, and returns the wait for it.
func startBuildFree(ctx context.Context, in depthInput) func() buildFree {
	done := make(chan struct{})
	var bf buildFree
	go func() {
		defer close(done)
		bf = computeBuildFree(ctx, in)
	}()
	return func() buildFree {
		<-done
		return bf
	}
}

func computeBuildFree(ctx context.Context, in depthInput) buildFree {
	var bf buildFree
	if in.cfg.UnsafeReview() {
		bf.unsafe = unsafereview.ScanDiff(in.diff, in.heads.read)
	}
	if in.cfg.SemverCheck() {
		bf.apiFiles = apiFiles(ctx, in)
	}
	return bf
}

// depthChecks runs the checks that look beyond the compiler's diagnostics:
// the unsafe code the pull request adds, its Cargo.lock change with RustSec
// advisories and dependencies' rust-version, and its public API against its
// version. It returns their findings and the summary sections; a check that
// cannot run says so in the summary and never fails the review.
func depthChecks(ctx context.Context, in depthInput) ([]review.Diagnostic, *review.Depth) {
	depth := &review.Depth{}
	var diags []review.Diagnostic
	if in.awaitBuildFree == nil {
		bf := computeBuildFree(ctx, in)
		in.awaitBuildFree = func() buildFree { return bf }
	}
	if in.cfg.UnsafeReview() {
		depth.UnsafeChecked = true
		depth.Unsafe = in.awaitBuildFree().unsafe
	}
	diags = append(diags, dependencyChecks(ctx, in, depth)...)
	diags = append(diags, semverChecks(ctx, in, depth)...)
	return diags, depth
}

// lockChanged reports a change to the root Cargo.lock.
func lockChanged(diff *review.Diff) bool {
	_, ok := diff.File("Cargo.lock")
	return ok
}

// dependencyChecks reviews a Cargo.lock change: the table of packages,
// advisories and dependencies' rust-version.
func dependencyChecks(ctx context.Context, in depthInput, depth *review.Depth) []review.Diagnostic {
	useDB := in.cfg.AdvisoriesCheck()
	if !in.cfg.DepsReview() && !useDB && !in.cfg.MSRVCheck() || !lockChanged(in.diff) {
		return nil
	}
	baseLock, _, err := gitrepo.Show(ctx, in.req.RepoDir, in.mergeBase, "Cargo.lock")
	if err != nil {
		depth.Notes = append(depth.Notes, "Dependency review skipped: the base's Cargo.lock could not be read.")
		slog.WarnContext(ctx, "dependency review", "err", err)
		return nil
	}
	headLock, _ := in.heads.read("Cargo.lock")
	dci := deps.Input{BaseLock: baseLock, HeadLock: headLock, Diff: in.diff, HeadFile: in.heads.read, MSRV: in.cfg.MSRVCheck()}
	if in.analysed {
		data, err := cargo.MetadataJSON(ctx, in.src, in.copts, false)
		if err == nil {
			dci.Graph, err = deps.ParseGraph(data)
		}
		if err != nil {
			slog.WarnContext(ctx, "dependency review: cargo metadata", "err", err)
			depth.Notes = append(depth.Notes, "cargo metadata failed on the head: build scripts, proc macros and dependencies' rust-version were not checked.")
		}
	}
	if useDB {
		dir := in.req.AdvisoryDB
		if dir == "" {
			dir = os.Getenv(advisory.EnvDB)
		}
		if dir == "" {
			depth.Notes = append(depth.Notes, fmt.Sprintf("RustSec advisories were not checked: the operator has not set %s.", advisory.EnvDB))
		} else if dci.DB, err = advisory.Open(dir); err != nil {
			slog.WarnContext(ctx, "dependency review", "err", err)
			depth.Notes = append(depth.Notes, "RustSec advisories were not checked: the advisory database cannot be read.")
		}
	}
	out, err := deps.Check(dci)
	if err != nil {
		depth.Notes = append(depth.Notes, "Dependency review skipped: "+review.EscapeText(err.Error()))
		return nil
	}
	if in.cfg.DepsReview() {
		depth.Deps = out.Changes
	}
	depth.Notes = append(depth.Notes, out.Notes...)
	return out.Diagnostics
}

// unsafeForPrompt lists the unsafe code of rawDiff for the agent's prompt,
// reading the head's files from the exported tree dir; nil when the unsafe
// review is off.
func unsafeForPrompt(ctx context.Context, cfg *config.Repo, rawDiff []byte, dir string) []review.UnsafeItem {
	if !cfg.UnsafeReview() {
		return nil
	}
	diff, err := review.ParseDiff(rawDiff)
	if err != nil {
		slog.WarnContext(ctx, "unsafe list for the agent", "err", err)
		return nil
	}
	return unsafereview.ScanDiff(diff, func(p string) ([]byte, bool) { return gitrepo.ReadTreeFile(dir, p) })
}
