package cargo

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// Cargo decides whether a workspace member is up to date by comparing the
// modification times of its files with its last build in the target dir,
// and finds the files relative to the package root. So when one target
// dir serves several source trees (pull requests of one repository, the
// scratch copies that verify patches), a tree whose files are older than
// another tree's last build would be taken as fresh, and cargo would replay
// that other tree's diagnostics. buildIn prevents it: it serialises builds
// per target dir and, when the tree differs from the one built last, marks
// every file of the tree as new, so the workspace members are rebuilt
// (dependencies from registries stay cached).

const (
	targetLockName   = ".symposium.lock"
	targetSourceName = ".symposium-source"
)

// buildIn runs build with the target dir locked for dir.
func buildIn(ctx context.Context, targetDir, dir string, build func() error) error {
	if targetDir == "" {
		return build()
	}
	if err := os.MkdirAll(targetDir, 0o755); err != nil {
		return fmt.Errorf("target dir: %w", err)
	}
	// Builds write the target dir: its lock and marker are reached through
	// an os.Root, so a link a build planted there cannot lead the host out.
	root, err := os.OpenRoot(targetDir)
	if err != nil {
		return fmt.Errorf("target dir: %w", err)
	}
	defer root.Close()
	unlock, err := lockFile(ctx, root, targetLockName)
	if err != nil {
		return err
	}
	defer unlock()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if last, err := root.ReadFile(targetSourceName); err != nil || string(last) != abs {
		if err := touchTree(abs, targetDir); err != nil {
			return fmt.Errorf("mark %s as changed: %w", abs, err)
		}
		_ = root.Remove(targetSourceName) // a link is replaced, not written through
		if err := root.WriteFile(targetSourceName, []byte(abs), 0o644); err != nil {
			return fmt.Errorf("target dir: %w", err)
		}
	}
	return build()
}

// touchTree sets the modification time of every regular file under root to
// now, skipping .git and the target dir.
func touchTree(root, targetDir string) error {
	now := time.Now()
	target, _ := filepath.Abs(targetDir)
	// Times are set through an os.Root: a file a build swapped for a link
	// meanwhile cannot make us touch anything outside the tree.
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || p == target || (p != root && d.Name() == "target") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return r.Chtimes(rel, now, now)
	})
}

// lockFile takes an exclusive flock on name under root, giving up when ctx
// ends.
func lockFile(ctx context.Context, root *os.Root, name string) (func(), error) {
	path := filepath.Join(root.Name(), name)
	f, err := root.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runBuild runs a cargo command that builds (clippy, test) in the sandbox,
// with the target dir locked for dir.
func runBuild(ctx context.Context, dir string, opts Options, args []string) (sandbox.Result, error) {
	var res sandbox.Result
	err := buildIn(ctx, opts.TargetDir, dir, func() error {
		var err error
		res, err = run(ctx, dir, opts, args, false)
		return err
	})
	return res, err
}

// runLocked runs the prepared cmd in the sandbox with the target dir locked
// for dir; before, when set, runs first under the lock.
func runLocked(ctx context.Context, dir string, opts Options, cmd sandbox.Command, before func()) (sandbox.Result, error) {
	var res sandbox.Result
	err := buildIn(ctx, opts.TargetDir, dir, func() error {
		if before != nil {
			before()
		}
		var err error
		res, err = opts.Runner.Run(ctx, cmd)
		return err
	})
	return res, err
}
