package cargo

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// ClippyFix runs `cargo clippy --fix` offline in the sandbox, which applies
// clippy's and rustc's MachineApplicable suggestions, and keeps the changes
// to files (paths relative to dir) only: every other .rs file it touched is
// restored. Empty files keeps every change. It returns the changed files,
// sorted. A build that fails leaves the tree as it was and is an error.
func ClippyFix(ctx context.Context, dir string, files []string, opts Options) ([]string, error) {
	before, err := snapshot(dir)
	if err != nil {
		return nil, err
	}
	args := clippyArgs(opts, "--fix", "--allow-dirty", "--allow-staged", "--allow-no-vcs",
		"--all-targets", "--offline", "--color=never")
	res, runErr := runBuild(ctx, dir, opts, args)
	after, err := snapshot(dir)
	if err != nil {
		return nil, err
	}
	var changed []string
	for path, old := range before {
		if bytes.Equal(old, after[path]) {
			continue
		}
		keep := runErr == nil && res.ExitCode == 0 && (len(files) == 0 || slices.Contains(files, path))
		if keep {
			changed = append(changed, path)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(path)), old, 0o644); err != nil {
			return nil, fmt.Errorf("cargo: clippy --fix: restore %s: %w", path, err)
		}
	}
	if runErr != nil {
		return nil, runErr
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("clippy-fix", "failed").Inc()
		return nil, fmt.Errorf("cargo clippy --fix in %s failed (exit %d): %s", dir, res.ExitCode, tail(res.Stderr))
	}
	runsTotal.WithLabelValues("clippy-fix", "ok").Inc()
	sort.Strings(changed)
	return changed, nil
}

// snapshot reads every .rs file under dir (but .git and target), by
// slash-separated relative path.
func snapshot(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != dir && (d.Name() == ".git" || d.Name() == "target") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && filepath.Ext(path) == ".rs" {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cargo: snapshot %s: %w", dir, err)
	}
	return out, nil
}
