package cargo

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// maxRustupSettingsBytes caps the read of rustup's settings.toml.
const maxRustupSettingsBytes = 64 << 10

// rustupCwd is where the worker's toolchain commands run (cmd.Dir in
// workerToolchain): rustup would look there for a toolchain file.
var rustupCwd = "/"

// rustupSettings is what rustupDefault reads of rustup's settings.toml.
type rustupSettings struct {
	DefaultToolchain  string            `toml:"default_toolchain"`
	DefaultHostTriple string            `toml:"default_host_triple"`
	Overrides         map[string]string `toml:"overrides"`
}

// rustupDefault resolves, without running anything, the toolchain that
// `rustc` on the PATH would run in "/": rustup's proxy, resolving
// RUSTUP_TOOLCHAIN, else settings.toml's default_toolchain, to an installed
// toolchain. Asking `rustc --print sysroot` costs a rustup start and a
// rustc start (tens of milliseconds of CPU) on every `symposium review`.
// ok is false whenever the answer is not certain — rustc is not rustup's
// proxy, a directory override or a toolchain file could apply to "/", the
// name is a path or is not installed — and the caller then asks rustc.
func rustupDefault(rustc string) (_ toolchain, ok bool) {
	proxy, err := os.Stat(rustc)
	if err != nil {
		return toolchain{}, false
	}
	if rustup, err := os.Stat(filepath.Join(filepath.Dir(rustc), "rustup")); err != nil || !os.SameFile(proxy, rustup) {
		return toolchain{}, false
	}
	home := rustupHome()
	var settings rustupSettings
	if data, err := readCapped(filepath.Join(home, "settings.toml"), maxRustupSettingsBytes); err == nil {
		if toml.Unmarshal(data, &settings) != nil {
			return toolchain{}, false
		}
	} else if !os.IsNotExist(err) {
		return toolchain{}, false
	}
	name := os.Getenv("RUSTUP_TOOLCHAIN")
	if name == "" {
		// Below the environment, rustup looks at "/"'s override and
		// toolchain files before its default.
		if _, found := settings.Overrides[rustupCwd]; found {
			return toolchain{}, false
		}
		for _, f := range []string{"rust-toolchain", "rust-toolchain.toml"} {
			if _, err := os.Lstat(filepath.Join(rustupCwd, f)); !os.IsNotExist(err) {
				return toolchain{}, false
			}
		}
		name = settings.DefaultToolchain
	}
	if !channelPattern.MatchString(name) {
		return toolchain{}, false // none, or a path to a custom toolchain
	}
	names := []string{name}
	if settings.DefaultHostTriple != "" && !strings.HasSuffix(name, "-"+settings.DefaultHostTriple) {
		names = append(names, name+"-"+settings.DefaultHostTriple)
	}
	for _, n := range names {
		sysroot := filepath.Join(home, "toolchains", n)
		if fi, err := os.Lstat(sysroot); err != nil || !fi.IsDir() {
			// Absent, or a linked custom toolchain: rustc names its real
			// directory, which the sandbox must mount.
			continue
		}
		bin := filepath.Join(sysroot, "bin")
		if regularFile(filepath.Join(bin, "rustc")) && regularFile(filepath.Join(bin, "cargo")) {
			return toolchain{name: n, bin: bin, sysroot: sysroot}, true
		}
	}
	return toolchain{}, false
}

// readCapped reads a host file of at most limit bytes.
func readCapped(name string, limit int64) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, os.ErrInvalid
	}
	return os.ReadFile(name)
}

// regularFile reports whether name is a regular file (links followed: a
// toolchain is the operator's, not a pull request's).
func regularFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}
