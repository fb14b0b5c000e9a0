package cratetools

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// maxDiagnostics caps the diagnostics cargo_check returns.
const maxDiagnostics = 30

// cargoCheck applies patch to a scratch copy of the head and checks it.
func (b *Box) cargoCheck(ctx context.Context, patch string) (string, error) {
	b.checkMu.Lock()
	defer b.checkMu.Unlock()
	tmp, err := os.MkdirTemp("", "symposium-cargo-check-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	scratch := filepath.Join(tmp, "head")
	if err := safefs.CopyTree(ctx, b.cfg.HeadDir, scratch); err != nil {
		return "", fmt.Errorf("scratch copy of the head: %w", err)
	}
	if strings.TrimSpace(patch) != "" {
		if err := applyPatch(ctx, scratch, patch); err != nil {
			return "", err
		}
	}
	diags, err := b.cfg.Check(ctx, scratch)
	if err != nil {
		return "", fmt.Errorf("the check could not run: %w", err)
	}
	return compact(diags), nil
}

// applyPatch applies a unified diff with git apply, which refuses paths
// that leave the tree or go through symlinks.
func applyPatch(ctx context.Context, dir, patch string) error {
	if !strings.HasSuffix(patch, "\n") {
		patch += "\n"
	}
	file := dir + ".patch"
	if err := os.WriteFile(file, []byte(patch), 0o600); err != nil {
		return err
	}
	for _, args := range [][]string{{"apply", "--check", "--recount", "--unidiff-zero", file}, {"apply", "--recount", "--unidiff-zero", file}} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
		if out, err := cmd.CombinedOutput(); err != nil {
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				msg := strings.ReplaceAll(strings.TrimSpace(string(out)), dir, "")
				if len(msg) > 500 {
					msg = msg[:500]
				}
				return fmt.Errorf("the patch does not apply: %s", msg)
			}
			return fmt.Errorf("git apply: %w", err)
		}
	}
	return nil
}

// compact renders diagnostics one per line, errors first.
func compact(diags []review.Diagnostic) string {
	var lines []string
	errs := 0
	for _, d := range diags {
		if d.Severity == review.SeverityError {
			errs++
		}
	}
	sorted := append([]review.Diagnostic(nil), diags...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Severity == review.SeverityError && sorted[j].Severity != review.SeverityError
	})
	for _, d := range sorted {
		if len(lines) >= maxDiagnostics {
			lines = append(lines, fmt.Sprintf("…(%d more)", len(sorted)-maxDiagnostics))
			break
		}
		msg, _, _ := strings.Cut(d.Message, "\n")
		loc := ""
		if sp, ok := d.Primary(); ok {
			loc = fmt.Sprintf("%s:%d: ", sp.Path, sp.LineStart)
		}
		rule := d.Rule
		if rule == "" {
			rule = string(d.Source)
		}
		lines = append(lines, fmt.Sprintf("%s%s %s: %s", loc, d.Severity, rule, msg))
	}
	head := fmt.Sprintf("%d diagnostics, %d errors", len(diags), errs)
	if len(lines) == 0 {
		return head + ": the check passes"
	}
	return head + "\n" + strings.Join(lines, "\n")
}
