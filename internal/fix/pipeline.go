package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

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

func (p *pipeline) run(ctx context.Context) error {
	if err := p.sync(ctx); err != nil {
		return err
	}
	if p.req.Fetch {
		err := cargo.Fetch(ctx, p.scratch, p.copts)
		var fe *cargo.FetchError
		if errors.As(err, &fe) && fe.PullRequest() {
			// The head's manifests or the sources they name: no build, so
			// nothing to fix, and no retry either.
			return &VerifyError{Reason: "cargo could not fetch the head's dependencies, so it could not be built", Detail: fe.Stderr}
		}
		if err != nil {
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

// changed reports whether any file differs from the head.
func (p *pipeline) changed() bool {
	for f, b := range p.cur {
		if !bytes.Equal(b, p.orig[f]) {
			return true
		}
	}
	return false
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
