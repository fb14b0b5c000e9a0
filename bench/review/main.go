// Command review benchmarks `symposium review` against bare clippy.
//
// It builds symposium once, creates a fixture crate with a base and a head
// commit, warms both target directories, then times N runs of
// `symposium review` (warm target dir, reused source dir) and N runs of
// `cargo clippy --workspace --all-targets --message-format=json` on a
// checkout of the same head, and prints both medians and
// review_overhead_ratio=<ours/clippy>.
//
//	go run ./bench/review [-runs 7] [-sandbox none|bwrap]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 7, "timed runs of each command")
	mode := flag.String("sandbox", "none", "sandbox mode of symposium review (bare clippy runs unsandboxed)")
	flag.Parse()
	log.SetFlags(0)

	work, err := os.MkdirTemp("", "symposium-bench-")
	check(err)
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "symposium")
	run("", nil, "go", "build", "-o", bin, "./cmd/symposium")

	repo := filepath.Join(work, "repo")
	makeFixture(repo)
	checkout := filepath.Join(work, "checkout")
	run("", nil, "git", "clone", "-q", repo, checkout)
	run(checkout, nil, "git", "checkout", "-q", "pr")

	cache := filepath.Join(work, "cache")
	ours := []string{bin, "review", "--repo", repo, "--base", "main", "--head", "pr", "--format", "json",
		"--sandbox", *mode, "--cache-dir", cache, "--fetch=false"}
	clippyEnv := []string{"CARGO_TARGET_DIR=" + filepath.Join(work, "clippy-target")}
	clippy := []string{"cargo", "clippy", "--workspace", "--all-targets", "--message-format=json", "--offline"}

	// Warm up both.
	timeIt("", nil, ours)
	timeIt(checkout, clippyEnv, clippy)

	var oursT, clippyT []time.Duration
	for range *runs {
		oursT = append(oursT, timeIt("", nil, ours))
		clippyT = append(clippyT, timeIt(checkout, clippyEnv, clippy))
	}
	mo, mc := median(oursT), median(clippyT)
	fmt.Printf("symposium_review_median_ms=%d\n", mo.Milliseconds())
	fmt.Printf("cargo_clippy_median_ms=%d\n", mc.Milliseconds())
	fmt.Printf("review_overhead_ratio=%.2f\n", float64(mo)/float64(mc))
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

func timeIt(dir string, env, args []string) time.Duration {
	start := time.Now()
	run(dir, env, args...)
	return time.Since(start)
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

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
