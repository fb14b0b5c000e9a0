package cargo

import (
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
	cmd, err := semverChecksCommand(tool, head, base, "my-lib", opts)
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
	for _, tc := range []struct{ tool, pkg string }{
		{tool, "--config=x"}, {tool, "a b"}, {tool, ""}, {SemverChecksName, "my-lib"},
	} {
		if _, err := semverChecksCommand(tc.tool, head, base, tc.pkg, opts); err == nil {
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
