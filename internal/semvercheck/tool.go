package semvercheck

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/symposium-dev/symposium/internal/cargover"
	"github.com/symposium-dev/symposium/review"
)

// The text output of `cargo semver-checks check-release` (the tool has no
// machine-readable output: its issue #6, "Export findings in
// machine-readable format", is open). As its src/check_release.rs prints it
// and its test_outputs/*.snap snapshots record it, with `--color=never`:
//
//	stdout, per failed lint:
//	  --- failure function_missing: pub fn removed or renamed ---
//	  Description:
//	  A publicly-visible function cannot be imported by its prior path. …
//	          ref: https://doc.rust-lang.org/cargo/reference/semver.html#item-remove
//	         impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.43.0/src/lints/function_missing.ron
//	  Failed in:
//	    function mylib::old_api, previously in file /base/src/lib.rs:3
//	(a lint at warn level prints "--- warning <id>: <name> ---" instead and
//	does not fail);
//	stderr: "Checking <crate> v<base> -> v<head> (<change>)", with
//	`--verbose` one "FAIL [   0.003s]       major        <id>" line per failed
//	lint, then "Summary semver requires new major version: 1 major and 0
//	minor checks failed" or "Summary no semver update required".
//
// The exit status is 0 when the version change covers every change, and 1
// both when it does not and when the tool could not run ("error: …" on
// stderr, no failure): the text tells them apart.

// ToolLint is one lint cargo-semver-checks failed.
type ToolLint struct {
	// ID is the lint's id ("function_missing"); Name its short description
	// ("pub fn removed or renamed").
	ID, Name string
	// Level is the release the lint requires: "major" (a breaking change),
	// "minor", or "" when the output did not say.
	Level string
	// Items are the "Failed in:" lines: the items and where they are.
	Items []string
}

// ToolReport is what cargo-semver-checks said about one package.
type ToolReport struct {
	// Crate, BaseVersion and HeadVersion come from its "Checking" line;
	// empty when it printed none.
	Crate, BaseVersion, HeadVersion string
	// Lints are the failed lints, in the tool's order; none when the version
	// change covers everything.
	Lints []ToolLint
	// Required is "major" or "minor" (the tool's summary), "" without
	// failures.
	Required string
}

// ErrToolFailed is what a ToolError is: the tool did not check the package
// (it failed to build a crate's rustdoc, found no package, does not read
// the toolchain's rustdoc format…).
var ErrToolFailed = errors.New("cargo-semver-checks failed")

// ToolError is a run of cargo-semver-checks that checked nothing.
type ToolError struct {
	// Exit is the tool's exit status.
	Exit int
	// Line is its first error line, shortened: untrusted text.
	Line string
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("%v (exit %d): %s", ErrToolFailed, e.Exit, e.Line)
}

// Is makes a ToolError match ErrToolFailed.
func (e *ToolError) Is(target error) bool { return target == ErrToolFailed }

var (
	ansiRE     = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
	lintHeadRE = regexp.MustCompile(`^--- (failure|warning) ([A-Za-z0-9_]{1,100}): (.*) ---$`)
	checkingRE = regexp.MustCompile(`^\s*Checking (\S+) v(\S+) -> v(\S+) \(`)
	verboseRE  = regexp.MustCompile(`^\s*FAIL \[\s*[0-9.]+s\]\s+(major|minor)\s+([A-Za-z0-9_]{1,100})\s*$`)
	summaryRE  = regexp.MustCompile(`^\s*Summary semver requires new (major|minor) version`)
	idRE       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)
)

// ParseToolOutput reads the output of one `cargo semver-checks
// check-release --color=never --verbose` run. A run that checked nothing
// is a *ToolError with the tool's first error line.
func ParseToolOutput(stdout, stderr []byte, exitCode int) (*ToolReport, error) {
	out := lines(stdout)
	errLines := lines(stderr)
	rep := &ToolReport{}
	levels := map[string]string{}
	for _, l := range errLines {
		if m := checkingRE.FindStringSubmatch(l); m != nil && rep.Crate == "" {
			rep.Crate, rep.BaseVersion, rep.HeadVersion = m[1], m[2], m[3]
		}
		if m := verboseRE.FindStringSubmatch(l); m != nil {
			levels[m[2]] = m[1]
		}
		if m := summaryRE.FindStringSubmatch(l); m != nil {
			rep.Required = m[1]
		}
	}
	var cur *ToolLint
	inItems, inJSON := false, false
	for _, l := range out {
		if m := lintHeadRE.FindStringSubmatch(l); m != nil {
			cur, inItems, inJSON = nil, false, false
			if m[1] == "failure" && idRE.MatchString(m[2]) {
				rep.Lints = append(rep.Lints, ToolLint{ID: m[2], Name: strings.TrimSpace(m[3]), Level: levels[m[2]]})
				cur = &rep.Lints[len(rep.Lints)-1]
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch t := strings.TrimSpace(l); {
		case t == "Failed in:":
			inItems = true
		case !inItems || t == "":
		case inJSON || t == "{":
			// A lint without a message template prints each result as a
			// JSON object: kept as one item, its lines joined.
			if t == "{" {
				cur.Items = append(cur.Items, "")
			}
			inJSON = t != "}"
			cur.Items[len(cur.Items)-1] = strings.TrimSpace(cur.Items[len(cur.Items)-1] + " " + t)
		case strings.HasPrefix(l, "  "):
			cur.Items = append(cur.Items, t)
		}
	}
	switch {
	case exitCode == 0 && len(rep.Lints) == 0:
		rep.Required = ""
		return rep, nil
	case exitCode == 1 && len(rep.Lints) > 0 && rep.Required != "" && !hasFatal(errLines):
		return rep, nil
	case exitCode == 1 && len(rep.Lints) > 0 && rep.Required == "" && !hasFatal(errLines):
		// No summary line (an older or newer wording): the lints' own
		// levels, else a breaking change.
		rep.Required = "minor"
		for _, l := range rep.Lints {
			if l.Level != "minor" {
				rep.Required = "major"
			}
		}
		return rep, nil
	}
	return nil, &ToolError{Exit: exitCode, Line: firstErrorLine(errLines)}
}

// lines splits output into lines without colour codes or carriage returns.
func lines(b []byte) []string {
	b = bytes.ReplaceAll(b, []byte("\r"), nil)
	return strings.Split(ansiRE.ReplaceAllString(string(b), ""), "\n")
}

// hasFatal reports an "error:" line: the tool stopped before the summary.
func hasFatal(errLines []string) bool {
	for _, l := range errLines {
		if strings.HasPrefix(l, "error:") || strings.HasPrefix(l, "error[") {
			return true
		}
	}
	return false
}

// maxErrorLine bounds the error line quoted in a note.
const maxErrorLine = 200

// firstErrorLine returns the tool's first "error:" line (or its last line),
// shortened; it is untrusted text for the caller to escape.
func firstErrorLine(errLines []string) string {
	line := ""
	for _, l := range errLines {
		if strings.HasPrefix(l, "error") {
			line = l
			break
		}
	}
	if line == "" {
		for i := len(errLines) - 1; i >= 0 && line == ""; i-- {
			line = strings.TrimSpace(errLines[i])
		}
	}
	if line == "" {
		return "no output"
	}
	if r := []rune(line); len(r) > maxErrorLine {
		line = string(r[:maxErrorLine]) + "…"
	}
	return line
}

// ToolVerdict compares what the tool found with the version change
// baseVersion → headVersion, as Judge does for the rustdoc comparison. The
// tool reports only what the version change does not cover; the bump it
// asks for is the breaking one (Cargo's rules: for 0.x the minor) for a
// major-level lint, else the next compatible release with new API.
func ToolVerdict(rep *ToolReport, baseVersion string) (Verdict, error) {
	v := Verdict{OK: true}
	if len(rep.Lints) == 0 {
		return v, nil
	}
	bv, err := cargover.Parse(baseVersion)
	if err != nil {
		return v, fmt.Errorf("base version: %w", err)
	}
	v.OK = false
	v.Needed = cargover.Bump(bv)
	if rep.Required == "minor" && bv.Major > 0 {
		v.Needed = "minor"
	} else if rep.Required == "minor" {
		v.Needed = "patch" // 0.x.y: a patch release is where API may grow
	}
	switch v.Needed {
	case "major":
		v.Suggest = cargover.Version{Major: bv.Major + 1}.String()
	case "minor":
		v.Suggest = cargover.Version{Major: bv.Major, Minor: bv.Minor + 1}.String()
	default:
		v.Suggest = cargover.Version{Major: bv.Major, Minor: bv.Minor, Patch: bv.Patch + 1}.String()
	}
	return v, nil
}

// maxItemLen bounds one "Failed in:" line quoted in a finding.
const maxItemLen = 300

// ToolMessage renders a failing verdict of cargo-semver-checks as a
// finding's message, each lint with its id, name and items. Names, paths
// and items come from the tool's output, which quotes the pull request's
// code: items are code spans, and trim removes the checkout directories'
// prefixes from the paths in them.
func ToolMessage(rep *ToolReport, v Verdict, crate, baseVersion, headVersion string, trim func(string) string) string {
	n := 0
	for _, l := range rep.Lints {
		n += max(len(l.Items), 1)
	}
	what := plural(n, "breaking change")
	if rep.Required == "minor" {
		what = plural(n, "change") + " needing a new minor release"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The public API of %s has %s (found by cargo-semver-checks), but its version goes from %s to %s: a %s bump is needed (to %s or later).",
		review.CodeSpan(crate), what, review.CodeSpan(baseVersion), review.CodeSpan(headVersion), v.Needed, review.CodeSpan(v.Suggest))
	listed := 0
	for _, l := range rep.Lints {
		if listed >= maxBreaksListed {
			break
		}
		fmt.Fprintf(&b, " %s (%s", review.CodeSpan(l.ID), cleanName(l.Name))
		if l.Level == "minor" {
			b.WriteString("; minor")
		}
		b.WriteString("):")
		if len(l.Items) == 0 {
			listed++
		}
		for i, it := range l.Items {
			if listed >= maxBreaksListed {
				break
			}
			if i > 0 {
				b.WriteString(",")
			}
			if trim != nil {
				it = trim(it)
			}
			if r := []rune(it); len(r) > maxItemLen {
				it = string(r[:maxItemLen]) + "…"
			}
			b.WriteString(" " + review.CodeSpan(it))
			listed++
		}
		b.WriteString(";")
	}
	if listed < n {
		return strings.TrimSuffix(b.String(), ";") + fmt.Sprintf(" … and %d more.", n-listed)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// cleanName keeps a lint's name to one short line of printable text
// without code spans of its own.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '`' {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return s
}
