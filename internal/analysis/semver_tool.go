package analysis

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/semvercheck"
	"github.com/symposium-dev/symposium/review"
)

// semverTool returns cargo-semver-checks when `[semver] tool` allows it and
// the worker has it. A repository that asks for the tool on a worker
// without it gets a note: rustdoc's comparison is used instead.
func semverTool(cfg *config.Repo, depth *review.Depth) (string, bool) {
	choice := cfg.SemverTool()
	if choice == config.SemverToolRustdoc {
		return "", false
	}
	tool, ok := cargo.SemverChecksTool()
	if !ok && choice == config.SemverToolSemverChecks {
		depth.Notes = append(depth.Notes, "Semver check: `[semver] tool` asks for cargo-semver-checks, which the worker does not have; rustdoc's JSON comparison is used instead.")
	}
	return tool, ok
}

// toolCheck runs cargo-semver-checks on package m, head against the base,
// and returns its finding (nil when the version change covers every
// change, or the package is new). The base is given as its rustdoc JSON,
// cached per base revision (toolBaselineFor), when it can be; else, or
// when the tool does not take that file, as the exported base tree, which
// the tool documents itself. reason is non-empty, and ready for the
// summary, when the tool did not check the package: the caller falls back
// to rustdoc's comparison.
func toolCheck(ctx context.Context, in depthInput, m libPackage, tool string, base **baseTree) (d *review.Diagnostic, reason string) {
	if bl, ok := toolBaselineFor(ctx, in, m, tool, base); ok {
		if bl.missing {
			return nil, "" // a new package: nothing to break
		}
		d, reason := runTool(ctx, in, m, tool, cargo.SemverBase{Rustdoc: bl.json}, bl.version, bl.root)
		if reason == "" {
			return d, ""
		}
		// Whatever the cause, the file is not trusted again: the tool
		// documents the base itself, and the next review documents it anew.
		slog.WarnContext(ctx, "semver check: cargo-semver-checks failed on the cached baseline; documenting the base tree instead",
			"package", m.name, "reason", reason)
		bl.remove()
	}
	b, err := exportBase(ctx, in, base)
	if err != nil {
		slog.WarnContext(ctx, "semver check: base", "package", m.name, "err", err)
		return nil, "the base could not be exported"
	}
	bm, ok := b.member(m.name)
	if !ok {
		return nil, "" // a new package: nothing to break
	}
	return runTool(ctx, in, m, tool, cargo.SemverBase{Root: b.dir}, bm.version, b.dir)
}

// runTool runs cargo-semver-checks on package m against base, whose
// version is baseVersion and whose files were at baseDir when documented,
// and maps its report to a finding, as toolCheck returns it.
func runTool(ctx context.Context, in depthInput, m libPackage, tool string, base cargo.SemverBase, baseVersion, baseDir string) (d *review.Diagnostic, reason string) {
	res, err := cargo.SemverChecks(ctx, tool, in.src, base, m.name, semverOptions(in.copts))
	if err != nil {
		slog.WarnContext(ctx, "semver check: cargo-semver-checks", "package", m.name, "err", err)
		return nil, "it could not run"
	}
	if res.Truncated {
		return nil, "its output was too long"
	}
	rep, err := semvercheck.ParseToolOutput(res.Stdout, res.Stderr, res.ExitCode)
	if err != nil {
		slog.WarnContext(ctx, "semver check: cargo-semver-checks", "package", m.name, "err", err)
		var te *semvercheck.ToolError
		if errors.As(err, &te) {
			return nil, review.CodeSpan(trimPaths(te.Line, in.src, baseDir))
		}
		return nil, "its output could not be read"
	}
	v, err := semvercheck.ToolVerdict(rep, baseVersion)
	if err != nil {
		slog.WarnContext(ctx, "semver check: cargo-semver-checks", "package", m.name, "err", err)
		return nil, "the base version could not be read"
	}
	if v.OK {
		return nil, ""
	}
	msg := semvercheck.ToolMessage(rep, v, m.name, baseVersion, m.version, func(s string) string { return trimPaths(s, in.src, baseDir) })
	diag := semverDiagnostic(in, m, msg)
	return &diag, ""
}

// trimPaths makes the paths of the head and base checkouts in the tool's
// text relative to their workspace roots.
func trimPaths(s string, dirs ...string) string {
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			s = strings.ReplaceAll(s, abs+"/", "")
		}
	}
	return s
}
