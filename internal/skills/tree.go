package skills

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"sync"

	"github.com/symposium-dev/symposium/internal/gitrepo"
)

// MaxFileBytes caps every file read from a crate, a repository or an
// operator directory.
const MaxFileBytes = 256 << 10

// ErrNotRegular is returned for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// tree is a directory skills are read from: a host directory confined by
// an os.Root, or a directory of the repository at the base revision.
type tree interface {
	// readFile returns a regular file (slash path), at most MaxFileBytes.
	readFile(ctx context.Context, p string) ([]byte, error)
	// subdirs lists the subdirectories of p (not symlinks), sorted.
	subdirs(ctx context.Context, p string) ([]string, error)
	// label names p for people.
	label(p string) string
}

// dirTree is a host directory.
type dirTree struct {
	dir string
}

// ReadConfined reads file p (slash path, relative) of dir through an
// os.Root: no escape by "..", absolute paths or symlinks; regular files
// only; at most limit bytes (an error beyond).
func ReadConfined(dir, p string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := path.Clean(p)
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", p, ErrNotRegular)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed", p, fi.Size(), limit)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes allowed", p, limit)
	}
	return b, nil
}

// ListConfined lists directory p of dir through an os.Root.
func ListConfined(dir, p string) ([]fs.DirEntry, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Lstat(path.Clean(p))
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", p)
	}
	f, err := root.Open(path.Clean(p))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

func (t dirTree) readFile(_ context.Context, p string) ([]byte, error) {
	return ReadConfined(t.dir, p, MaxFileBytes)
}

func (t dirTree) subdirs(_ context.Context, p string) ([]string, error) {
	entries, err := ListConfined(t.dir, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func (t dirTree) label(p string) string { return path.Join(t.dir, p) }

// gitTree is directory prefix of a repository at a revision.
type gitTree struct {
	repo, rev, prefix string
	// listed, when set, remembers the directories listed (shared by the
	// trees of one discovery), so that a workspace of many members costs
	// one git call per directory that exists.
	listed *listCache
}

// listCache maps a repository path to its entries (nil: not a directory).
type listCache struct {
	mu      sync.Mutex
	entries map[string][]gitrepo.DirEntry
}

func newListCache() *listCache { return &listCache{entries: map[string][]gitrepo.DirEntry{}} }

func (t gitTree) full(p string) string { return path.Join(t.prefix, p) }

// listDir lists repository path full (cleaned, "." for the root); a path
// whose parent has no such directory is not asked of git.
func (t gitTree) listDir(ctx context.Context, full string) ([]gitrepo.DirEntry, error) {
	if t.listed == nil {
		return gitrepo.ListDir(ctx, t.repo, t.rev, full)
	}
	t.listed.mu.Lock()
	e, ok := t.listed.entries[full]
	t.listed.mu.Unlock()
	if ok {
		return e, nil
	}
	if full != "." {
		parent, err := t.listDir(ctx, path.Dir(full))
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(parent, func(d gitrepo.DirEntry) bool { return d.Name == path.Base(full) && d.IsDir() }) {
			t.remember(full, nil)
			return nil, nil
		}
	}
	e, err := gitrepo.ListDir(ctx, t.repo, t.rev, full)
	if err != nil {
		return nil, err
	}
	t.remember(full, e)
	return e, nil
}

func (t gitTree) remember(full string, e []gitrepo.DirEntry) {
	t.listed.mu.Lock()
	t.listed.entries[full] = e
	t.listed.mu.Unlock()
}

func (t gitTree) readFile(ctx context.Context, p string) ([]byte, error) {
	full := t.full(p)
	entries, err := t.listDir(ctx, path.Dir(full))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name != path.Base(full) {
			continue
		}
		if !e.IsRegular() {
			return nil, fmt.Errorf("%s: %w", p, ErrNotRegular)
		}
		b, ok, err := gitrepo.Show(ctx, t.repo, t.rev, full)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(b) > MaxFileBytes {
			return nil, fmt.Errorf("%s: more than the %d bytes allowed", p, MaxFileBytes)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}

func (t gitTree) subdirs(ctx context.Context, p string) ([]string, error) {
	entries, err := t.listDir(ctx, path.Clean(t.full(p)))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (t gitTree) label(p string) string {
	short := t.rev
	if len(short) > 12 {
		short = short[:12]
	}
	return short + ":" + t.full(p)
}

// exists reports whether p (a file or a directory) is in the tree.
func (t gitTree) exists(ctx context.Context, p string) bool {
	full := t.full(p)
	if full == "." || full == "" {
		return true
	}
	entries, err := t.listDir(ctx, path.Dir(full))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name == path.Base(full) {
			return true
		}
	}
	return false
}
