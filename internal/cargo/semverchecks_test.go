package cargo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSemverChecksCommand: cargo-semver-checks runs without network,
// offline, with the base and the tool read-only and only the checkout and
// target dir writable; a package name cannot become a flag.
func TestSemverChecksCommand(t *testing.T) {
	opts := testOptions(t)
	opts.TargetDir = t.TempDir()
	head, base := t.TempDir(), t.TempDir()
	tool := filepath.Join(t.TempDir(), SemverChecksName)
	cmd, err := semverChecksCommand(tool, head, SemverBase{Root: base}, "my-lib", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tool, "semver-checks", "check-release", "--manifest-path", filepath.Join(head, "Cargo.toml"),
		"--package", "my-lib", "--baseline-root", base, "--color=never", "--verbose"}
	if !slices.Equal(cmd.Args, want) {
		t.Errorf("args %q\nwant %q", cmd.Args, want)
	}
	if cmd.Network || cmd.HostNetwork {
		t.Error("the command has a network")
	}
	if !slices.Contains(cmd.Env, "CARGO_NET_OFFLINE=true") {
		t.Errorf("env %q lacks CARGO_NET_OFFLINE=true", cmd.Env)
	}
	for _, kv := range cmd.Env {
		if strings.HasPrefix(kv, "GITHUB_TOKEN=") || strings.HasPrefix(kv, "SYMPOSIUM_") {
			t.Errorf("env has %q", kv)
		}
	}
	if !slices.Contains(cmd.ReadOnly, base) || !slices.Contains(cmd.ReadOnly, tool) {
		t.Errorf("read-only mounts %q lack the base or the tool", cmd.ReadOnly)
	}
	for _, w := range cmd.Writable {
		if w == base || w == tool {
			t.Errorf("%s is writable", w)
		}
	}
	file := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(file, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, err = semverChecksCommand(tool, head, SemverBase{Root: base, Rustdoc: file}, "my-lib", opts)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.Index(cmd.Args, "--baseline-rustdoc"); i < 0 || cmd.Args[i+1] != file || slices.Contains(cmd.Args, "--baseline-root") {
		t.Errorf("args %q: want --baseline-rustdoc %s instead of --baseline-root", cmd.Args, file)
	}
	if !slices.Contains(cmd.ReadOnly, file) || slices.Contains(cmd.Writable, file) {
		t.Errorf("the baseline file is not read-only: ro %q rw %q", cmd.ReadOnly, cmd.Writable)
	}
	for _, tc := range []struct{ tool, pkg string }{
		{tool, "--config=x"}, {tool, "a b"}, {tool, ""}, {SemverChecksName, "my-lib"},
	} {
		if _, err := semverChecksCommand(tc.tool, head, SemverBase{Root: base}, tc.pkg, opts); err == nil {
			t.Errorf("tool %q package %q: no error", tc.tool, tc.pkg)
		}
	}
}

// TestSemverChecksTool: the tool is found on the PATH, else in the cargo
// home's bin directory.
func TestSemverChecksTool(t *testing.T) {
	if p, ok := SemverChecksTool(); ok {
		t.Skipf("cargo-semver-checks is installed (%s)", p)
	}
	onPath, home := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CARGO_HOME", home)
	inHome := filepath.Join(home, "bin", SemverChecksName)
	if err := os.WriteFile(inHome, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := SemverChecksTool(); !ok || p != inHome {
		t.Errorf("cargo home: %q %v, want %q", p, ok, inHome)
	}
	t.Setenv("PATH", onPath+string(os.PathListSeparator)+os.Getenv("PATH"))
	first := filepath.Join(onPath, SemverChecksName)
	if err := os.WriteFile(first, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := SemverChecksTool(); !ok || p != first {
		t.Errorf("PATH: %q %v, want %q", p, ok, first)
	}
}

// TestSemverBaselineRustdoc: the base is documented as cargo-semver-checks
// documents a crate: a path dependency of a placeholder, with the default
// features and every feature but the unstable or private ones, private
// and hidden items included, spans at the crate's canonical path.
func TestSemverBaselineRustdoc(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Cargo.toml": fmt.Sprintf(manifest, "fx-baseline") + "\n[features]\ndefault = [\"std\"]\nstd = []\nextra = []\nunstable = []\n_private = []\n",
		"src/lib.rs": "pub fn always() {}\n#[cfg(feature = \"std\")]\npub fn with_std() {}\n#[cfg(feature = \"extra\")]\npub fn with_extra() {}\n" +
			"#[cfg(feature = \"unstable\")]\npub fn with_unstable() {}\n#[cfg(feature = \"_private\")]\npub fn with_private() {}\n" +
			"#[doc(hidden)]\npub fn hidden() {}\nfn private() {}\n",
	})
	opts := testOptions(t)
	opts.TargetDir = t.TempDir()
	data, err := SemverBaselineRustdoc(context.Background(), dir, SemverBaseline{Root: dir, Dir: dir, Name: "fx-baseline", Version: "0.1.0", Lib: "fx_baseline",
		Features: []string{"default", "std", "extra", "unstable", "_private"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion int    `json:"format_version"`
		CrateVersion  string `json:"crate_version"`
		Index         map[string]struct {
			Name *string `json:"name"`
			Span *struct {
				Filename string `json:"filename"`
			} `json:"span"`
		} `json:"index"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion == 0 || doc.CrateVersion != "0.1.0" {
		t.Errorf("format_version %d, crate_version %q", doc.FormatVersion, doc.CrateVersion)
	}
	names := map[string]bool{}
	canon, _ := filepath.EvalSymlinks(dir)
	for _, it := range doc.Index {
		if it.Name != nil {
			names[*it.Name] = true
		}
		if it.Span != nil && it.Span.Filename != filepath.Join(canon, "src", "lib.rs") {
			t.Errorf("span in %q, want the crate's canonical path", it.Span.Filename)
		}
	}
	for name, want := range map[string]bool{"always": true, "with_std": true, "with_extra": true, "hidden": true, "private": true,
		"with_unstable": false, "with_private": false} {
		if names[name] != want {
			t.Errorf("item %s documented: %v, want %v", name, names[name], want)
		}
	}
	if _, err := SemverBaselineRustdoc(context.Background(), dir, SemverBaseline{Root: dir, Dir: dir, Name: "--x", Version: "0.1.0", Lib: "x"}, opts); err == nil {
		t.Error("a package name that is a flag: no error")
	}
}

// TestSemverFeatures: the tool's default feature set leaves out the
// features named as unstable or private.
func TestSemverFeatures(t *testing.T) {
	got := semverFeatures([]string{"std", "unstable", "nightly", "bench", "no_std", "_x", "unstable-a", "unstable_b", "serde", "std", "nightly-ish"})
	want := []string{"nightly-ish", "serde", "std"}
	if !slices.Equal(got, want) {
		t.Errorf("semverFeatures = %q, want %q", got, want)
	}
}

// TestSemverBaselineSupported: baseline files are given to v0.25 and later.
func TestSemverBaselineSupported(t *testing.T) {
	for v, want := range map[string]bool{"0.43.0": true, "0.25.0": true, "0.24.2": false, "1.0.0": true, "": false, "x": false} {
		if got := SemverBaselineSupported(v); got != want {
			t.Errorf("SemverBaselineSupported(%q) = %v, want %v", v, got, want)
		}
	}
}
