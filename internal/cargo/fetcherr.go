package cargo

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/symposium-dev/symposium/review"
)

// A `cargo fetch` that ran and failed is classified by cargo's error text
// (Kind). The rule:
//
//   - cargo did not exit with its error status 101 (killed by a limit, a
//     sandbox that did not start), or its error names an operating-system
//     failure of ours (disk full, quota, read-only file system, permission
//     denied, out of memory or files), or cargo panicked: infrastructure.
//   - A network failure (connection refused, DNS, TLS, timeout, HTTP
//     download) is the pull request's only when every source the error
//     names is one the pull request chose — a git URL, an alternative
//     registry — and none is crates.io (index.crates.io, static.crates.io,
//     the crates.io index on GitHub), which our own configuration uses:
//     cargo has already retried it (net.retry), and a source only the pull
//     request names is its author's to keep reachable. A network failure
//     naming crates.io, or no source at all, is infrastructure.
//   - A source cargo could read but that does not hold what the manifest
//     asks (a missing path dependency, a git branch, tag or revision that
//     does not exist, a repository that needs authentication or answers
//     404): the pull request's.
//   - A manifest or lock file cargo cannot parse or accept (TOML syntax, a
//     duplicate key, an invalid dependency specification, a broken
//     workspace) or dependencies it cannot resolve (no matching package or
//     version, a missing feature, a cycle, a bad patch): the pull
//     request's. These are deterministic: the same head fails the same way.
//   - Anything else: infrastructure, so that an error we do not know is
//     retried rather than blamed on the pull request.
//
// Infrastructure failures are errors (the review task is retried); a
// failure of the pull request's is a finding on the manifest
// (RuleFetchFailed) and the analysis goes on without a build.

// RuleFetchFailed is the rule of a fetch that failed because of the pull
// request's manifests or the dependency sources they name.
const RuleFetchFailed = "cargo::fetch-failed"

// FetchFailure is what made a `cargo fetch` fail, by cargo's error.
type FetchFailure int

// The kinds of fetch failure.
const (
	// FetchInfrastructure is a failure of ours: retried.
	FetchInfrastructure FetchFailure = iota
	// FetchManifest is a manifest or lock file cargo cannot parse or accept.
	FetchManifest
	// FetchResolution is a dependency cargo cannot resolve.
	FetchResolution
	// FetchSource is a dependency source the pull request names that could
	// not be reached or does not hold what it asks.
	FetchSource
)

// String names the kind, for logs and errors.
func (k FetchFailure) String() string {
	switch k {
	case FetchManifest:
		return "manifest"
	case FetchResolution:
		return "resolution"
	case FetchSource:
		return "source"
	}
	return "infrastructure"
}

// FetchError is the error of a `cargo fetch` that ran and failed. Its text
// has the worker's paths redacted (relative to the checkout, or
// placeholders).
type FetchError struct {
	// Kind is what failed, by cargo's error.
	Kind FetchFailure
	// ExitCode is cargo's exit status.
	ExitCode int
	// Stderr is cargo's output, redacted.
	Stderr string
	// Source is the URL or path of the failing source, when the error
	// names one.
	Source string
}

// Error says cargo failed, with its redacted output's end.
func (e *FetchError) Error() string {
	return fmt.Sprintf("cargo fetch failed (exit %d, %s): %s", e.ExitCode, e.Kind, tail([]byte(e.Stderr)))
}

// PullRequest reports whether the pull request's content caused the
// failure, so that retrying cannot help.
func (e *FetchError) PullRequest() bool { return e.Kind != FetchInfrastructure }

// cargoError is cargo's error output, parsed: the first error, where it
// points, the rest of its block, and the causes cargo chained to it.
type cargoError struct {
	// Head is the first error's message, without "error: ".
	Head string
	// Location is "path:line:col" of a `-->` line under it.
	Location string
	// Detail are further lines of the first error's block.
	Detail []string
	// Causes are the "Caused by:" entries and later errors, in order, each
	// on one line.
	Causes []string
}

// parseCargoError reads cargo's stderr from its first "error:" line on;
// progress, warnings and source excerpts (the `|` gutter, which quotes the
// file) are left out. Zero when there is no error line.
func parseCargoError(stderr string) cargoError {
	var ce cargoError
	lines := strings.Split(strings.ReplaceAll(stderr, "\r\n", "\n"), "\n")
	i := 0
	for i < len(lines) && !strings.HasPrefix(lines[i], "error") {
		i++
	}
	if i == len(lines) {
		return ce
	}
	ce.Head = errorText(lines[i])
	inCause, first := false, true
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			ce.Causes = append(ce.Causes, strings.Join(cur, " "))
		}
		cur = nil
	}
	for _, l := range lines[i+1:] {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			flush()
			inCause = false
		case t == "Caused by:":
			flush()
			inCause, first = true, false
		case strings.HasPrefix(l, "error"):
			flush()
			ce.Causes = append(ce.Causes, errorText(l))
			inCause, first = false, false
		case strings.HasPrefix(t, "--> "):
			if ce.Location == "" {
				ce.Location = strings.TrimSpace(strings.TrimPrefix(t, "--> "))
			}
		case gutter.MatchString(l), strings.HasPrefix(l, "warning"), strings.HasPrefix(t, "= "):
			// a quoted line of the file, a warning, a rendered note
		case inCause:
			cur = append(cur, t)
		case first:
			ce.Detail = append(ce.Detail, t)
		}
	}
	flush()
	return ce
}

// gutter matches the lines of a source excerpt: "9 | text", "  |", "  ^^^".
var gutter = regexp.MustCompile(`^\s*(\d+\s*)?\|`)

func errorText(line string) string {
	_, msg, ok := strings.Cut(line, ":")
	if !ok {
		return strings.TrimSpace(line)
	}
	return strings.TrimSpace(msg)
}

// summary is the error on one line: the first error, where it points and
// its last cause ("duplicate key (Cargo.toml:9:2)", "failed to get `x` as
// a dependency of package `p v0.1.0 (.)`: failed to connect to ...").
func (ce cargoError) summary() string {
	s := ce.Head
	if ce.Location != "" {
		s += " (" + ce.Location + ")"
	}
	if n := len(ce.Causes); n > 0 {
		s += ": " + ce.Causes[n-1]
	}
	return clip(s, 600)
}

// notes are the lines between the first error and its last cause.
func (ce cargoError) notes() []string {
	var out []string
	for _, d := range ce.Detail {
		out = append(out, clip(d, 300))
	}
	if n := len(ce.Causes); n > 1 {
		for _, c := range ce.Causes[:n-1] {
			out = append(out, "caused by: "+clip(c, 300))
		}
	}
	if len(out) > 12 {
		out = append(out[:12], fmt.Sprintf("… and %d more lines", len(out)-12))
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// joined is the error's lines joined.
func (ce cargoError) joined() string {
	parts := append([]string{ce.Head, ce.Location}, ce.Detail...)
	return strings.Join(append(parts, ce.Causes...), "\n")
}

// text is joined, lowercased, for matching markers.
func (ce cargoError) text() string { return strings.ToLower(ce.joined()) }

// Markers of cargo's errors, matched against the lowercased error text.
var (
	infraMarkers = []string{
		"no space left on device", "os error 28", "disk quota exceeded", "os error 122",
		"read-only file system", "os error 30", "os error 13",
		"too many open files", "os error 24", "cannot allocate memory", "os error 12", "out of memory",
		"panicked at", "could not execute process",
	}
	networkMarkers = []string{
		"spurious network error", "network failure", "failed to connect", "could not connect",
		"couldn't connect", "could not resolve host", "failed to resolve address", "name or service not known",
		"temporary failure in name resolution", "connection refused", "connection reset", "timed out",
		"network is unreachable", "no route to host", "ssl connect error", "certificate verify",
		"ssl certificate", "tls handshake", "failed to download from", "download of", "http/2", "class=net",
	}
	sourceMarkers = []string{
		"unable to update", "failed to find branch", "failed to find tag", "revision", "not found",
		"authentication required", "failed to authenticate", "repository not found", "404", "401", "403",
	}
	manifestMarkers = []string{
		"failed to parse manifest", "failed to load manifest", "failed to read manifest",
		"failed to parse lock file", "toml parse error", "could not parse input as toml", "duplicate key",
		"virtual manifest", "believes it's in a workspace", "multiple workspace roots",
		"member of the wrong workspace", "two packages named", "error inheriting", "invalid type",
		"missing field", "unknown variant", "specification is ambiguous", "failed to read `",
	}
	resolutionMarkers = []string{
		"failed to select a version", "no matching package", "cyclic package dependency",
		"failed to resolve patches", "patch for", "does not have feature", "does not have these features",
		"does not have the feature", "links to the native library", "checksum for", "version requirement",
		"failed to load source for dependency", "required by package", "which is depended on by",
	}
	// urlPattern finds URLs in cargo's text; a trailing backtick or quote
	// is not part of one.
	urlPattern = regexp.MustCompile("(?i)[a-z][a-z0-9+.-]*://[^\\s`'\"<>]+")
)

// crates.io's hosts (its index, its downloads, its git index).
func cratesIO(u string) bool {
	p, err := url.Parse(strings.TrimPrefix(strings.TrimPrefix(u, "sparse+"), "registry+"))
	if err != nil {
		return false
	}
	h := strings.ToLower(p.Hostname())
	return h == "crates.io" || strings.HasSuffix(h, ".crates.io") ||
		(h == "github.com" && strings.HasPrefix(strings.ToLower(p.Path), "/rust-lang/crates.io-index"))
}

// network reports whether the error is a network failure.
func (ce cargoError) network() bool {
	text := ce.text()
	for _, m := range networkMarkers {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

// classifyFetch says what made a fetch that exited with exit fail, and the
// source it names, from cargo's (redacted) stderr.
func classifyFetch(exit int, ce cargoError) (FetchFailure, string) {
	text := ce.text()
	has := func(markers []string) bool {
		for _, m := range markers {
			if strings.Contains(text, m) {
				return true
			}
		}
		return false
	}
	if exit != 101 || ce.Head == "" || has(infraMarkers) {
		return FetchInfrastructure, ""
	}
	orig := ce.joined() // URLs and paths keep their case
	urls := urlPattern.FindAllString(orig, -1)
	network := ce.network()
	if network && (strings.Contains(text, "crates-io") || strings.Contains(text, "crates.io index")) {
		return FetchInfrastructure, ""
	}
	for _, u := range urls {
		if network && cratesIO(u) {
			return FetchInfrastructure, ""
		}
	}
	source := ""
	if len(urls) > 0 {
		source = strings.TrimRight(urls[0], ".,;:)")
	}
	if m := unableToUpdate.FindStringSubmatch(orig); m != nil {
		source = strings.TrimRight(m[1], ".,;:)")
	}
	switch {
	case network:
		if source == "" {
			return FetchInfrastructure, ""
		}
		return FetchSource, source
	case strings.Contains(text, "unable to update") || has(sourceMarkers) && source != "":
		return FetchSource, source
	case has(manifestMarkers) || manifestLocation(ce.Location) != "":
		return FetchManifest, ""
	case has(resolutionMarkers):
		return FetchResolution, ""
	}
	return FetchInfrastructure, ""
}

// unableToUpdate is cargo's line naming the source it failed on.
var unableToUpdate = regexp.MustCompile("(?i)unable to update (?:registry )?`?([^\\s`]+)`?")

// manifestLocation returns the manifest or lock file path of a `-->`
// location ("m/Cargo.toml:6:40" → "m/Cargo.toml"), or "".
func manifestLocation(loc string) string {
	p, _, _ := strings.Cut(loc, ":")
	if b := path.Base(p); b == "Cargo.toml" || b == "Cargo.lock" {
		return p
	}
	return ""
}

// pathInParens is the path cargo puts after a package id:
// "`b v0.1.0 (m/b)`", redacted relative to the checkout.
var pathInParens = regexp.MustCompile("`[^`(]+ v[^`(]+ \\(([^`()]*)\\)`")

// backticked are cargo's quoted names and paths.
var backticked = regexp.MustCompile("`([^`\n]+)`")

// locate finds the manifest a failure is about, and its line: the `-->`
// location; a manifest path cargo names ("failed to parse manifest at
// `m/Cargo.toml`", a workspace member's dir); the manifest of the package
// whose dependency failed, on the line of the failing source's URL or of
// the dependency's name. ok is false when no manifest of ws is named.
func (ws *workspace) locate(ce cargoError, source string) (file string, line int, ok bool) {
	if p := manifestLocation(ce.Location); p != "" {
		if _, known := ws.file(p); known {
			parts := strings.Split(ce.Location, ":")
			if len(parts) >= 2 {
				if n, err := strconv.Atoi(parts[1]); err == nil && n > 0 {
					return p, n, true
				}
			}
			return p, 1, true
		}
	}
	all := append(append([]string{ce.Head}, ce.Detail...), ce.Causes...)
	for _, l := range all {
		for _, m := range backticked.FindAllStringSubmatch(l, -1) {
			c := m[1]
			switch {
			case path.Base(c) == "Cargo.toml":
			case strings.Contains(l, "workspace member") || strings.Contains(l, "manifest for"):
				c = path.Join(c, "Cargo.toml")
			default:
				continue
			}
			if data, known := ws.file(c); known && path.Base(c) == "Cargo.toml" {
				return c, ws.lineFor(data, ce, source), true
			}
		}
	}
	for _, l := range all {
		if m := pathInParens.FindStringSubmatch(l); m != nil {
			c := path.Join(m[1], "Cargo.toml")
			if data, known := ws.file(c); known {
				return c, ws.lineFor(data, ce, source), true
			}
		}
	}
	return "", 0, false
}

// file returns the bytes of a manifest of the workspace, or the lock file.
func (ws *workspace) file(p string) ([]byte, bool) {
	p = path.Clean(p)
	if p == "Cargo.lock" {
		return ws.lock, ws.hasLock
	}
	data, ok := ws.manifests[p]
	return data, ok
}

// dependencyName is the dependency cargo failed on:
// "failed to get `dep` as a dependency", "searched package name: `dep`".
var dependencyName = regexp.MustCompile("(?:failed to get|searched package name:|no matching package named|failed to select a version for(?: the requirement)?) `([^`\\s=]+)")

// lineFor is the line of data naming the failing source, else the failing
// dependency, else 1.
func (ws *workspace) lineFor(data []byte, ce cargoError, source string) int {
	if source != "" {
		if n := lineOf(data, source); n > 1 || strings.HasPrefix(string(data), source) {
			return n
		}
	}
	all := append(append([]string{ce.Head}, ce.Detail...), ce.Causes...)
	for _, l := range all {
		if m := dependencyName.FindStringSubmatch(l); m != nil {
			q := regexp.QuoteMeta(m[1])
			re := regexp.MustCompile(`(?m)^[ \t]*(?:"` + q + `"|` + q + `)[ \t]*[=.]|^[ \t]*\[[^\]\n]*dependencies\.` + q + `\]`)
			if loc := re.FindIndex(data); loc != nil {
				return strings.Count(string(data[:loc[0]]), "\n") + 1
			}
		}
	}
	return 1
}

// failureDiagnostic is the finding of a fetch that failed because of the
// pull request.
func (ws *workspace) failureDiagnostic(e *FetchError, ce cargoError) review.Diagnostic {
	var what string
	switch e.Kind {
	case FetchManifest:
		what = "cargo could not read the manifests, so no dependency was fetched"
	case FetchResolution:
		what = "cargo could not resolve the dependencies, so they were not fetched"
	default:
		verb := "read"
		if ce.network() {
			verb = "reached"
		}
		what = "a dependency source could not be " + verb
		if e.Source != "" {
			what = "the dependency source " + e.Source + " could not be " + verb
		}
	}
	msg := what + ": " + ce.summary()
	notes := ce.notes()
	if e.Kind == FetchSource && ce.network() {
		notes = append(notes, "help: cargo retried it; if the source was only briefly unreachable, comment `/symposium review` to review again")
	}
	d := review.Diagnostic{
		Source: SourceCargo, Rule: RuleFetchFailed, Severity: review.SeverityError,
		Message: msg, Notes: notes, Rendered: e.Stderr,
	}
	if file, line, ok := ws.locate(ce, e.Source); ok {
		d.Spans = []review.Span{{Path: file, LineStart: line, LineEnd: line, ColumnStart: 1, ColumnEnd: 1, Primary: true}}
	}
	return d
}
