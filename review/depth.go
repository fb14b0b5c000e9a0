package review

import (
	"fmt"
	"strings"
)

// The sources of the Rust depth checks' findings (JSON contract).
const (
	// SourceSemver marks a public API break without the version bump it needs.
	SourceSemver Source = "semver"
	// SourceDeps marks a dependency finding: a RustSec advisory, a
	// dependency that needs a newer Rust than the package's rust-version.
	SourceDeps Source = "deps"
)

// The kinds of UnsafeItem.
const (
	UnsafeBlock  = "unsafe block"
	UnsafeFn     = "unsafe fn"
	UnsafeImpl   = "unsafe impl"
	UnsafeTrait  = "unsafe trait"
	UnsafeExtern = "extern block"
)

// UnsafeItem is one piece of unsafe code a pull request adds.
type UnsafeItem struct {
	Path string
	Line int
	// Kind is one of the Unsafe* constants.
	Kind string
	// Name is the fn's or trait's name or the impl's header; "" for blocks.
	Name string
	// Safety is the text of its SAFETY comment (or `# Safety` section);
	// "" when it has none. Untrusted.
	Safety string
}

// The changes of a DepChange.
const (
	DepAdded   = "added"
	DepRemoved = "removed"
	DepUpdated = "updated"
)

// DepChange is one package of Cargo.lock that a pull request adds, removes
// or updates. Every string but Change comes from the lock file or the
// manifests of the head: untrusted.
type DepChange struct {
	Change   string
	Name     string
	Old, New string
	// Source is "crates.io", "registry <url>", "git <url>" or "path".
	Source string
	// Flags say what deserves a look: "build script", "proc macro", "git
	// source", "non-default registry", "duplicate version".
	Flags []string
}

// Depth is what the Rust depth checks report in the summary besides their
// findings. Nil or empty fields render nothing.
type Depth struct {
	// UnsafeChecked is true when the unsafe review ran; Unsafe lists what
	// the pull request adds.
	UnsafeChecked bool
	Unsafe        []UnsafeItem
	// Deps is the Cargo.lock change, in order; empty when there is none.
	Deps []DepChange
	// Notes are the checks' own remarks (a check skipped and why), written
	// by Symposium: trusted Markdown whose untrusted parts are already
	// escaped.
	Notes []string
}

// renderDepth writes the summary sections of the depth checks.
func renderDepth(d *Depth) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	if d.UnsafeChecked && len(d.Unsafe) > 0 {
		fmt.Fprintf(&b, "\n### Unsafe code added\n\n%s added; check each SAFETY argument against the code:\n\n", plural(len(d.Unsafe), "unsafe item"))
		var lines []string
		for _, u := range d.Unsafe {
			s := CodeSpan(fmt.Sprintf("%s:%d", u.Path, u.Line)) + " " + u.Kind
			if u.Name != "" {
				s += " " + CodeSpan(u.Name)
			}
			if u.Safety == "" {
				s += ": **no SAFETY comment**"
			} else {
				s += ": SAFETY: " + EscapeText(u.Safety)
			}
			lines = append(lines, s)
		}
		writeList(&b, lines)
	}
	if len(d.Deps) > 0 {
		b.WriteString("\n### Dependency changes (Cargo.lock)\n\n| change | package | version | source | flags |\n|---|---|---|---|---|\n")
		for i, c := range d.Deps {
			if i == summaryListLimit {
				fmt.Fprintf(&b, "\n… and %d more packages.\n", len(d.Deps)-i)
				break
			}
			version := tableCode(c.New)
			switch c.Change {
			case DepRemoved:
				version = tableCode(c.Old)
			case DepUpdated:
				version = tableCode(c.Old) + " → " + tableCode(c.New)
			}
			flags := make([]string, len(c.Flags))
			for i, f := range c.Flags {
				flags[i] = "**" + f + "**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.Change, tableCode(c.Name), version, tableCode(c.Source), strings.Join(flags, ", "))
		}
	}
	if len(d.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range d.Notes {
			fmt.Fprintf(&b, "> [!NOTE]\n> %s\n\n", oneLine(n))
		}
	}
	return b.String()
}

// tableCode renders untrusted text as a code span fit for a table cell.
func tableCode(s string) string {
	if s == "" {
		return ""
	}
	return strings.ReplaceAll(CodeSpan(s), "|", `\|`)
}

// UnsafeListForPrompt renders the unsafe items for the agent's prompt, one
// per line; the Safety texts are untrusted and the caller wraps the list
// as such.
func UnsafeListForPrompt(items []UnsafeItem) string {
	var b strings.Builder
	for _, u := range items {
		fmt.Fprintf(&b, "- %s:%d %s", u.Path, u.Line, u.Kind)
		if u.Name != "" {
			fmt.Fprintf(&b, " %s", u.Name)
		}
		if u.Safety == "" {
			b.WriteString(": no SAFETY comment\n")
		} else {
			fmt.Fprintf(&b, ": SAFETY: %s\n", u.Safety)
		}
	}
	return b.String()
}
