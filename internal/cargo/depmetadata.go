package cargo

import (
	"context"
	"fmt"
)

// Metadata runs `cargo metadata --format-version 1` with the dependency
// graph, offline in the sandbox (after Fetch), and returns its JSON. It
// runs no crate code; the manifests are untrusted all the same.
func Metadata(ctx context.Context, dir string, opts Options) ([]byte, error) {
	res, err := run(ctx, dir, opts, []string{"cargo", "metadata", "--format-version", "1", "--offline", "--color=never"}, false)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		runsTotal.WithLabelValues("metadata", "failed").Inc()
		return nil, fmt.Errorf("cargo metadata in %s failed (exit %d): %s", dir, res.ExitCode, tail(res.Stderr))
	}
	if res.Truncated {
		runsTotal.WithLabelValues("metadata", "error").Inc()
		return nil, fmt.Errorf("cargo metadata in %s: output exceeded the sandbox's output limit", dir)
	}
	runsTotal.WithLabelValues("metadata", "ok").Inc()
	return res.Stdout, nil
}
