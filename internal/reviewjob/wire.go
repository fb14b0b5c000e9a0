package reviewjob

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/symposium-dev/symposium/internal/cachedir"
)

// Cleaner removes a closed pull request's dirs from the reviews' data dir
// and the commands' (its "commands" subdir, as the worker's wiring lays it
// out).
func (r *Reviewer) Cleaner() cachedir.Cleaner {
	return cachedir.Cleaner{Roots: []string{r.opts.DataDir, filepath.Join(r.opts.DataDir, "commands")}}
}

// MakeDataDir makes dir absolute and creates it with its subdirs (owner
// only); it returns the absolute dir.
func MakeDataDir(dir string, subdirs ...string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	for _, d := range subdirs {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return "", fmt.Errorf("data dir: %w", err)
		}
	}
	return abs, nil
}
