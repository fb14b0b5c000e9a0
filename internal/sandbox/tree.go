package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// ErrTreeTooLarge is returned (wrapped) by CheckTree when a directory holds
// more files or bytes than allowed.
var ErrTreeTooLarge = errors.New("sandbox: directory over its quota")

// Usage is what a directory tree holds.
type Usage struct {
	// Files counts every entry below the root (files, directories,
	// symlinks, others), not the root itself.
	Files int
	// Bytes sums the sizes of regular files.
	Bytes int64
}

// CheckTree counts the entries and bytes below dir without following
// symlinks, and returns ErrTreeTooLarge (wrapped, with the usage so far) as
// soon as either exceeds its cap. A cap <= 0 is no cap. Run it after a build
// on the build's target directory: a cgroup bounds memory and processes but
// not the number of files a build leaves behind.
func CheckTree(dir string, maxFiles int, maxBytes int64) (Usage, error) {
	var u Usage
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		u.Files++
		if maxFiles > 0 && u.Files > maxFiles {
			return fmt.Errorf("%w: %s holds more than %d files", ErrTreeTooLarge, dir, maxFiles)
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			u.Bytes += fi.Size()
			if maxBytes > 0 && u.Bytes > maxBytes {
				return fmt.Errorf("%w: %s holds more than %d bytes", ErrTreeTooLarge, dir, maxBytes)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrTreeTooLarge) {
		return u, fmt.Errorf("sandbox: check tree: %w", err)
	}
	return u, err
}
