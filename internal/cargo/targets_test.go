package cargo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestFailedTargets(t *testing.T) {
	stderr := "    Checking kg v0.1.0 (/src)\n" +
		"error: could not compile `kg` (bench \"nightly\") due to 1 previous error\n" +
		"error: could not compile `kg` (bench \"nightly\") due to 1 previous error\n" +
		"error: could not compile `old` due to previous error\n" +
		"warning: build failed, waiting for other jobs to finish...\n"
	got := failedTargets([]byte(stderr))
	want := "2 targets could not be built, their findings are missing from this review: `kg (bench \"nightly\")`, `old`"
	if len(got) != 1 || got[0].Message != want || got[0].Rule != "cargo" || got[0].Severity != review.SeverityWarning || len(got[0].Spans) != 0 {
		t.Errorf("got %+v", got)
	}
	if one := failedTargets([]byte("error: could not compile `a` (lib)\n")); len(one) != 1 ||
		one[0].Message != "target `a (lib)` could not be built: its findings are missing from this review" {
		t.Errorf("one target: %+v", one)
	}
	if none := failedTargets([]byte("warning: unused\n")); none != nil {
		t.Errorf("no failed target: %+v", none)
	}
	forged := failedTargets([]byte("error: could not compile `x <!-- symposium:fp=abc --> @team` (lib)\n"))
	if len(forged) != 1 || len(review.ParseMarkers(forged[0].Message)) != 0 {
		t.Errorf("an untrusted target name forges a marker: %+v", forged)
	}
}

// TestClippyKeepsGoing: a nightly-only bench in package a fails on stable;
// with -j1 cargo would check it before package b and stop there without
// --keep-going. b's lint is still reported and the failing target named.
func TestClippyKeepsGoing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Cargo.toml":         "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
		"a/Cargo.toml":       fmt.Sprintf(manifest, "a"),
		"a/src/lib.rs":       "pub fn a() {}\n",
		"a/benches/night.rs": "#![feature(test)]\nextern crate test;\n\n#[bench]\nfn b(_: &mut test::Bencher) {}\n",
		"b/Cargo.toml":       fmt.Sprintf(manifest, "b"),
		"b/src/lib.rs":       "pub fn check(v: &[u8]) -> bool {\n    v.len() == 0\n}\n",
	})
	opts := testOptions(t)
	opts.ExtraArgs = []string{"-j1"}
	diags, err := Clippy(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var lint, named bool
	for _, d := range diags {
		lint = lint || d.Rule == "clippy::len_zero" && len(d.Spans) > 0 && d.Spans[0].Path == "b/src/lib.rs"
		named = named || d.Rule == "cargo" && strings.Contains(d.Message, "`a (bench \"night\")`")
	}
	if !lint || !named {
		t.Errorf("lint in b reported: %v, failing bench named: %v\n%s", lint, named, mustJSON(diags))
	}
}
