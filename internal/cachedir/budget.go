package cachedir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/symposium-dev/symposium/internal/tasks"
)

// Environment settings read by BudgetFromEnv.
const (
	// EnvMaxBytes bounds the disk used by the per-pull-request dirs (target
	// and source) of every data dir together; default DefaultMaxBytes, 0
	// turns the budget off.
	EnvMaxBytes = "SYMPOSIUM_CACHE_MAX_BYTES"
	// EnvMaxFiles bounds the files one pull request's dirs may hold after a
	// build; beyond it they are removed (the next build starts cold).
	EnvMaxFiles = "SYMPOSIUM_BUILD_MAX_FILES"
)

// Defaults of the budget.
const (
	DefaultMaxBytes = 20 << 30
	DefaultMaxFiles = 200000
	// minSweepInterval keeps sweeps (which walk every dir) rare.
	minSweepInterval = time.Minute
)

// targetLockName is the lock internal/cargo holds on a target dir while it
// builds; a dir whose lock is held is in use and never evicted.
const targetLockName = ".symposium.lock"

// Budget bounds the per-pull-request dirs under Roots (data dirs laid out
// as ForPR does).
type Budget struct {
	Roots    []string
	MaxBytes int64
	MaxFiles int

	mu        sync.Mutex
	lastSweep time.Time
}

// BudgetFromEnv reads EnvMaxBytes and EnvMaxFiles for roots.
func BudgetFromEnv(roots ...string) (*Budget, error) {
	b := &Budget{Roots: roots, MaxBytes: DefaultMaxBytes, MaxFiles: DefaultMaxFiles}
	if v := os.Getenv(EnvMaxBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s=%q: want a number of bytes (0: no budget)", EnvMaxBytes, v)
		}
		b.MaxBytes = n
	}
	if v := os.Getenv(EnvMaxFiles); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s=%q: want a number of files (0: no cap)", EnvMaxFiles, v)
		}
		b.MaxFiles = n
	}
	return b, nil
}

// unit is one pull request's dirs under one root.
type unit struct {
	dirs     []string
	lastUse  time.Time
	bytes    int64
	files    int
	overFile bool
}

// Sweep removes the dirs of pull requests over the file cap, then those
// least recently used until the total fits MaxBytes. Dirs being built in
// are left alone. It runs at most once a minute unless force is set.
func (b *Budget) Sweep(ctx context.Context, force bool) error {
	if b == nil || (b.MaxBytes <= 0 && b.MaxFiles <= 0) {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !force && time.Since(b.lastSweep) < minSweepInterval {
		return nil
	}
	b.lastSweep = time.Now()
	units, err := b.scan(ctx)
	if err != nil {
		return err
	}
	var total int64
	var keep []*unit
	for _, u := range units {
		if u.overFile {
			removed, err := b.remove(u)
			if err != nil {
				return err
			}
			if removed {
				slog.WarnContext(ctx, "cache: pull request dirs over the file cap: removed", "dirs", u.dirs, "max_files", b.MaxFiles)
				continue
			}
		}
		total += u.bytes
		keep = append(keep, u)
	}
	if b.MaxBytes <= 0 {
		return nil
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].lastUse.Before(keep[j].lastUse) })
	for _, u := range keep {
		if total <= b.MaxBytes {
			break
		}
		removed, err := b.remove(u)
		if err != nil {
			return err
		}
		if removed {
			slog.InfoContext(ctx, "cache: over budget: least recently used pull request dirs removed", "dirs", u.dirs, "bytes", u.bytes, "max_bytes", b.MaxBytes)
			total -= u.bytes
		}
	}
	return nil
}

// remove deletes a unit unless a build holds its target dir's lock.
func (b *Budget) remove(u *unit) (bool, error) {
	lock := filepath.Join(u.dirs[0], targetLockName)
	if f, err := os.OpenFile(lock, os.O_RDONLY|syscall.O_NOFOLLOW, 0); err == nil {
		defer f.Close()
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return false, nil // in use
		}
	}
	for _, d := range u.dirs {
		if err := os.RemoveAll(d); err != nil {
			return false, fmt.Errorf("cache: %w", err)
		}
	}
	return true, nil
}

// scan measures every pull request's dirs under the roots.
func (b *Budget) scan(ctx context.Context) ([]*unit, error) {
	var units []*unit
	for _, root := range b.Roots {
		entries, err := os.ReadDir(filepath.Join(root, "target"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !e.IsDir() {
				continue
			}
			u := &unit{dirs: []string{filepath.Join(root, "target", e.Name()), filepath.Join(root, "src", e.Name())}}
			if fi, err := e.Info(); err == nil {
				u.lastUse = fi.ModTime()
			}
			for _, d := range u.dirs {
				measure(d, u, b.MaxFiles)
			}
			units = append(units, u)
		}
	}
	return units, nil
}

// measure adds the size and file count of dir to u, never following a
// symlink.
func measure(dir string, u *unit, maxFiles int) {
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		u.files++
		if maxFiles > 0 && u.files > maxFiles {
			u.overFile = true
			return filepath.SkipAll
		}
		if fi, err := d.Info(); err == nil && d.Type().IsRegular() {
			u.bytes += fi.Size()
		}
		return nil
	})
}

// Cleaner implements worker.Cleaner: it removes a closed pull request's
// dirs under every root.
type Cleaner struct {
	Roots []string
}

// Cleanup removes pull request p.PRNumber's target and source dirs.
func (c Cleaner) Cleanup(ctx context.Context, p tasks.CleanupPayload) error {
	if p.Repo.ID == 0 || p.PRNumber <= 0 {
		return nil // nothing to name: a retry cannot help
	}
	for _, root := range c.Roots {
		if err := ForPR(root, p.Repo.ID, p.PRNumber).Remove(); err != nil {
			return err
		}
	}
	slog.InfoContext(ctx, "closed pull request's build caches removed", "repo", p.Repo.FullName, "pr", p.PRNumber)
	return nil
}
