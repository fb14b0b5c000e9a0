package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/config"
)

// pushHeads are the two heads the push case alternates between, so that
// every run checks changed sources again, as a new push does.
var pushHeads = []string{"head-a", "head-b"}

// pushResult is the push case's outcome.
type pushResult struct {
	sandbox          string
	lines            int
	ratios           []float64
	review, clippyMs time.Duration
	// compare is the same figures for the -compare binary, timed in the
	// same rounds; vsCompare are the paired ratios of ours to it.
	compare   *pushResult
	vsCompare []float64
}

// benchPush times `symposium review` with the worker's settings (bwrap when
// it works here, fetch on, its own cache dir) on alternating pushes to the
// generated crate, against bare clippy on the same pushes in a checkout and
// target dir of its own, called as the toolchain's own cargo with the
// review's lint arguments. Each round runs every command on one head, the
// order rotating from round to round. With a compare binary, it is timed
// in the same rounds (cache dir of its own), so that two revisions meet
// the same machine state.
//
// baseConfig, when set, is committed in the base as
// .github/symposium.toml, and bare clippy runs with its lint arguments: so
// two binaries can be compared with checks one of them lacks turned off.
func benchPush(work, bin, compare, baseConfig string, runs int) pushResult {
	repo := filepath.Join(work, "push-repo")
	run("", nil, "git", "init", "-q", "-b", "main", repo)
	writeCrate(repo, "")
	lintArgs := config.DefaultRepo().LintArgs()
	if baseConfig != "" {
		data, err := os.ReadFile(baseConfig)
		check(err)
		cfg, _, err := config.ParseRepo(data)
		check(err)
		lintArgs = cfg.LintArgs()
		check(os.MkdirAll(filepath.Join(repo, ".github"), 0o755))
		check(os.WriteFile(filepath.Join(repo, ".github", "symposium.toml"), data, 0o644))
	}
	gitCommit(repo, "base")
	for _, h := range pushHeads {
		run(repo, nil, "git", "checkout", "-q", "-b", h, "main")
		writeCrate(repo, h)
		gitCommit(repo, h)
	}
	run(repo, nil, "git", "checkout", "-q", "main")
	lines := crateLines(repo)

	sandbox := "none"
	if exec.Command("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true").Run() == nil {
		sandbox = "bwrap"
	}
	review := func(bin, cache string) func(head string) sample {
		return func(head string) sample {
			return timeIt("", nil, []string{bin, "review", "--repo", repo, "--base", "main", "--head", head, "--format", "json",
				"--sandbox", sandbox, "--cache-dir", filepath.Join(work, cache)})
		}
	}
	timed := []func(string) sample{review(bin, "push-cache")}
	if compare != "" {
		timed = append(timed, review(compare, "push-cache-compare"))
	}

	sysroot := strings.TrimSpace(output("", "rustc", "--print", "sysroot"))
	toolbin := filepath.Join(sysroot, "bin")
	clippySrc := filepath.Join(work, "push-clippy-src")
	run("", nil, "git", "clone", "-q", repo, clippySrc)
	clippyEnv := []string{
		"PATH=" + toolbin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"RUSTC=" + filepath.Join(toolbin, "rustc"),
		"CARGO_TARGET_DIR=" + filepath.Join(work, "push-clippy-target"),
	}
	clippy := append([]string{filepath.Join(toolbin, "cargo"), "clippy", "--all-targets", "--message-format=json", "--"},
		lintArgs...)
	bare := func(head string) sample {
		run(clippySrc, nil, "git", "checkout", "-q", "origin/"+head)
		s, out := timeOutput(clippySrc, clippyEnv, clippy)
		if !bytes.Contains(out, []byte("Checking "+crateName)) {
			log.Fatalf("bare clippy did not check the pushed head %s again\n%s", head, out)
		}
		return s
	}

	// Warm all: each head once (target dirs, exported sources, caches).
	commands := append([]func(string) sample{bare}, timed...)
	for _, h := range pushHeads {
		for _, c := range commands {
			c(h)
		}
	}
	times := make([][]sample, len(commands))
	for i := range runs {
		head := pushHeads[i%len(pushHeads)]
		for k := range commands {
			c := (k + i/len(pushHeads)) % len(commands)
			times[c] = append(times[c], commands[c](head))
		}
	}
	result := func(t []sample) *pushResult {
		r := &pushResult{sandbox: sandbox, lines: lines, review: median(t).wall, clippyMs: median(times[0]).wall}
		for i, s := range t {
			r.ratios = append(r.ratios, float64(s.wall)/float64(times[0][i].wall))
		}
		return r
	}
	r := result(times[1])
	if compare != "" {
		r.compare = result(times[2])
		for i, s := range times[1] {
			r.vsCompare = append(r.vsCompare, float64(s.wall)/float64(times[2][i].wall))
		}
	}
	return *r
}

// print writes the push case's lines, the contract line last.
func (r pushResult) print() {
	fmt.Printf("push_runs=%d sandbox=%s fetch=true crate_lines=%d\n", len(r.ratios), r.sandbox, r.lines)
	if c := r.compare; c != nil {
		fmt.Printf("compare_push_paired_ratios=%s\n", joinRatios(c.ratios))
		fmt.Printf("compare_push_ratio=%.2f compare_ms=%d\n", medianRatio(c.ratios), c.review.Milliseconds())
		fmt.Printf("push_vs_compare_paired_ratios=%s\n", joinRatios(r.vsCompare))
		fmt.Printf("push_vs_compare_ratio=%.2f\n", medianRatio(r.vsCompare))
	}
	fmt.Printf("review_push_paired_ratios=%s\n", joinRatios(r.ratios))
	fmt.Printf("review_push_ratio=%.2f review_ms=%d clippy_ms=%d\n",
		medianRatio(r.ratios), r.review.Milliseconds(), r.clippyMs.Milliseconds())
}

// joinRatios formats ratios as a comma-separated list.
func joinRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ",")
}

// medianRatio returns the median of xs (the upper one of an even count).
func medianRatio(xs []float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// output runs a command and returns its stdout.
func output(dir string, args ...string) string {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}
