package safefs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// CopyTree copies directory src into dst (created if missing) with `cp -a`:
// modes kept, symbolic links copied as links and never followed, the cargo
// target directory ("target") left out. It is for scratch copies of a
// checkout that only the sandbox reads.
func CopyTree(ctx context.Context, src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	args := []string{"-a", "--"}
	for _, e := range entries {
		if e.Name() == "target" {
			continue
		}
		args = append(args, filepath.Join(src, e.Name()))
	}
	if len(args) == 2 {
		return nil
	}
	args = append(args, dst+"/")
	if out, err := exec.CommandContext(ctx, "cp", args...).CombinedOutput(); err != nil {
		if len(out) > 500 {
			out = out[len(out)-500:]
		}
		return fmt.Errorf("cp: %w: %s", err, out)
	}
	return nil
}
