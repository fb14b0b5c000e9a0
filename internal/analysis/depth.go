package analysis

import (
	"context"
	"log/slog"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/unsafereview"
	"github.com/symposium-dev/symposium/review"
)

// depthInput is what the Rust depth checks need from a review.
type depthInput struct {
	req              Request
	cfg              *config.Repo
	diff             *review.Diff
	heads            *headFiles
	src              string
	copts            cargo.Options
	baseSHA, headSHA string
	// analysed is true when the head has a Cargo.toml and cargo ran.
	analysed bool
}

// depthChecks runs the checks that look beyond the compiler's diagnostics:
// the unsafe code the pull request adds, its Cargo.lock change with RustSec
// advisories and dependencies' rust-version, and its public API against its
// version. It returns their findings and the summary sections; a check that
// cannot run says so in the summary and never fails the review.
func depthChecks(ctx context.Context, in depthInput) ([]review.Diagnostic, *review.Depth) {
	depth := &review.Depth{}
	var diags []review.Diagnostic
	if in.cfg.UnsafeReview() {
		depth.UnsafeChecked = true
		depth.Unsafe = unsafereview.ScanDiff(in.diff, in.heads.read)
	}
	return diags, depth
}

// unsafeForPrompt lists the unsafe code of rawDiff for the agent's prompt,
// reading the head's files from the exported tree dir; nil when the unsafe
// review is off.
func unsafeForPrompt(cfg *config.Repo, rawDiff []byte, dir string) []review.UnsafeItem {
	if !cfg.UnsafeReview() {
		return nil
	}
	diff, err := review.ParseDiff(rawDiff)
	if err != nil {
		slog.Warn("unsafe list for the agent", "err", err)
		return nil
	}
	return unsafereview.ScanDiff(diff, func(p string) ([]byte, bool) { return gitrepo.ReadTreeFile(dir, p) })
}
