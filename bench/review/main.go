// Command review benchmarks `symposium review` against bare clippy.
//
// It builds symposium once (outside any timing), creates a fixture crate
// with a base and a head commit, and warms the target directory. Then, in
// the same run, it times `symposium review` (warm target dir, reused source
// dir) and bare `cargo clippy --workspace --all-targets
// --message-format=json` on the same checkout (symposium's exported head)
// with the same target directory, alternating which goes first, the same
// number of times each. It prints both medians of wall time and of CPU time
// (user+system, children included), the time to parse and map a
// 10,000-line diff, and review_overhead_ratio=<ours/clippy> (wall medians).
//
// Then the push case (push.go), the figure users meet: a generated crate of
// 10k+ lines (crate.go) with two heads that each rewrite a few functions in
// a few modules; every run reviews the other head, so each is a new push
// checked again. `symposium review` runs with the worker's settings (bwrap
// when it works here, fetch on); bare clippy runs on the same heads in its
// own checkout and target dir. The last line is
// review_push_ratio=<median of paired ratios> review_ms=<median> clippy_ms=<median>.
// With -compare, a second binary runs in the same rounds (the order
// rotating) and compare_push_ratio and push_vs_compare_ratio (the median of
// the per-round ratios of the two binaries) come before it; -base-config
// commits a repository config in the base, e.g. to turn off checks the
// other binary lacks.
//
// On a busy machine the wall ratio tracks the CPU ratio: rustfmt, which
// symposium runs beside clippy, then finds no idle core to run on. CPU times
// are exact with -sandbox none only: under bwrap, the time of processes in
// the sandbox's PID namespace is not all accounted to symposium, and each
// sandbox is a session of its own (its own scheduler autogroup, so more CPU
// share than bare clippy on a loaded host).
//
//	go run ./bench/review [-runs 5] [-sandbox none|bwrap] [-bin path/to/symposium] [-compare path/to/other] [-base-config file] [-keep] [-cases replay,push]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/review"
)

// sample is one timed run.
type sample struct{ wall, cpu time.Duration }

func main() {
	runs := flag.Int("runs", 5, "timed runs of each command, in each case")
	mode := flag.String("sandbox", "none", "sandbox mode of symposium review in the replay case (the push case uses bwrap when it works)")
	prebuilt := flag.String("bin", "", "a symposium binary to time instead of building ./cmd/symposium (to compare revisions)")
	keep := flag.Bool("keep", false, "keep the work directory (fixtures, caches) and print its path, to profile a review by hand")
	compare := flag.String("compare", "", "push case: a second symposium binary (e.g. an earlier revision's) timed in the same rounds; prints compare_push_ratio and push_vs_compare_ratio")
	baseConfig := flag.String("base-config", "", "push case: a .github/symposium.toml to commit in the base (e.g. with the depth checks off, to compare with a binary that lacks them); bare clippy gets its lint arguments")
	cases := flag.String("cases", "replay,push", "the cases to run, comma-separated: replay, push (-cases push times a binary whose lint arguments differ from this revision's, which the replay case refuses)")
	flag.Parse()
	log.SetFlags(0)

	work, err := os.MkdirTemp("", "symposium-bench-")
	check(err)
	if *keep {
		fmt.Printf("work_dir=%s\n", work)
	} else {
		defer os.RemoveAll(work)
	}

	bin := *prebuilt
	if bin == "" {
		bin = filepath.Join(work, "symposium")
		run("", nil, "go", "build", "-o", bin, "./cmd/symposium")
	}

	selected := strings.Split(*cases, ",")
	if slices.Contains(selected, "replay") {
		benchReplay(work, bin, *mode, *runs)
	}
	if slices.Contains(selected, "push") {
		benchPush(work, bin, *compare, *baseConfig, *runs).print()
	}
}

// benchReplay times the replay case: a review of a cached fixture against
// bare clippy on the same checkout and target dir.
func benchReplay(work, bin, mode string, runs int) {
	repo := filepath.Join(work, "repo")
	makeFixture(repo)

	cache := filepath.Join(work, "cache")
	target := filepath.Join(work, "target")
	ours := []string{bin, "review", "--repo", repo, "--base", "main", "--head", "pr", "--format", "json",
		"--sandbox", mode, "--cache-dir", cache, "--target-dir", target, "--fetch=false"}
	// The same lint arguments as the review's defaults (the unsafe lints):
	// clippy rechecks a crate whose lint arguments changed.
	clippy := append([]string{"cargo", "clippy", "--workspace", "--all-targets", "--message-format=json", "--offline", "--"}, config.DefaultRepo().LintArgs()...)
	clippyEnv := []string{"CARGO_TARGET_DIR=" + target}

	// The first review exports the head and fills the target dir; clippy
	// then runs on that very checkout.
	timeIt("", nil, ours)
	checkouts, err := filepath.Glob(filepath.Join(cache, "src", "*", "Cargo.toml"))
	check(err)
	if len(checkouts) != 1 {
		log.Fatalf("want one exported checkout under %s, found %v", cache, checkouts)
	}
	checkout := filepath.Dir(checkouts[0])
	timeIt(checkout, clippyEnv, clippy)
	timeIt("", nil, ours)

	var oursT, clippyT []sample
	for i := range runs {
		if i%2 == 0 {
			oursT = append(oursT, timeIt("", nil, ours))
			clippyT = append(clippyT, timeFreshClippy(checkout, clippyEnv, clippy))
		} else {
			clippyT = append(clippyT, timeFreshClippy(checkout, clippyEnv, clippy))
			oursT = append(oursT, timeIt("", nil, ours))
		}
	}
	mo, mc := median(oursT), median(clippyT)
	fmt.Printf("runs=%d sandbox=%s\n", runs, mode)
	fmt.Printf("symposium_review_median_ms=%d\n", mo.wall.Milliseconds())
	fmt.Printf("cargo_clippy_median_ms=%d\n", mc.wall.Milliseconds())
	fmt.Printf("symposium_review_cpu_median_ms=%d\n", mo.cpu.Milliseconds())
	fmt.Printf("cargo_clippy_cpu_median_ms=%d\n", mc.cpu.Milliseconds())
	fmt.Printf("review_cpu_ratio=%.2f\n", float64(mo.cpu)/float64(mc.cpu))
	fmt.Printf("diff_parse_map_10k_lines_median_ms=%.2f\n", timeDiff(10000, runs))
	fmt.Printf("review_overhead_ratio=%.2f\n", float64(mo.wall)/float64(mc.wall))
}

func makeFixture(dir string) {
	check(os.MkdirAll(filepath.Join(dir, "src"), 0o755))
	write := func(name, content string) {
		check(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	run("", nil, "git", "init", "-q", "-b", "main", dir)
	write("Cargo.toml", "[package]\nname = \"bench_fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, "pub fn f%d(v: &[i32]) -> bool {\n    v.len() == %d\n}\n\n", i, i%3)
	}
	write("src/lib.rs", b.String())
	gitCommit(dir, "base")
	run(dir, nil, "git", "checkout", "-q", "-b", "pr")
	for i := range 50 {
		fmt.Fprintf(&b, "pub fn g%d(v: &[i32]) -> bool {\n    v.len() == 0\n}\n\n", i)
	}
	write("src/lib.rs", b.String())
	gitCommit(dir, "head")
}

func gitCommit(dir, msg string) {
	env := []string{"GIT_AUTHOR_NAME=b", "GIT_AUTHOR_EMAIL=b@example.com", "GIT_COMMITTER_NAME=b", "GIT_COMMITTER_EMAIL=b@example.com"}
	run(dir, env, "git", "add", "-A")
	run(dir, env, "git", "commit", "-q", "-m", msg)
}

// timeFreshClippy times bare clippy and fails if it had to check the crate
// again: both commands must find the target dir warm.
func timeFreshClippy(dir string, env, args []string) sample {
	s, out := timeOutput(dir, env, args)
	if bytes.Contains(out, []byte("Checking bench_fixture")) {
		log.Fatalf("bare clippy rechecked the crate: the target dir is not shared warm\n%s", out)
	}
	return s
}

func timeIt(dir string, env, args []string) sample {
	s, _ := timeOutput(dir, env, args)
	return s
}

// timeOutput runs a command and returns its wall and CPU time (its own and
// its children's) and its stderr.
func timeOutput(dir string, env, args []string) (sample, []byte) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		log.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, stderr.Bytes()
}

// timeDiff returns the median milliseconds to parse a diff of n changed
// lines and ask, for every head line, whether it is added and in which hunk.
func timeDiff(n, runs int) float64 {
	raw := bigDiff(n)
	var samples []sample
	for range runs {
		start := time.Now()
		d, err := review.ParseDiff(raw)
		check(err)
		for line := 1; line <= n; line++ {
			d.IsAdded("src/lib.rs", line)
			d.HunkAt("src/lib.rs", line)
		}
		samples = append(samples, sample{wall: time.Since(start)})
	}
	return float64(median(samples).wall.Microseconds()) / 1000
}

// bigDiff returns a diff of one file with n changed lines: every third line
// replaced, in hunks of 30 lines.
func bigDiff(n int) []byte {
	var b strings.Builder
	b.WriteString("diff --git a/src/lib.rs b/src/lib.rs\nindex 1111111..2222222 100644\n--- a/src/lib.rs\n+++ b/src/lib.rs\n")
	line := 1
	for written := 0; written < n; {
		fmt.Fprintf(&b, "@@ -%d,30 +%d,30 @@ fn f() {\n", line, line)
		for i := range 30 {
			if i%3 == 1 {
				fmt.Fprintf(&b, "-    let x%d = old(%d);\n+    let x%d = new(%d);\n", line+i, i, line+i, i)
				written += 2
			} else {
				fmt.Fprintf(&b, "     let y%d = same(%d);\n", line+i, i)
				written++
			}
		}
		line += 40
	}
	return []byte(b.String())
}

func run(dir string, env []string, args ...string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// median returns the sample of median wall time and the median CPU time.
func median(samples []sample) sample {
	walls, cpus := make([]time.Duration, len(samples)), make([]time.Duration, len(samples))
	for i, s := range samples {
		walls[i], cpus[i] = s.wall, s.cpu
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return sample{wall: walls[len(walls)/2], cpu: cpus[len(cpus)/2]}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
