package reviewjob

import (
	"fmt"
	"os"
	"path/filepath"
)

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
