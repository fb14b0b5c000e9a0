package cargo

import (
	"context"
	"fmt"
)

// MetadataJSON returns the output of `cargo metadata --format-version 1`,
// with the dependency graph unless noDeps, run offline in the sandbox (the
// dependencies must have been fetched for the graph). It runs no crate
// code; the output describes the head's manifests and is untrusted.
func MetadataJSON(ctx context.Context, dir string, opts Options, noDeps bool) ([]byte, error) {
	args := []string{"cargo", "metadata", "--format-version", "1", "--offline", "--color=never"}
	if noDeps {
		args = append(args, "--no-deps")
	}
	res, err := run(ctx, dir, opts, args, false)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 || res.Truncated {
		runsTotal.WithLabelValues("metadata", "failed").Inc()
		return nil, fmt.Errorf("cargo metadata in %s failed (exit %d): %s", dir, res.ExitCode, tail(res.Stderr))
	}
	runsTotal.WithLabelValues("metadata", "ok").Inc()
	return res.Stdout, nil
}
