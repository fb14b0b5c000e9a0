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
}

// benchPush times `symposium review` with the worker's settings (bwrap when
// it works here, fetch on, its own cache dir) on alternating pushes to the
// generated crate, against bare clippy on the same pushes in a checkout and
// target dir of its own, called as the toolchain's own cargo with the
// review's lint arguments. Each pair runs on one head, alternating which
// command goes first.
func benchPush(work, bin string, runs int) pushResult {
	repo := filepath.Join(work, "push-repo")
	run("", nil, "git", "init", "-q", "-b", "main", repo)
	writeCrate(repo, "")
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
	cache := filepath.Join(work, "push-cache")
	ours := func(head string) []string {
		return []string{bin, "review", "--repo", repo, "--base", "main", "--head", head, "--format", "json",
			"--sandbox", sandbox, "--cache-dir", cache}
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
		config.DefaultRepo().LintArgs()...)
	bare := func(head string) sample {
		run(clippySrc, nil, "git", "checkout", "-q", "origin/"+head)
		s, out := timeOutput(clippySrc, clippyEnv, clippy)
		if !bytes.Contains(out, []byte("Checking "+crateName)) {
			log.Fatalf("bare clippy did not check the pushed head %s again\n%s", head, out)
		}
		return s
	}

	// Warm both: each head once (target dirs, exported sources, caches).
	for _, h := range pushHeads {
		timeIt("", nil, ours(h))
		bare(h)
	}
	var oursT, clippyT []sample
	var ratios []float64
	for i := range runs {
		head := pushHeads[i%len(pushHeads)]
		var o, c sample
		if (i/len(pushHeads))%2 == 0 {
			o = timeIt("", nil, ours(head))
			c = bare(head)
		} else {
			c = bare(head)
			o = timeIt("", nil, ours(head))
		}
		oursT, clippyT = append(oursT, o), append(clippyT, c)
		ratios = append(ratios, float64(o.wall)/float64(c.wall))
	}
	return pushResult{sandbox: sandbox, lines: lines, ratios: ratios,
		review: median(oursT).wall, clippyMs: median(clippyT).wall}
}

// print writes the push case's lines, the contract line last.
func (r pushResult) print() {
	parts := make([]string, len(r.ratios))
	for i, x := range r.ratios {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	fmt.Printf("push_runs=%d sandbox=%s fetch=true crate_lines=%d\n", len(r.ratios), r.sandbox, r.lines)
	fmt.Printf("review_push_paired_ratios=%s\n", strings.Join(parts, ","))
	sorted := slices.Clone(r.ratios)
	slices.Sort(sorted)
	fmt.Printf("review_push_ratio=%.2f review_ms=%d clippy_ms=%d\n",
		sorted[len(sorted)/2], r.review.Milliseconds(), r.clippyMs.Milliseconds())
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
