package cargo

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/internal/netpolicy"
	"github.com/symposium-dev/symposium/review"
)

// The dependency URLs of a workspace, checked with internal/netpolicy
// before fetch runs.

// depURL is a git or registry URL a manifest or the lock file names.
type depURL struct {
	url  string
	file string
}

// wellKnown are crates.io's index URLs, which our own configuration uses anyway.
var wellKnown = map[string]bool{
	"registry+https://github.com/rust-lang/crates.io-index": true,
	"sparse+https://index.crates.io/":                       true,
	"https://github.com/rust-lang/crates.io-index":          true,
}

// urls returns the git and registry URLs of the manifests (git = "…",
// registry-index = "…", [patch."<url>"]) and of the lock file's sources.
func (ws *workspace) urls() []depURL {
	var out []depURL
	seen := map[depURL]bool{}
	add := func(u, file string) {
		d := depURL{url: u, file: file}
		if u == "" || wellKnown[u] || seen[d] {
			return
		}
		seen[d] = true
		out = append(out, d)
	}
	names := make([]string, 0, len(ws.manifests))
	for n := range ws.manifests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var m map[string]any
		if toml.Unmarshal(ws.manifests[n], &m) != nil {
			continue // cargo reports a bad manifest itself
		}
		walkURLs(m, func(u string) { add(u, n) })
		if patch, ok := m["patch"].(map[string]any); ok {
			for k := range patch {
				if k != "crates-io" {
					add(k, n)
				}
			}
		}
	}
	for _, line := range strings.Split(string(ws.lock), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "source = "); ok {
			u := strings.Trim(v, `"`)
			u = strings.TrimPrefix(u, "git+")
			if i := strings.IndexAny(u, "?#"); i >= 0 {
				u = u[:i]
			}
			if !wellKnown["registry+"+u] && !wellKnown[u] {
				add(u, "Cargo.lock")
			}
		}
	}
	return out
}

// walkURLs calls f with every string value of a "git" or "registry-index"
// key, at any depth of a parsed manifest but in tools' metadata tables.
func walkURLs(v any, f func(string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "metadata" {
				continue
			}
			if s, ok := x.(string); ok && (k == "git" || k == "registry-index") {
				f(s)
				continue
			}
			walkURLs(x, f)
		}
	case []any:
		for _, x := range t {
			walkURLs(x, f)
		}
	}
}

// checkURLs returns a finding for each URL the policy refuses, on the
// first line of its file that names it.
func (ws *workspace) checkURLs(ctx context.Context, p netpolicy.Policy) []review.Diagnostic {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out []review.Diagnostic
	for _, u := range ws.urls() {
		err := p.CheckURL(ctx, u.url)
		if err == nil {
			continue
		}
		data := ws.lock
		if u.file != "Cargo.lock" {
			data = ws.manifests[u.file]
		}
		line := lineOf(data, u.url)
		out = append(out, review.Diagnostic{
			Source: SourceCargo, Rule: RuleFetchRefused, Severity: review.SeverityError,
			Message: fmt.Sprintf("dependency URL refused: %s (%v); no dependency was fetched, set %s to allow an internal mirror by name",
				u.url, err, netpolicy.AllowHostsEnv),
			Spans: []review.Span{{Path: u.file, LineStart: line, LineEnd: line, ColumnStart: 1, ColumnEnd: 1, Primary: true}},
		})
	}
	return out
}

// lineOf returns the 1-based line of the first occurrence of s, or 1.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 1
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}
