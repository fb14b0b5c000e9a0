package analysis

import (
	"context"
	"log/slog"
	"sync"

	"github.com/symposium-dev/symposium/internal/gitrepo"
	"github.com/symposium-dev/symposium/internal/safefs"
)

// headFiles reads files of the head commit from git, not from the export,
// which cargo and build scripts could have written to.
type headFiles struct {
	ctx      context.Context
	dir, sha string
	mu       sync.Mutex
	cache    map[string][]byte
}

func newHeadFiles(ctx context.Context, dir, sha string) *headFiles {
	return &headFiles{ctx: ctx, dir: dir, sha: sha, cache: map[string][]byte{}}
}

// preload caches paths from the exported tree src, which must still hold
// the head's bytes. Paths that are not regular files there are left to git.
func (h *headFiles) preload(src string, paths []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range paths {
		if b, ok := gitrepo.ReadTreeFile(src, p); ok {
			if b == nil {
				b = []byte{} // nil means missing in the cache
			}
			h.cache[p] = b
		}
	}
}

// prefetch reads the paths not cached yet with one git process, so that
// the reads that follow (the findings' files, for their line texts and
// suggestions) cost no process each.
func (h *headFiles) prefetch(paths []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var want []string
	seen := map[string]bool{}
	for _, p := range paths {
		if _, cached := h.cache[p]; !cached && !seen[p] {
			seen[p] = true
			want = append(want, p)
		}
	}
	h.fetchLocked(want)
}

// fetchLocked reads paths from git into the cache; a path git does not give
// (missing, not a file, over the size cap) is cached as missing. h.mu is
// held.
func (h *headFiles) fetchLocked(paths []string) {
	if len(paths) == 0 {
		return
	}
	files, tooLarge, err := gitrepo.ShowFiles(h.ctx, h.dir, h.sha, paths, safefs.MaxFileSize)
	if err != nil {
		slog.WarnContext(h.ctx, "read head files", "paths", len(paths), "err", err)
	}
	for _, p := range tooLarge {
		slog.WarnContext(h.ctx, "read head file: over the size cap, not read", "path", p, "max_bytes", safefs.MaxFileSize)
	}
	for _, p := range paths {
		h.cache[p] = files[p] // nil: missing
	}
}

func (h *headFiles) read(p string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.cache[p]; !ok {
		h.fetchLocked([]string{p})
	}
	b := h.cache[p]
	return b, b != nil
}
