package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// Checker runs the review engine's build check (cargo clippy in the sandbox,
// through internal/cargo) on a directory and returns its diagnostics;
// compile errors are diagnostics, an error means the check could not run.
type Checker func(ctx context.Context, dir string) ([]review.Diagnostic, error)

// patchOutcome is what verification made of one patch.
type patchOutcome int

const (
	patchPassed patchOutcome = iota
	patchDoesNotApply
	patchDoesNotCompile
)

// verifier applies patches one at a time to a copy of the head at one
// fixed path (so that cargo's fingerprints, keyed by path, stay valid
// between checks) and builds it.
type verifier struct {
	head, scratch string
	check         Checker
	baseline      map[string]int // error keys on the unpatched head
}

// newVerifier prepares verification against head; baseline holds the
// head's diagnostics, or nil to compute them.
func newVerifier(ctx context.Context, head string, check Checker, baseline []review.Diagnostic) (*verifier, func(), error) {
	tmp, err := os.MkdirTemp("", "symposium-verify-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	v := &verifier{head: head, scratch: filepath.Join(tmp, "head"), check: check}
	if baseline == nil {
		if err := v.reset(ctx); err != nil {
			cleanup()
			return nil, nil, err
		}
		if baseline, err = check(ctx, v.scratch); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("check the unpatched head: %w", err)
		}
	}
	v.baseline = errorKeys(baseline)
	return v, cleanup, nil
}

// reset makes the scratch copy equal to the head again.
func (v *verifier) reset(ctx context.Context) error {
	if err := os.RemoveAll(v.scratch); err != nil {
		return err
	}
	return safefs.CopyTree(ctx, v.head, v.scratch)
}

// verify applies p to a fresh copy of the head and checks that it builds
// with no error the head does not have. The detail says why it failed.
func (v *verifier) verify(ctx context.Context, p Patch) (patchOutcome, string, error) {
	if err := v.reset(ctx); err != nil {
		return 0, "", fmt.Errorf("scratch copy of the head: %w", err)
	}
	patchFile := v.scratch + ".patch"
	diff := p.Diff
	if !strings.HasSuffix(diff, "\n") {
		diff += "\n"
	}
	if err := os.WriteFile(patchFile, []byte(diff), 0o600); err != nil {
		return 0, "", err
	}
	for _, args := range [][]string{{"apply", "--check", "--recount", "--unidiff-zero", patchFile}, {"apply", "--recount", "--unidiff-zero", patchFile}} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = v.scratch
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CEILING_DIRECTORIES="+filepath.Dir(v.scratch))
		if out, err := cmd.CombinedOutput(); err != nil {
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				return patchDoesNotApply, strings.TrimSpace(string(tail(out, 300))), nil
			}
			return 0, "", fmt.Errorf("git apply: %w", err)
		}
	}
	diags, err := v.check(ctx, v.scratch)
	if err != nil {
		return 0, "", fmt.Errorf("check the patched head: %w", err)
	}
	after := errorKeys(diags)
	for k, n := range after {
		if n > v.baseline[k] {
			return patchDoesNotCompile, k, nil
		}
	}
	return patchPassed, "", nil
}

// errorKeys counts located error diagnostics by what they say and where,
// leaving out line numbers (a patch moves lines).
func errorKeys(diags []review.Diagnostic) map[string]int {
	m := map[string]int{}
	for _, d := range diags {
		sp, ok := d.Primary()
		if d.Severity != review.SeverityError || !ok {
			continue // "aborting due to…" and the like carry no location
		}
		path := sp.Path
		msg, _, _ := strings.Cut(d.Message, "\n")
		m[fmt.Sprintf("%s %s: %s", path, d.Rule, msg)]++
	}
	return m
}

// suggestionsFor turns a verified patch into suggestions, or returns false
// when one of its fragments is not within a single hunk of the pull
// request's diff (GitHub accepts suggestions only there).
func suggestionsFor(d *review.Diff, files []*gitdiff.File) ([]review.Suggestion, bool) {
	var out []review.Suggestion
	for _, f := range files {
		for _, frag := range f.TextFragments {
			s, ok := review.FragmentSuggestion(f.NewName, frag)
			if !ok {
				return nil, false
			}
			if !inOneHunk(d, s.Path, s.StartLine, s.EndLine) {
				return nil, false
			}
			out = append(out, s)
		}
	}
	return out, len(out) > 0
}
