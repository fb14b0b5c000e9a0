package skills

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargo"
)

// EnvDirs is the environment variable of the operator's skill directories.
const EnvDirs = "SYMPOSIUM_SKILLS"

// DirsFromEnv splits SYMPOSIUM_SKILLS (colon-separated) read through getenv.
func DirsFromEnv(getenv func(string) string) []string {
	var dirs []string
	for d := range strings.SplitSeq(getenv(EnvDirs), ":") {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Checkout is a head tree whose dependencies were fetched, and the
// repository's trusted revision.
type Checkout struct {
	// Dir is the head tree (cargo metadata runs there, in the sandbox).
	Dir string
	// RepoDir and Base: the repository and its base revision.
	RepoDir, Base string
	// Cargo runs cargo metadata; its cargo home holds the sources.
	Cargo cargo.Options
	// OperatorDirs are the operator's skill directories.
	OperatorDirs []string
}

// CargoHome is the cargo home cargo runs with: Cargo.CargoHome, by default
// TargetDir/cargo-home.
func (c Checkout) CargoHome() string {
	if c.Cargo.CargoHome != "" {
		return c.Cargo.CargoHome
	}
	return filepath.Join(c.Cargo.TargetDir, "cargo-home")
}

// SourceRoots are the directories of the cargo home that hold dependency
// sources (registry/src, git/checkouts), symlinks resolved.
func (c Checkout) SourceRoots() []string {
	home := realPath(c.CargoHome())
	return []string{filepath.Join(home, "registry", "src"), filepath.Join(home, "git", "checkouts")}
}

// realPath makes p absolute with symlinks resolved, as far as it can.
func realPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return p
}

// Load reads the workspace with cargo metadata and discovers its skills.
func Load(ctx context.Context, c Checkout) (Workspace, Set, error) {
	ws, err := LoadWorkspace(ctx, c.Dir, c.Cargo)
	if err != nil {
		return Workspace{}, Set{}, err
	}
	set, err := Discover(ctx, Input{
		Workspace: ws, CheckoutDir: realPath(c.Dir), RepoDir: c.RepoDir, Base: c.Base,
		SourceRoots: c.SourceRoots(), OperatorDirs: c.OperatorDirs,
	})
	return ws, set, err
}

// ReadAtBase reads file p of the repository at its base revision: a
// regular file, at most MaxFileBytes; false when it is not there.
func ReadAtBase(ctx context.Context, repoDir, base, p string) ([]byte, bool, error) {
	b, err := gitTree{repo: repoDir, rev: base}.readFile(ctx, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotRegular) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return b, true, nil
}

// InstructionFiles are the repository's instructions for agents, read at
// the base revision, in this order.
var InstructionFiles = []string{"AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md"}

// maxInstructionBytes caps each instruction file in the prompt.
const maxInstructionBytes = 8 << 10

// RepositoryInstructions returns the maintainers' instruction files at the
// base revision, each under a line naming it, cut at 8 KiB each; "" when
// there are none.
func RepositoryInstructions(ctx context.Context, repoDir, base string) (string, error) {
	var b strings.Builder
	for _, name := range InstructionFiles {
		data, ok, err := ReadAtBase(ctx, repoDir, base, name)
		if err != nil {
			return "", fmt.Errorf("skills: %s at %s: %w", name, base, err)
		}
		text := strings.TrimSpace(string(data))
		if !ok || text == "" {
			continue
		}
		if len(text) > maxInstructionBytes {
			text = text[:maxInstructionBytes] + "…(cut)"
		}
		fmt.Fprintf(&b, "From %s:\n%s\n", name, text)
	}
	return b.String(), nil
}
