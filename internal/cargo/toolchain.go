package cargo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// The toolchain is the worker's choice, not the pull request's. Commands
// call the toolchain's own binaries (cargo, clippy-driver, rustc, rustfmt in
// its sysroot's bin) rather than rustup's proxies: no proxy resolves a
// toolchain file, so a `rust-toolchain.toml` with `path = "…"` selects
// nothing, and a process is saved on every call. A pull request's channel
// is honoured only when rustup already has it installed, with clippy.

// toolchain is a resolved Rust toolchain.
type toolchain struct {
	// name is rustup's name for it ("stable-x86_64-unknown-linux-gnu"),
	// empty when rustup does not manage it.
	name string
	// bin holds cargo, rustc, clippy-driver, rustfmt.
	bin string
	// sysroot is the toolchain's directory.
	sysroot string
}

var (
	toolchainsMu sync.Mutex
	// defaultToolchain is resolved once per process.
	defaultToolchain *toolchain
)

// channelPattern is what a toolchain channel may look like: "stable",
// "nightly-2025-01-01", "1.85.0", with an optional host triple.
var channelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// maxToolchainFileBytes caps the read of a pull request's toolchain file.
const maxToolchainFileBytes = 4 << 10

// pinnedToolchain returns the toolchain for the checkout dir: the channel
// its toolchain file names when rustup has it installed with clippy, else
// the worker's default.
func pinnedToolchain(dir string) (toolchain, error) {
	def, err := workerToolchain()
	if err != nil {
		return toolchain{}, err
	}
	ch := requestedChannel(dir)
	if ch == "" || def.name == "" {
		return def, nil
	}
	home := rustupHome()
	for _, name := range []string{ch, ch + "-" + hostTriple(def.name)} {
		sysroot := filepath.Join(home, "toolchains", name)
		if fi, err := os.Stat(filepath.Join(sysroot, "bin", "cargo-clippy")); err == nil && fi.Mode().IsRegular() {
			return toolchain{name: name, bin: filepath.Join(sysroot, "bin"), sysroot: sysroot}, nil
		}
	}
	return def, nil
}

// namedToolchain returns rustup's installed toolchain ch ("nightly"), for
// commands the worker itself chose that need another channel than the
// pinned one (rustdoc's JSON output).
func namedToolchain(ch string) (toolchain, error) {
	def, err := workerToolchain()
	if err != nil {
		return toolchain{}, err
	}
	home := rustupHome()
	for _, name := range []string{ch, ch + "-" + hostTriple(def.name)} {
		sysroot := filepath.Join(home, "toolchains", name)
		if fi, err := os.Stat(filepath.Join(sysroot, "bin", "cargo")); err == nil && fi.Mode().IsRegular() {
			return toolchain{name: name, bin: filepath.Join(sysroot, "bin"), sysroot: sysroot}, nil
		}
	}
	return toolchain{}, fmt.Errorf("the %s toolchain is not installed", ch)
}

// WarmUp starts resolving, in the background, what the process's first
// cargo command would otherwise resolve on its way (the worker's toolchain:
// `rustc --print sysroot`, through rustup's proxy), so that it overlaps the
// caller's other work. It is cheap once the toolchain is known.
func WarmUp() {
	toolchainsMu.Lock()
	known := defaultToolchain != nil
	toolchainsMu.Unlock()
	if !known {
		go func() { _, _ = workerToolchain() }()
	}
}

// workerToolchain resolves, once, the toolchain rustup (or the PATH) gives
// this process outside any checkout: RUSTUP_TOOLCHAIN if the operator set
// it, else rustup's default, read from rustup's settings when that is
// certain, else asked of rustc.
func workerToolchain() (toolchain, error) {
	toolchainsMu.Lock()
	defer toolchainsMu.Unlock()
	if defaultToolchain != nil {
		return *defaultToolchain, nil
	}
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		return toolchain{}, fmt.Errorf("find the Rust toolchain: %w", err)
	}
	if tc, ok := rustupDefault(rustc); ok {
		defaultToolchain = &tc
		return tc, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rustc, "--print", "sysroot")
	cmd.Dir = rustupCwd // no toolchain file of any checkout applies
	out, err := cmd.Output()
	if err != nil {
		return toolchain{}, fmt.Errorf("find the Rust toolchain: rustc --print sysroot: %w", err)
	}
	sysroot := strings.TrimSpace(string(out))
	tc := toolchain{sysroot: sysroot, bin: filepath.Join(sysroot, "bin")}
	if _, err := os.Stat(filepath.Join(tc.bin, "cargo")); err != nil {
		// Not a rustup layout: cargo lives beside rustc on the PATH.
		tc.bin = filepath.Dir(rustc)
	}
	if rel, err := filepath.Rel(filepath.Join(rustupHome(), "toolchains"), sysroot); err == nil && !strings.Contains(rel, "/") && rel != ".." {
		tc.name = rel
	}
	defaultToolchain = &tc
	return tc, nil
}

// rustupHome is RUSTUP_HOME, else ~/.rustup.
func rustupHome() string {
	if h := os.Getenv("RUSTUP_HOME"); h != "" {
		return h
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".rustup")
}

// hostTriple takes the host triple off a rustup toolchain name:
// "stable-x86_64-unknown-linux-gnu" → "x86_64-unknown-linux-gnu".
func hostTriple(name string) string {
	for _, arch := range []string{"x86_64-", "aarch64-", "i686-", "armv7-", "riscv64gc-", "powerpc64le-", "s390x-"} {
		if i := strings.Index(name, "-"+arch); i >= 0 {
			return name[i+1:]
		}
	}
	return ""
}

// requestedChannel reads the channel a pull request's rust-toolchain.toml
// (or legacy rust-toolchain) asks for, without following a symlink and
// size-capped; "" when there is none or it is not a plain channel name.
// Everything else in the file (path, components, targets) is ignored.
func requestedChannel(dir string) string {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return ""
	}
	defer root.Close()
	for _, name := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		data, err := readRegular(root, name, maxToolchainFileBytes)
		if err != nil {
			continue
		}
		var f struct {
			Toolchain struct {
				Channel string `toml:"channel"`
			} `toml:"toolchain"`
		}
		ch := ""
		if toml.Unmarshal(data, &f) == nil {
			ch = f.Toolchain.Channel
		} else if name == "rust-toolchain" {
			ch = strings.TrimSpace(string(data)) // legacy: the channel alone
		}
		if channelPattern.MatchString(ch) {
			return ch
		}
		return ""
	}
	return ""
}

// env is what a sandboxed command needs to run this toolchain: PATH with its
// bin first, RUSTC and RUSTUP_TOOLCHAIN pinned, plus the host toolchain's
// read-only mounts.
func (tc toolchain) env() (env, readOnly []string, err error) {
	host, err := sandbox.RustToolchain()
	if err != nil {
		return nil, nil, err
	}
	for _, kv := range host.Env {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "RUSTUP_TOOLCHAIN=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+tc.bin+":"+sandbox.DefaultPath, "RUSTC="+filepath.Join(tc.bin, "rustc"))
	if tc.name != "" {
		env = append(env, "RUSTUP_TOOLCHAIN="+tc.name)
	}
	readOnly = append(readOnly, host.ReadOnly...)
	// A linked (custom) toolchain lives elsewhere than its link: the
	// sandbox mounts where it really is.
	sysroots := []string{tc.sysroot}
	if real, err := filepath.EvalSymlinks(tc.sysroot); err == nil && real != tc.sysroot {
		sysroots = append(sysroots, real)
	}
	for _, sysroot := range sysroots {
		covered := false
		for _, d := range append([]string{"/usr"}, readOnly...) {
			if within(sysroot, d) {
				covered = true
			}
		}
		if !covered {
			readOnly = append(readOnly, sysroot)
		}
	}
	return env, readOnly, nil
}
