package analysis

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/review"
)

// fakeSemverChecks stands in for cargo-semver-checks, which cannot be
// installed here: it checks the command line Symposium gives it and that
// the baseline is readable, at --baseline-root (a tree) or
// --baseline-rustdoc (rustdoc's JSON of the base), then answers as the
// real tool does. Its output is the tool's documented text format: the
// failure block of
// test_outputs/integration_snapshots__cfg_conditional_compilation.snap and
// src/check_release.rs of obi1kenobi/cargo-semver-checks (the
// function_missing lint's name, description and "Failed in:" template as
// in src/lints/function_missing.ron, the file being the baseline's span),
// the `--verbose` FAIL line and the Summary line, exit status 1 when the
// version change does not cover a break, 0 when it does. `semver-checks
// --version` prints its version. In mode "error" it fails as the tool does
// on a rustdoc format it does not read (its issue #1555); in mode
// "error-rustdoc" only when given a baseline file. (The sandbox passes no
// environment of ours: the mode is written into the script.)
const fakeSemverChecks = `#!/bin/sh
FAKE_MODE=%s
FAKE_VERSION=%s
CHECK_READ_ONLY=%t
if [ "$1" = semver-checks ] && [ "$2" = --version ]; then echo "cargo-semver-checks $FAKE_VERSION"; exit 0; fi
[ "$1" = semver-checks ] && [ "$2" = check-release ] || { echo "error: unexpected arguments: $*" >&2; exit 2; }
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    --manifest-path) manifest=$2; shift ;;
    --package) pkg=$2; shift ;;
    --baseline-root) base=$2; shift ;;
    --baseline-rustdoc) baseline_json=$2; shift ;;
    --color=never|--verbose) ;;
    *) echo "error: unexpected argument '$1' found" >&2; exit 2 ;;
  esac
  shift
done
head=$(dirname "$manifest")
[ "$CARGO_NET_OFFLINE" = true ] || { echo "error: not offline" >&2; exit 2; }
if [ -n "$base" ] && [ -n "$baseline_json" ]; then echo "error: two baselines" >&2; exit 2; fi
base_has_old=false
if [ -n "$baseline_json" ]; then
  [ -r "$baseline_json" ] || { echo "error: the baseline rustdoc $baseline_json is not readable" >&2; exit 2; }
  if $CHECK_READ_ONLY && (: >> "$baseline_json") 2>/dev/null; then echo "error: the baseline rustdoc is writable" >&2; exit 2; fi
  if [ "$FAKE_MODE" = error-rustdoc ]; then
    echo "error: unsupported rustdoc format v99 for file: $baseline_json" >&2
    exit 1
  fi
  grep -q '"name":"old_api"' "$baseline_json" && base_has_old=true
  base_file=$(grep -o '"filename":"[^"]*lib.rs"' "$baseline_json" | head -n 1 | sed 's/^"filename":"//; s/"$//')
else
  [ -r "$base/src/lib.rs" ] || { echo "error: the baseline root $base is not readable" >&2; exit 2; }
  if $CHECK_READ_ONLY && touch "$base/probe" 2>/dev/null; then echo "error: the baseline root is writable" >&2; exit 2; fi
  grep -q old_api "$base/src/lib.rs" && base_has_old=true
  base_file=$base/src/lib.rs
fi
if [ "$FAKE_MODE" = error ]; then
  echo "     Parsing $pkg v0.1.0 (current)" >&2
  echo "error: unsupported rustdoc format v57 for file: $head/target/doc/$pkg.json" >&2
  echo "(supported formats are v53, v55, v56)" >&2
  exit 1
fi
echo "    Checking $pkg v0.1.0 -> v0.1.0 (no change)" >&2
if $base_has_old && ! grep -q old_api "$head/src/lib.rs" && ! grep -q '^version = "0.2.0"' "$head/Cargo.toml"; then
  cat <<EOF
--- failure function_missing: pub fn removed or renamed ---

Description:
A publicly-visible function cannot be imported by its prior path. A ` + "`pub use`" + ` may have been removed, or the function itself may have been renamed or removed entirely.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#item-remove
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.43.0/src/lints/function_missing.ron

Failed in:
  function ${pkg}::old_api, previously in file $base_file:1
EOF
  echo "        FAIL [   0.001s]       major        function_missing" >&2
  echo "     Checked [   0.010s] 152 checks: 151 pass, 1 fail, 0 warn, 0 skip" >&2
  echo "     Summary semver requires new major version: 1 major and 0 minor checks failed" >&2
  exit 1
fi
echo "     Checked [   0.010s] 152 checks: 152 pass, 0 skip" >&2
echo "     Summary no semver update required" >&2
exit 0
`

// installFakeSemverChecks puts the fake, of version 0.43.0, first on the
// PATH. Under bubblewrap it also checks that it cannot write the base.
func installFakeSemverChecks(t *testing.T, mode string) {
	t.Helper()
	installFakeSemverChecksVersion(t, mode, "0.43.0")
}

// installFakeSemverChecksVersion installs the fake of that version.
func installFakeSemverChecksVersion(t *testing.T, mode, version string) {
	t.Helper()
	dir := t.TempDir()
	_, err := exec.LookPath("bwrap")
	script := fmt.Sprintf(fakeSemverChecks, mode, version, err == nil)
	if err := os.WriteFile(filepath.Join(dir, cargo.SemverChecksName), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestSemverWithCargoSemverChecks: with cargo-semver-checks on the PATH,
// the semver check runs it in the sandbox against the exported base and
// maps its failed lints to the finding of the rustdoc comparison; when the
// tool fails, rustdoc's comparison is used and the summary says why.
func TestSemverWithCargoSemverChecks(t *testing.T) {
	const lib = "pub fn old_api() {}\n\npub fn kept() -> u32 {\n    1\n}\n"
	const headLib = "pub fn kept() -> u32 {\n    1\n}\n"
	bumped := func(v string) string { return strings.Replace(manifest("fx_tool"), `"0.1.0"`, `"`+v+`"`, 1) }
	tests := []struct {
		name     string
		head     map[string]string
		tool     string // [semver] tool
		mode     string // the fake's mode
		inline   bool   // the finding is on Cargo.toml:3
		want     []string
		wantNone bool
		nightly  bool // the expectation needs rustdoc's comparison
		// noNightly hides the nightly toolchain; noTool leaves the fake out.
		noNightly, noTool bool
	}{
		{name: "break without bump", head: map[string]string{"src/lib.rs": headLib},
			want: []string{"`Cargo.toml:3` **warning** `semver`: The public API of `fx_tool` has 1 breaking change (found by cargo-semver-checks), but its version goes from `0.1.0` to `0.1.0`: a minor bump is needed (to `0.2.0` or later). `function_missing` (pub fn removed or renamed): `function fx_tool::old_api, previously in file src/lib.rs:1`"}},
		{name: "patch bump is not enough", head: map[string]string{"src/lib.rs": headLib, "Cargo.toml": bumped("0.1.1")}, inline: true,
			want: []string{"but its version goes from `0.1.0` to `0.1.1`: a minor bump is needed"}},
		{name: "minor bump covers it", head: map[string]string{"src/lib.rs": headLib, "Cargo.toml": bumped("0.2.0")}, wantNone: true},
		{name: "tool fails", head: map[string]string{"src/lib.rs": headLib}, mode: "error", nightly: true,
			want: []string{"Semver check of `fx_tool`: cargo-semver-checks failed (`error: unsupported rustdoc format v57 for file: target/doc/fx_tool.json`); rustdoc's JSON comparison was used instead.",
				"function `fx_tool::old_api`: removed"}},
		{name: "no nightly needed", head: map[string]string{"src/lib.rs": headLib}, noNightly: true,
			want: []string{"has 1 breaking change (found by cargo-semver-checks)"}},
		{name: "tool fails without nightly", head: map[string]string{"src/lib.rs": headLib}, mode: "error", noNightly: true,
			want: []string{"Semver check of `fx_tool` skipped: cargo-semver-checks failed (`error: unsupported rustdoc format v57 for file: target/doc/fx_tool.json`), and rustdoc's JSON comparison needs a nightly toolchain, which is not installed."}},
		{name: "tool asked for, missing", head: map[string]string{"src/lib.rs": headLib}, tool: config.SemverToolSemverChecks, noTool: true, nightly: true,
			want: []string{"Semver check: `[semver] tool` asks for cargo-semver-checks, which the worker does not have; rustdoc's JSON comparison is used instead.",
				"function `fx_tool::old_api`: removed"}},
		{name: "neither", head: map[string]string{"src/lib.rs": headLib}, noNightly: true, noTool: true,
			want: []string{"Semver check skipped: no nightly toolchain is installed (rustdoc's JSON output needs one)."}},
		{name: "rustdoc chosen", head: map[string]string{"src/lib.rs": headLib}, tool: config.SemverToolRustdoc, nightly: true,
			want: []string{"The public API of `fx_tool` has 1 breaking change, but its version goes from `0.1.0` to `0.1.0`"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.nightly && !cargo.NightlyAvailable() {
				t.Skip("no nightly toolchain: rustdoc's comparison cannot run")
			}
			if tc.noTool {
				if p, ok := cargo.SemverChecksTool(); ok {
					t.Skipf("cargo-semver-checks is installed (%s)", p)
				}
			} else {
				installFakeSemverChecks(t, tc.mode)
			}
			if tc.noNightly {
				orig := cargo.NightlyAvailable
				cargo.NightlyAvailable = func() bool { return false }
				t.Cleanup(func() { cargo.NightlyAvailable = orig })
			}
			cfg := config.DefaultRepo()
			cfg.Semver.Tool = tc.tool
			dir := fixture{base: map[string]string{"Cargo.toml": manifest("fx_tool"), "src/lib.rs": lib}, head: tc.head}.create(t)
			res, err := Run(context.Background(), Request{RepoDir: dir, Base: "main", Head: "pr", Runner: testRunner(t),
				TargetDir: filepath.Join(t.TempDir(), "target"), Config: cfg})
			if err != nil {
				t.Fatal(err)
			}
			var semver []review.Comment
			for _, c := range res.Comments {
				if c.Source == review.SourceSemver {
					semver = append(semver, c)
				}
			}
			if tc.wantNone {
				if len(semver) > 0 || strings.Contains(res.Summary, "semver") || strings.Contains(res.Summary, "Semver") {
					t.Errorf("a semver finding or note where the version change covers the break: %+v\n%s", semver, res.Summary)
				}
				return
			}
			if tc.inline {
				if len(semver) != 1 || semver[0].Path != "Cargo.toml" || semver[0].Line != 3 || semver[0].Rule != "semver" {
					t.Fatalf("semver comments %+v, want one on Cargo.toml:3", semver)
				}
				if !strings.Contains(semver[0].Body, "found by cargo-semver-checks") {
					t.Errorf("comment body:\n%s", semver[0].Body)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(res.Summary, w) && (len(semver) == 0 || !strings.Contains(semver[0].Body, w)) {
					t.Errorf("neither summary nor comment has %q:\n%s\n%+v", w, res.Summary, semver)
				}
			}
			if tc.tool == config.SemverToolRustdoc && strings.Contains(res.Summary, "cargo-semver-checks") {
				t.Errorf("tool = rustdoc, yet cargo-semver-checks ran:\n%s", res.Summary)
			}
		})
	}
}
