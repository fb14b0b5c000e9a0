package semvercheck

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// The samples below are cargo-semver-checks' own output, from its
// repository (obi1kenobi/cargo-semver-checks): the snapshots
// test_outputs/integration_snapshots__cfg_conditional_compilation.snap,
// test_outputs/snapshot_tests/…workspace_baseline_compile_error-output.snap
// and src/snapshots/…workspace_no_lib_targets_error.snap, the lint file
// src/lints/function_marked_deprecated.ron (a minor-level lint), and the
// format strings of src/check_release.rs (the `--verbose` FAIL lines, the
// "Summary" lines); the function_missing block with several items is from
// a release pull request that quoted the tool (pindakaashq/pindakaas#154,
// v0.43.0), and the unsupported-format error from its issue #1555.
// Durations and paths, redacted in the snapshots ("[TIME]", "[ROOT]"), are
// filled in as a run prints them.

const twoLintsStdout = `
--- failure enum_variant_added: enum variant added on exhaustive enum ---

Description:
A publicly-visible enum without #[non_exhaustive] has a new variant.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#enum-variant-new
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.41.0/src/lints/enum_variant_added.ron

Failed in:
  variant Data:Bool in /work/head/src/lib.rs:7

--- failure struct_missing: pub struct removed or renamed ---

Description:
A publicly-visible struct cannot be imported by its prior path. A ` + "`pub use`" + ` may have been removed, or the struct itself may have been renamed or removed entirely.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#item-remove
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.41.0/src/lints/struct_missing.ron

Failed in:
  struct cfg_conditional_compilation::Example, previously in file /work/base/src/lib.rs:4
`

const twoLintsStderr = `    Building cfg_conditional_compilation v0.1.0 (current)
       Built [   0.231s] (current)
     Parsing cfg_conditional_compilation v0.1.0 (current)
      Parsed [   0.004s] (current)
    Building cfg_conditional_compilation v0.1.0 (baseline)
       Built [   0.229s] (baseline)
     Parsing cfg_conditional_compilation v0.1.0 (baseline)
      Parsed [   0.004s] (baseline)
    Checking cfg_conditional_compilation v0.1.0 -> v0.1.0 (no change)
        FAIL [   0.001s]       major        enum_variant_added
        PASS [   0.001s]       major        function_missing
        FAIL [   0.002s]       major        struct_missing
     Checked [   0.015s] 152 checks: 150 pass, 2 fail, 0 warn, 0 skip

     Summary semver requires new major version: 2 major and 0 minor checks failed
    Finished [   0.651s] cfg_conditional_compilation
`

const manyItemsStdout = `
--- failure function_missing: pub fn removed or renamed ---

Description:
A publicly-visible function cannot be imported by its prior path. A ` + "`pub use`" + ` may have been removed, or the function itself may have been renamed or removed entirely.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#item-remove
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.43.0/src/lints/function_missing.ron

Failed in:
  function pindakaas_kissat::kissat_assume, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:11
  function pindakaas_kissat::kissat_val, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:13
  function pindakaas_kissat::ipasir_init, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:30
`

// A run of the same output without --verbose: no FAIL lines, no levels.
const manyItemsStderr = `    Checking pindakaas-kissat v0.1.0 -> v0.1.1 (minor change)
     Checked [   0.020s] 139 checks: 138 pass, 1 fail, 0 warn, 0 skip

     Summary semver requires new major version: 1 major and 0 minor checks failed
`

const minorStdout = `
--- failure function_marked_deprecated: function #[deprecated] added ---

Description:
A function is now #[deprecated]. Downstream crates will get a compiler warning when using this function.
        ref: https://doc.rust-lang.org/reference/attributes/diagnostics.html#the-deprecated-attribute
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.43.0/src/lints/function_marked_deprecated.ron

Failed in:
  function mylib::old_api in /work/head/src/lib.rs:3
`

const minorStderr = `    Checking mylib v1.2.0 -> v1.2.1 (patch change)
        FAIL [   0.001s]       minor        function_marked_deprecated
     Checked [   0.015s] 152 checks: 151 pass, 1 fail, 0 warn, 0 skip

     Summary semver requires new minor version: 0 major and 1 minor checks failed
`

const passStderr = `    Building mylib v0.1.0 (current)
       Built [   0.231s] (current)
     Parsing mylib v0.1.0 (current)
      Parsed [   0.004s] (current)
    Checking mylib v0.1.0 -> v0.1.0 (no change)
     Checked [   0.012s] 152 checks: 152 pass, 0 skip
     Summary no semver update required
    Finished [   0.500s] mylib
`

const warningStdout = `
--- warning function_marked_deprecated: function #[deprecated] added ---

Description:
A function is now #[deprecated]. Downstream crates will get a compiler warning when using this function.
        ref: https://doc.rust-lang.org/reference/attributes/diagnostics.html#the-deprecated-attribute
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.43.0/src/lints/function_marked_deprecated.ron

Failed in:
  function mylib::old_api in /work/head/src/lib.rs:3
`

const compileErrorStderr = `    Building error v0.1.0 (current)
       Built [   0.100s] (current)
     Parsing error v0.1.0 (current)
      Parsed [   0.004s] (current)
    Building error v0.1.0 (baseline)
error: running cargo-doc on crate 'error' failed with output:
-----
 Documenting error v0.1.0 (/work/base/error)
error: This crate has a compiler error.
 --> /work/base/error/src/lib.rs:6:1

error: could not document ` + "`error`" + `

-----

error: failed to build rustdoc for crate error v0.1.0
note: this is usually due to a compilation error in the crate,
      and is unlikely to be a bug in cargo-semver-checks
`

func TestParseToolOutput(t *testing.T) {
	tests := []struct {
		name           string
		stdout, stderr string
		exit           int
		want           *ToolReport
		wantErr        string
	}{
		{name: "two lints", stdout: twoLintsStdout, stderr: twoLintsStderr, exit: 1, want: &ToolReport{
			Crate: "cfg_conditional_compilation", BaseVersion: "0.1.0", HeadVersion: "0.1.0", Required: "major",
			Lints: []ToolLint{
				{ID: "enum_variant_added", Name: "enum variant added on exhaustive enum", Level: "major", Items: []string{"variant Data:Bool in /work/head/src/lib.rs:7"}},
				{ID: "struct_missing", Name: "pub struct removed or renamed", Level: "major", Items: []string{"struct cfg_conditional_compilation::Example, previously in file /work/base/src/lib.rs:4"}},
			}}},
		{name: "several items, no verbose", stdout: manyItemsStdout, stderr: manyItemsStderr, exit: 1, want: &ToolReport{
			Crate: "pindakaas-kissat", BaseVersion: "0.1.0", HeadVersion: "0.1.1", Required: "major",
			Lints: []ToolLint{{ID: "function_missing", Name: "pub fn removed or renamed", Items: []string{
				"function pindakaas_kissat::kissat_assume, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:11",
				"function pindakaas_kissat::kissat_val, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:13",
				"function pindakaas_kissat::ipasir_init, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:30",
			}}}}},
		{name: "minor", stdout: minorStdout, stderr: minorStderr, exit: 1, want: &ToolReport{
			Crate: "mylib", BaseVersion: "1.2.0", HeadVersion: "1.2.1", Required: "minor",
			Lints: []ToolLint{{ID: "function_marked_deprecated", Name: "function #[deprecated] added", Level: "minor", Items: []string{"function mylib::old_api in /work/head/src/lib.rs:3"}}}}},
		{name: "no summary line", stdout: twoLintsStdout, stderr: "    Checking x v1.0.0 -> v1.0.0 (no change)\n", exit: 1, want: &ToolReport{
			Crate: "x", BaseVersion: "1.0.0", HeadVersion: "1.0.0", Required: "major",
			Lints: []ToolLint{
				{ID: "enum_variant_added", Name: "enum variant added on exhaustive enum", Items: []string{"variant Data:Bool in /work/head/src/lib.rs:7"}},
				{ID: "struct_missing", Name: "pub struct removed or renamed", Items: []string{"struct cfg_conditional_compilation::Example, previously in file /work/base/src/lib.rs:4"}},
			}}},
		{name: "colours", stdout: "\x1b[1m" + strings.ReplaceAll(minorStdout, "\n", "\x1b[0m\r\n"), stderr: minorStderr, exit: 1, want: &ToolReport{
			Crate: "mylib", BaseVersion: "1.2.0", HeadVersion: "1.2.1", Required: "minor",
			Lints: []ToolLint{{ID: "function_marked_deprecated", Name: "function #[deprecated] added", Level: "minor", Items: []string{"function mylib::old_api in /work/head/src/lib.rs:3"}}}}},
		{name: "no break", stderr: passStderr, exit: 0, want: &ToolReport{Crate: "mylib", BaseVersion: "0.1.0", HeadVersion: "0.1.0"}},
		{name: "warning only", stdout: warningStdout, stderr: passStderr, exit: 0, want: &ToolReport{Crate: "mylib", BaseVersion: "0.1.0", HeadVersion: "0.1.0"}},
		{name: "template-less lint", stdout: "\n--- failure odd_lint: odd ---\n\nDescription:\nx\n\nFailed in:\n{\n  \"name\": \"f\",\n  \"path\": [\n    \"m\"\n  ]\n}\n\n", stderr: twoLintsStderr, exit: 1, want: &ToolReport{
			Crate: "cfg_conditional_compilation", BaseVersion: "0.1.0", HeadVersion: "0.1.0", Required: "major",
			Lints: []ToolLint{{ID: "odd_lint", Name: "odd", Items: []string{`{ "name": "f", "path": [ "m" ] }`}}}}},
		{name: "baseline does not build", stderr: compileErrorStderr, exit: 1, wantErr: "error: running cargo-doc on crate 'error' failed with output:"},
		{name: "no library", stderr: "error: no crates with library targets selected, nothing to semver-check\nnote: only library targets contain an API surface that can be checked for semver\n", exit: 1,
			wantErr: "error: no crates with library targets selected"},
		{name: "rustdoc format", stderr: "error: unsupported rustdoc format v57 for file: /t/doc/mylib.json\n(supported formats are v53, v55, v56)\n", exit: 1, wantErr: "unsupported rustdoc format v57"},
		{name: "failures and an error", stdout: twoLintsStdout, stderr: compileErrorStderr, exit: 1, wantErr: "failed with output"},
		{name: "killed", stdout: twoLintsStdout[:200], exit: -1, wantErr: "exit -1"},
		{name: "exit 0 with failures", stdout: twoLintsStdout, stderr: twoLintsStderr, exit: 0, wantErr: "exit 0"},
		{name: "silent", exit: 2, wantErr: "no output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseToolOutput([]byte(tc.stdout), []byte(tc.stderr), tc.exit)
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, ErrToolFailed) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ErrToolFailed with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestToolVerdictAndMessage(t *testing.T) {
	trim := func(s string) string {
		return strings.NewReplacer("/work/head/", "", "/work/base/", "").Replace(s)
	}
	tests := []struct {
		name, stdout, stderr, base, head string
		want                             string
	}{
		{"breaking 0.x", twoLintsStdout, twoLintsStderr, "0.1.0", "0.1.0",
			"The public API of `mylib` has 2 breaking changes (found by cargo-semver-checks), but its version goes from `0.1.0` to `0.1.0`: a minor bump is needed (to `0.2.0` or later)." +
				" `enum_variant_added` (enum variant added on exhaustive enum): `variant Data:Bool in src/lib.rs:7`;" +
				" `struct_missing` (pub struct removed or renamed): `struct cfg_conditional_compilation::Example, previously in file src/lib.rs:4`"},
		{"breaking 1.x", manyItemsStdout, manyItemsStderr, "1.4.2", "1.5.0",
			"The public API of `mylib` has 3 breaking changes (found by cargo-semver-checks), but its version goes from `1.4.2` to `1.5.0`: a major bump is needed (to `2.0.0` or later)." +
				" `function_missing` (pub fn removed or renamed): `function pindakaas_kissat::kissat_assume, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:11`," +
				" `function pindakaas_kissat::kissat_val, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:13`," +
				" `function pindakaas_kissat::ipasir_init, previously in file /tmp/.tmp5aYJp7/pindakaas-kissat/src/lib.rs:30`"},
		{"minor 1.x", minorStdout, minorStderr, "1.2.0", "1.2.1",
			"The public API of `mylib` has 1 change needing a new minor release (found by cargo-semver-checks), but its version goes from `1.2.0` to `1.2.1`: a minor bump is needed (to `1.3.0` or later)." +
				" `function_marked_deprecated` (function #[deprecated] added; minor): `function mylib::old_api in src/lib.rs:3`"},
		{"minor 0.x", minorStdout, minorStderr, "0.3.1", "0.3.1",
			"a patch bump is needed (to `0.3.2` or later)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseToolOutput([]byte(tc.stdout), []byte(tc.stderr), 1)
			if err != nil {
				t.Fatal(err)
			}
			v, err := ToolVerdict(rep, tc.base)
			if err != nil || v.OK {
				t.Fatalf("verdict %+v, %v", v, err)
			}
			got := ToolMessage(rep, v, "mylib", tc.base, tc.head, trim)
			if !strings.Contains(got, tc.want) {
				t.Errorf("message\n%s\nwant it to contain\n%s", got, tc.want)
			}
		})
	}
	if v, err := ToolVerdict(&ToolReport{}, "not a version"); err != nil || !v.OK {
		t.Errorf("no lints: %+v %v", v, err)
	}
	if _, err := ToolVerdict(&ToolReport{Lints: []ToolLint{{ID: "x"}}}, "nope"); err == nil {
		t.Error("a bad base version is an error")
	}
}

// TestToolMessageHostile: the tool's output quotes the pull request's code
// and may be written to by it; what reaches the message stays in code
// spans, and the list is bounded.
func TestToolMessageHostile(t *testing.T) {
	var items []string
	for range 30 {
		items = append(items, "fn `x` @someone <!-- marker --> "+strings.Repeat("a", 400))
	}
	rep := &ToolReport{Required: "major", Lints: []ToolLint{
		{ID: "function_missing", Name: "pub fn `removed` \x00 @admin", Items: items},
		{ID: "struct_missing", Name: "x", Items: []string{"y"}},
	}}
	v, err := ToolVerdict(rep, "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	msg := ToolMessage(rep, v, "a`b", "0.1.0", "0.1.0", nil)
	for _, bad := range []string{"<!--", "\x00", "`removed`", strings.Repeat("a", 301)} {
		if strings.Contains(msg, bad) {
			t.Errorf("message has %q:\n%s", bad, msg)
		}
	}
	if !strings.Contains(msg, "… and 11 more.") || !strings.Contains(msg, "has 31 breaking changes") {
		t.Errorf("message is not bounded:\n%s", msg)
	}
	if !strings.Contains(msg, "``fn `x` @someone") {
		t.Errorf("items are not code spans:\n%s", msg)
	}
}
