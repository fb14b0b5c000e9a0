package cargo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rustupDefault answers only when rustup's own resolution is certain; in
// every other case the caller asks rustc.
func TestRustupDefault(t *testing.T) {
	const host = "x86_64-unknown-linux-gnu"
	tests := []struct {
		name      string
		settings  string // settings.toml; "" for none
		env       string // RUSTUP_TOOLCHAIN
		installed []string
		notProxy  bool
		linked    bool   // the toolchains are links to directories elsewhere
		cwdFile   string // a toolchain file in the directory rustc runs in
		want      string // the toolchain's name; "" when not certain
	}{
		{name: "default", settings: `default_toolchain = "stable-` + host + `"`, installed: []string{"stable-" + host}, want: "stable-" + host},
		{name: "short default name", settings: "default_toolchain = \"stable\"\ndefault_host_triple = \"" + host + "\"", installed: []string{"stable-" + host}, want: "stable-" + host},
		{name: "environment first", settings: `default_toolchain = "stable-` + host + `"`, env: "nightly-" + host, installed: []string{"stable-" + host, "nightly-" + host}, want: "nightly-" + host},
		{name: "environment names a path", settings: `default_toolchain = "stable-` + host + `"`, env: "/opt/rust", installed: []string{"stable-" + host}},
		{name: "default not installed", settings: `default_toolchain = "beta-` + host + `"`, installed: []string{"stable-" + host}},
		{name: "no default", settings: `version = "12"`, installed: []string{"stable-" + host}},
		{name: "no settings", installed: []string{"stable-" + host}},
		{name: "override where rustc runs", settings: "default_toolchain = \"stable-" + host + "\"\n[overrides]\n\"CWD\" = \"nightly-" + host + "\"", installed: []string{"stable-" + host, "nightly-" + host}},
		{name: "override elsewhere", settings: "default_toolchain = \"stable-" + host + "\"\n[overrides]\n\"/srv\" = \"nightly-" + host + "\"", installed: []string{"stable-" + host}, want: "stable-" + host},
		{name: "toolchain file where rustc runs", settings: `default_toolchain = "stable-` + host + `"`, installed: []string{"stable-" + host}, cwdFile: "rust-toolchain.toml"},
		{name: "unreadable settings", settings: "default_toolchain = [", installed: []string{"stable-" + host}},
		{name: "linked custom toolchain", settings: `default_toolchain = "stable-` + host + `"`, installed: []string{"stable-" + host}, linked: true},
		{name: "rustc is not rustup's proxy", settings: `default_toolchain = "stable-` + host + `"`, installed: []string{"stable-" + host}, notProxy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, cwd := t.TempDir(), t.TempDir()
			old := rustupCwd
			rustupCwd = cwd
			t.Cleanup(func() { rustupCwd = old })
			if tt.cwdFile != "" {
				writeTree(t, cwd, map[string]string{tt.cwdFile: "[toolchain]\nchannel = \"nightly\"\n"})
			}
			t.Setenv("RUSTUP_HOME", home)
			t.Setenv("RUSTUP_TOOLCHAIN", tt.env)
			if tt.settings != "" {
				writeTree(t, home, map[string]string{"settings.toml": strings.ReplaceAll(tt.settings, "CWD", cwd)})
			}
			for _, n := range tt.installed {
				if !tt.linked {
					writeTree(t, home, map[string]string{"toolchains/" + n + "/bin/rustc": "", "toolchains/" + n + "/bin/cargo": ""})
					continue
				}
				elsewhere := t.TempDir()
				writeTree(t, elsewhere, map[string]string{"bin/rustc": "", "bin/cargo": ""})
				if err := os.MkdirAll(filepath.Join(home, "toolchains"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(elsewhere, filepath.Join(home, "toolchains", n)); err != nil {
					t.Fatal(err)
				}
			}
			bin := t.TempDir()
			writeTree(t, bin, map[string]string{"rustup": "#!/bin/sh\n"})
			rustc := filepath.Join(bin, "rustc")
			if tt.notProxy {
				writeTree(t, bin, map[string]string{"rustc": "#!/bin/sh\n"})
			} else if err := os.Symlink("rustup", rustc); err != nil {
				t.Fatal(err)
			}
			tc, ok := rustupDefault(rustc)
			if got := map[bool]string{true: tc.name}[ok]; got != tt.want {
				t.Fatalf("rustupDefault = %q, %v; want %q", tc.name, ok, tt.want)
			}
			if ok && (tc.sysroot != filepath.Join(home, "toolchains", tt.want) || tc.bin != filepath.Join(tc.sysroot, "bin")) {
				t.Errorf("toolchain = %+v", tc)
			}
		})
	}
}

// On a host with rustup, the settings give what rustc itself says.
func TestRustupDefaultAgreesWithRustc(t *testing.T) {
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		t.Skip("no rustc")
	}
	tc, ok := rustupDefault(rustc)
	if !ok {
		t.Skip("rustc here is not a rustup proxy with a certain default")
	}
	cmd := exec.CommandContext(context.Background(), rustc, "--print", "sysroot")
	cmd.Dir = "/"
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := filepath.EvalSymlinks(tc.sysroot)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("from rustup's settings: %s; rustc --print sysroot: %s", got, want)
	}
}

// A linked toolchain's real directory is mounted in the sandbox: the link
// alone would dangle there.
func TestToolchainEnvMountsALinkedToolchain(t *testing.T) {
	real, links := t.TempDir(), t.TempDir()
	link := filepath.Join(links, "custom")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	_, readOnly, err := toolchain{name: "custom", bin: filepath.Join(link, "bin"), sysroot: link}.env()
	if err != nil {
		t.Skip(err) // no cargo on the PATH
	}
	want, _ := filepath.EvalSymlinks(real)
	if !slices.Contains(readOnly, want) {
		t.Errorf("read-only mounts %v lack the toolchain's real directory %s", readOnly, want)
	}
}
