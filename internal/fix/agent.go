package fix

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/safefs"
	"github.com/symposium-dev/symposium/review"
)

// Patch is one verified change from an agent: either a unified diff
// against the head (Diff), or whole head lines StartLine..EndLine of Path
// replaced by Text (a suggestion).
type Patch struct {
	Description string
	Diff        string

	Path               string
	StartLine, EndLine int
	Text               string
}

// PatchInput is what a PatchSource is given.
type PatchInput struct {
	// Dir is the head's work tree; a source must not write there.
	Dir string
	// Diff is the pull request's unified diff (merge base to head).
	Diff string
	// Findings are clippy's diagnostics on the head.
	Findings []review.Diagnostic
	// Check runs the review engine's sandboxed cargo clippy on a directory.
	Check agent.Checker
}

// PatchSource supplies patches the pipeline applies before clippy's fixes
// and rustfmt. Patches must already be verified (they apply to the head and
// add no compile error); the pipeline still verifies the whole result.
type PatchSource interface {
	Patches(ctx context.Context, in PatchInput) ([]Patch, error)
}

// AgentPatches is the PatchSource of a configured agent: it runs
// agent.Augment, which verifies every patch in a scratch copy of the head,
// and returns the verified patches and suggestions.
type AgentPatches struct {
	Agent   agent.Agent
	Backend string
	// Title, Body and Instructions are the pull request's (untrusted) and
	// the repository's instructions.
	Title, Body, Instructions string
}

// Patches asks the agent and returns every patch it verified (as diffs,
// whether or not the review would show it as a suggestion). An unavailable
// agent gives no patches.
func (a AgentPatches) Patches(ctx context.Context, in PatchInput) ([]Patch, error) {
	headFile := func(p string) ([]byte, bool) {
		b, ok, err := readFile(in.Dir, p)
		return b, ok && err == nil
	}
	res, err := agent.Augment(ctx, a.Agent, agent.AugmentInput{
		Request: agent.Request{Title: a.Title, Body: a.Body, Diff: in.Diff, Findings: in.Findings,
			Instructions: a.Instructions, HeadFile: headFile},
		Backend: a.Backend, HeadDir: in.Dir, Check: in.Check, Baseline: in.Findings,
	})
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var out []Patch
	for _, p := range res.Verified {
		out = append(out, Patch{Description: p.Description, Diff: p.Diff})
	}
	return out, nil
}

// applyPatches asks the PatchSource and applies what it returns to the
// current bytes; a patch that no longer applies or touches a file fixes may
// not change is skipped with a note. It returns how many applied.
func (p *pipeline) applyPatches(ctx context.Context, findings []review.Diagnostic) (int, error) {
	diff, err := git(ctx, p.req.Dir, nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv",
		"--src-prefix=a/", "--dst-prefix=b/", p.res.MergeBase, p.res.HeadSHA, "--")
	if err != nil {
		return 0, fmt.Errorf("fix: diff of the pull request: %w", err)
	}
	// The agent reads (and copies, to verify its patches) a fresh copy of
	// the head, not what the first check's build left.
	if err := p.sync(ctx); err != nil {
		return 0, err
	}
	// The agent's scratch copies are its own: the read-only mounts of ours
	// do not apply there.
	copts := p.copts
	copts.Runner = p.req.Runner
	patches, err := p.req.Patches.Patches(ctx, PatchInput{
		Dir: p.scratch, Diff: string(diff), Findings: findings,
		Check: func(ctx context.Context, dir string) ([]review.Diagnostic, error) {
			return cargo.Clippy(ctx, dir, copts)
		},
	})
	if err != nil {
		p.res.Notes = append(p.res.Notes, "The agent's patches were not applied: "+err.Error())
		return 0, nil
	}
	applied := 0
	for _, patch := range patches {
		desc := patch.Description
		if desc == "" {
			desc = "agent patch"
		}
		desc = truncate(desc, 80)
		files, err := p.applyPatch(ctx, patch)
		if err != nil {
			p.res.Notes = append(p.res.Notes, fmt.Sprintf("The agent's patch %q was skipped: %v", desc, err))
			continue
		}
		applied++
		for _, f := range files {
			p.fixes = append(p.fixes, Fix{Source: review.SourceAgent, Rule: desc, Path: f, Count: 1})
		}
	}
	return applied, nil
}

// applyPatch applies one patch to the current bytes, all or nothing, and
// returns the files it changed. A diff is applied by git apply in a private
// directory holding only our bytes of the files it names.
func (p *pipeline) applyPatch(ctx context.Context, patch Patch) ([]string, error) {
	if patch.Diff == "" {
		if !slices.Contains(p.files, patch.Path) {
			return nil, fmt.Errorf("%s is not a file fixes may change", patch.Path)
		}
		edit := review.Edit{Span: review.Span{Path: patch.Path, LineStart: patch.StartLine, LineEnd: patch.EndLine}, Replacement: patch.Text}
		out, err := applyLineEdits(p.cur[patch.Path], []review.Edit{edit})
		if err != nil {
			return nil, err
		}
		p.cur[patch.Path] = out
		return []string{patch.Path}, nil
	}
	tmp, err := os.MkdirTemp("", "symposium-patch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	text := patch.Diff
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	patchFile := filepath.Join(tmp, "patch.diff")
	if err := os.WriteFile(patchFile, []byte(text), 0o600); err != nil {
		return nil, err
	}
	work := filepath.Join(tmp, "files")
	if err := os.Mkdir(work, 0o700); err != nil {
		return nil, err
	}
	env := []string{"GIT_CEILING_DIRECTORIES=" + tmp}
	flags := []string{"--recount", "--unidiff-zero"}
	out, err := git(ctx, work, env, append(append([]string{"apply", "--numstat", "-z"}, flags...), patchFile)...)
	if err != nil {
		return nil, fmt.Errorf("it does not parse: %w", err)
	}
	var files []string
	for _, rec := range lines(out) {
		fields := strings.Split(rec, "\t")
		f := fields[len(fields)-1]
		if !slices.Contains(p.files, f) {
			return nil, fmt.Errorf("it touches %s, not a file fixes may change", f)
		}
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	for _, f := range files {
		if err := safefs.WriteFile(work, f, p.cur[f], 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := git(ctx, work, env, append(append([]string{"apply"}, flags...), patchFile)...); err != nil {
		return nil, fmt.Errorf("it no longer applies: %w", err)
	}
	next := map[string][]byte{}
	for _, f := range files {
		b, err := safefs.ReadFile(work, f)
		if err != nil {
			return nil, fmt.Errorf("it does not leave %s a regular file: %w", f, err)
		}
		next[f] = b
	}
	maps.Copy(p.cur, next)
	return files, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
