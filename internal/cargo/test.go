package cargo

import (
	"context"
	"fmt"
)

// TestResult is the outcome of a `cargo test` run.
type TestResult struct {
	// Passed is true when every test (and the build) succeeded.
	Passed bool
	// ExitCode is cargo's exit code.
	ExitCode int
	// Output is the end of cargo's output, for a reply saying why.
	Output string
}

// Test runs `cargo test` offline in the sandbox (the workspace, or
// opts.Packages). Failing tests are a result, not an error; the error is
// for a cargo that could not run.
func Test(ctx context.Context, dir string, opts Options) (TestResult, error) {
	args := []string{"cargo", "test", "--offline", "--color=never", "--no-fail-fast"}
	if len(opts.Packages) == 0 {
		args = append(args, "--workspace")
	}
	for _, p := range opts.Packages {
		args = append(args, "--package", p)
	}
	args = append(args, opts.ExtraArgs...)
	res, err := runBuild(ctx, dir, opts, args)
	if err != nil {
		return TestResult{}, err
	}
	// run redacted stderr; the tests' own output names paths too.
	stdout := newRedactor(dir, opts).bytes(res.Stdout)
	out := TestResult{Passed: res.ExitCode == 0, ExitCode: res.ExitCode, Output: tail(append(append([]byte{}, stdout...), res.Stderr...))}
	outcome := "ok"
	if !out.Passed {
		outcome = "failed"
	}
	runsTotal.WithLabelValues("test", outcome).Inc()
	if res.Truncated {
		out.Output = fmt.Sprintf("(output truncated)\n%s", out.Output)
	}
	return out, nil
}
