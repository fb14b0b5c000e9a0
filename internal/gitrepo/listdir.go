package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"
)

// DirEntry is one entry of a directory at a revision.
type DirEntry struct {
	Name string
	// Mode is git's mode: "100644" and "100755" are regular files,
	// "120000" a symlink, "040000" a directory, "160000" a submodule.
	Mode string
}

// IsDir reports a directory.
func (e DirEntry) IsDir() bool { return e.Mode == "040000" }

// IsRegular reports a regular (possibly executable) file.
func (e DirEntry) IsRegular() bool { return e.Mode == "100644" || e.Mode == "100755" }

// ListDir lists directory p (slash-separated, from the root; "" or "." is
// the root) at revision rev, without recursing. A missing directory lists
// nothing.
func ListDir(ctx context.Context, dir, rev, p string) ([]DirEntry, error) {
	if err := checkRev(rev); err != nil {
		return nil, err
	}
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if p == ".." || strings.HasPrefix(p, "../") || strings.ContainsAny(p, "\x00\n") {
		return nil, fmt.Errorf("bad path %q", p)
	}
	spec := rev + "^{tree}"
	if p != "." {
		spec = rev + ":" + p
	}
	out, err := localGit(ctx, dir, nil, "ls-tree", "-z", "--end-of-options", spec)
	if err != nil {
		// A path that is not there (or not a tree) lists nothing.
		if strings.Contains(err.Error(), "Not a valid object name") || strings.Contains(err.Error(), "not a tree object") {
			return nil, nil
		}
		return nil, fmt.Errorf("list %s:%s: %w", rev, p, err)
	}
	var entries []DirEntry
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, name, ok := bytes.Cut(rec, []byte("\t"))
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 || strings.Contains(string(name), "/") {
			return nil, fmt.Errorf("list %s:%s: bad entry %q", rev, p, rec)
		}
		entries = append(entries, DirEntry{Name: string(name), Mode: f[0]})
	}
	return entries, nil
}
