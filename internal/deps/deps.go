package deps

import (
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"

	"github.com/symposium-dev/symposium/internal/advisory"
	"github.com/symposium-dev/symposium/internal/cargover"
	"github.com/symposium-dev/symposium/review"
)

// The rule of a dependency that needs a newer Rust than the package.
const RuleRustVersion = "rust-version"

// Input is what Check reviews.
type Input struct {
	// BaseLock and HeadLock are the lock files (nil: none in that revision).
	BaseLock, HeadLock []byte
	// Graph is the head's cargo metadata; nil when it could not be had
	// (then there are no build-script/proc-macro flags and no MSRV check).
	Graph *Graph
	// Diff and HeadFile locate the manifest lines that bring a package in.
	Diff     *review.Diff
	HeadFile func(string) ([]byte, bool)
	// DB matches advisories when not nil.
	DB *advisory.DB
	// MSRV checks dependencies' rust-version.
	MSRV bool
}

// Output is what Check found.
type Output struct {
	Changes     []review.DepChange
	Diagnostics []review.Diagnostic
	// Notes say what could not be checked.
	Notes []string
}

// Check compares the lock files and reviews what changed.
func Check(in Input) (Output, error) {
	base, err := ParseLock(in.BaseLock)
	if err != nil {
		return Output{}, fmt.Errorf("base %w", err)
	}
	head, err := ParseLock(in.HeadLock)
	if err != nil {
		return Output{}, fmt.Errorf("head %w", err)
	}
	out := Output{Changes: Diff(base, head)}
	loc := newLocator(in)
	for i := range out.Changes {
		c := &out.Changes[i]
		if c.Change == review.DepAdded && in.Graph != nil {
			if p, ok := in.Graph.find(c.Name, c.New); ok {
				if p.hasKind("custom-build") {
					c.Flags = append(c.Flags, "build script")
				}
				if p.hasKind("proc-macro") {
					c.Flags = append(c.Flags, "proc macro")
				}
			}
		}
	}
	for _, c := range out.Changes {
		if c.Change == review.DepRemoved {
			continue
		}
		if in.DB != nil {
			out.Diagnostics = append(out.Diagnostics, advisories(in.DB, c, loc)...)
		}
	}
	if in.MSRV && in.Graph != nil {
		out.Diagnostics = append(out.Diagnostics, rustVersions(in.Graph, out.Changes, loc)...)
	}
	return out, nil
}

// advisories returns a finding per advisory affecting the change's new
// version.
func advisories(db *advisory.DB, c review.DepChange, loc *locator) []review.Diagnostic {
	v, err := cargover.Parse(c.New)
	if err != nil {
		return nil
	}
	found, err := db.For(c.Name, v)
	if err != nil {
		slog.Warn("advisory database", "package", c.Name, "err", err)
	}
	var out []review.Diagnostic
	for _, a := range found {
		sev, kind := review.SeverityWarning, "a vulnerability"
		if a.Informational != "" {
			sev, kind = review.SeverityNote, "an informational advisory ("+a.Informational+")"
		}
		patched := "no patched version"
		if len(a.Patched) > 0 {
			patched = "patched: " + review.CodeSpan(a.PatchedText())
		}
		msg := fmt.Sprintf("%s %s is affected by %s %s: %s (%s)", review.CodeSpan(c.Name), review.CodeSpan(c.New),
			kind, a.ID, oneLineTitle(a.Title), patched)
		out = append(out, loc.diagnostic(c.Name, a.ID, sev, msg))
	}
	return out
}

// rustVersions reports new or updated packages that need a newer Rust than
// a workspace member depending on them declares.
func rustVersions(g *Graph, changes []review.DepChange, loc *locator) []review.Diagnostic {
	edges := g.edges()
	var out []review.Diagnostic
	for _, memberID := range g.Members {
		m, ok := g.byID(memberID)
		if !ok || m.RustVersion == "" {
			continue
		}
		mv, err := cargover.ParseRustVersion(m.RustVersion)
		if err != nil {
			continue
		}
		reach := closure(edges, memberID)
		for _, c := range changes {
			if c.Change == review.DepRemoved {
				continue
			}
			p, ok := g.find(c.Name, c.New)
			if !ok || !reach[p.ID] || p.ID == memberID || p.RustVersion == "" {
				continue
			}
			pv, err := cargover.ParseRustVersion(p.RustVersion)
			if err != nil || cargover.Compare(pv, mv) <= 0 {
				continue
			}
			msg := fmt.Sprintf("%s %s needs Rust %s (its rust-version), newer than the rust-version %s of %s: builds on the declared MSRV will fail",
				review.CodeSpan(c.Name), review.CodeSpan(c.New), review.CodeSpan(p.RustVersion), review.CodeSpan(m.RustVersion), review.CodeSpan(m.Name))
			out = append(out, loc.diagnostic(c.Name, RuleRustVersion, review.SeverityWarning, msg))
		}
	}
	return out
}

// depLine is an added manifest line that names a dependency.
type depLine struct {
	path string
	line int
	pkg  string // the package it names (after `package = "…"` renames)
}

// locator finds the manifest line that brings a package in.
type locator struct {
	lines []depLine
	graph *Graph
}

var (
	depKeyRE     = regexp.MustCompile(`^\s*"?([A-Za-z0-9_-]+)"?\s*(=|\.)`)
	depTableRE   = regexp.MustCompile(`^\s*\[\s*(?:.*\.)?(?:dev-|build-)?dependencies\.\s*"?([A-Za-z0-9_-]+)"?\s*\]`)
	packageKeyRE = regexp.MustCompile(`package\s*=\s*"([A-Za-z0-9_-]+)"`)
	sectionRE    = regexp.MustCompile(`^\s*\[([^\]]*)\]`)
)

func isDepSection(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, "dependencies") && (s == "dependencies" || s == "dev-dependencies" || s == "build-dependencies" || strings.HasSuffix(s, ".dependencies") || strings.HasSuffix(s, ".dev-dependencies") || strings.HasSuffix(s, ".build-dependencies"))
}

func newLocator(in Input) *locator {
	l := &locator{graph: in.Graph}
	if in.Diff == nil || in.HeadFile == nil {
		return l
	}
	for _, f := range in.Diff.Files {
		if f.IsDelete || (f.NewPath != "Cargo.toml" && !strings.HasSuffix(f.NewPath, "/Cargo.toml")) {
			continue
		}
		src, ok := in.HeadFile(f.NewPath)
		if !ok {
			continue
		}
		section := ""
		for i, text := range strings.Split(string(src), "\n") {
			n := i + 1
			if m := depTableRE.FindStringSubmatch(text); m != nil {
				section = "dep-table"
				if f.IsAdded(n) {
					l.lines = append(l.lines, depLine{path: f.NewPath, line: n, pkg: m[1]})
				}
				continue
			}
			if m := sectionRE.FindStringSubmatch(text); m != nil {
				section = m[1]
				continue
			}
			if !f.IsAdded(n) || !isDepSection(section) {
				continue
			}
			if m := depKeyRE.FindStringSubmatch(text); m != nil {
				pkg := m[1]
				if r := packageKeyRE.FindStringSubmatch(text); r != nil {
					pkg = r[1]
				}
				l.lines = append(l.lines, depLine{path: f.NewPath, line: n, pkg: pkg})
			}
		}
	}
	sort.Slice(l.lines, func(i, j int) bool {
		if l.lines[i].path != l.lines[j].path {
			return l.lines[i].path < l.lines[j].path
		}
		return l.lines[i].line < l.lines[j].line
	})
	return l
}

// find returns the added line naming pkg, or else the added line of a
// direct dependency that pulls pkg in.
func (l *locator) find(pkg string) (depLine, bool) {
	for _, d := range l.lines {
		if d.pkg == pkg {
			return d, true
		}
	}
	if l.graph == nil {
		return depLine{}, false
	}
	edges := l.graph.edges()
	for _, d := range l.lines {
		for _, p := range l.graph.Packages {
			if p.Name != d.pkg {
				continue
			}
			for id := range closure(edges, p.ID) {
				if q, ok := l.graph.byID(id); ok && q.Name == pkg {
					return d, true
				}
			}
		}
	}
	return depLine{}, false
}

// diagnostic places a finding on the line that brings pkg in, or leaves it
// without a location (the summary lists it).
func (l *locator) diagnostic(pkg, rule string, sev review.Severity, msg string) review.Diagnostic {
	d := review.Diagnostic{Source: review.SourceDeps, Rule: rule, Severity: sev, Message: msg}
	if at, ok := l.find(pkg); ok {
		d.Spans = []review.Span{{Path: at.path, LineStart: at.line, LineEnd: at.line, ColumnStart: 1, ColumnEnd: 1, Primary: true}}
	}
	return d
}

// oneLineTitle is an advisory's title on one line. It stays raw text, like
// every diagnostic's message: what renders it for GitHub escapes it once.
func oneLineTitle(s string) string { return strings.Join(strings.Fields(s), " ") }
