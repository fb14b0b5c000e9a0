package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Toolchain is what a command needs to run the host's Rust toolchain inside
// the sandbox: directories to mount read-only and environment entries.
type Toolchain struct {
	// ReadOnly lists the toolchain's host directories (rustup's home and the
	// directory holding cargo), to add to Command.ReadOnly.
	ReadOnly []string
	// Env holds PATH (toolchain first) and RUSTUP_HOME/RUSTUP_TOOLCHAIN when
	// rustup manages the toolchain, to add to Command.Env.
	Env []string
	// BinDir is the directory holding cargo.
	BinDir string
}

// RustToolchain finds the host's Rust toolchain from this process's
// environment (PATH, RUSTUP_HOME, CARGO_HOME, HOME). Only the toolchain is
// exposed, never the rest of CARGO_HOME: it may hold registry credentials.
func RustToolchain() (Toolchain, error) {
	cargo, err := exec.LookPath("cargo")
	if err != nil {
		return Toolchain{}, fmt.Errorf("sandbox: find the Rust toolchain: %w", err)
	}
	cargo, err = filepath.Abs(cargo)
	if err != nil {
		return Toolchain{}, fmt.Errorf("sandbox: find the Rust toolchain: %w", err)
	}
	tc := Toolchain{BinDir: filepath.Dir(cargo)}
	tc.ReadOnly = append(tc.ReadOnly, tc.BinDir)
	tc.Env = append(tc.Env, "PATH="+tc.BinDir+":"+DefaultPath)

	rustupHome := os.Getenv("RUSTUP_HOME")
	if rustupHome == "" {
		if home, err := os.UserHomeDir(); err == nil {
			rustupHome = filepath.Join(home, ".rustup")
		}
	}
	if fi, err := os.Stat(rustupHome); err == nil && fi.IsDir() {
		tc.ReadOnly = append(tc.ReadOnly, rustupHome)
		tc.Env = append(tc.Env, "RUSTUP_HOME="+rustupHome)
		if t := os.Getenv("RUSTUP_TOOLCHAIN"); t != "" {
			tc.Env = append(tc.Env, "RUSTUP_TOOLCHAIN="+t)
		}
	}
	return tc, nil
}
