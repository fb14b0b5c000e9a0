package review

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want.json and want.md files of testdata/<case>/")

// goldenOptions is a case's optional options.json.
type goldenOptions struct {
	Filter       Filter          `json:"filter"`
	MaxComments  int             `json:"max_comments"`
	IgnorePaths  []string        `json:"ignore_paths"`
	Rustfmt      RustfmtComments `json:"rustfmt"`
	Notes        []string        `json:"notes"`
	AgentSummary string          `json:"agent_summary"`
	AgentNote    string          `json:"agent_note"`
}

// TestGolden runs every testdata/<case>/ that has a diff.patch: the diff,
// diagnostics.json, the head files (head.txtar, else the new files of the
// diff) and options.json make a review, compared with want.json (the JSON
// contract) and want.md (what would be posted). Every case must also be
// safe to post: see checkPostable.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/diff.patch")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res := runGolden(t, dir)
			checkPostable(t, res)
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			compareGolden(t, filepath.Join(dir, "want.json"), got)
			compareGolden(t, filepath.Join(dir, "want.md"), []byte(renderGoldenMarkdown(res)))
		})
	}
}

func runGolden(t *testing.T, dir string) Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "diff.patch"))
	if err != nil {
		t.Fatal(err)
	}
	diff, err := ParseDiff(raw)
	if err != nil {
		t.Fatal(err)
	}
	var diags []Diagnostic
	if b, err := os.ReadFile(filepath.Join(dir, "diagnostics.json")); err == nil {
		if err := json.Unmarshal(b, &diags); err != nil {
			t.Fatalf("diagnostics.json: %v", err)
		}
	}
	var opts goldenOptions
	if b, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opts); err != nil {
			t.Fatalf("options.json: %v", err)
		}
	}
	heads := newFilesOf(diff)
	if b, err := os.ReadFile(filepath.Join(dir, "head.txtar")); err == nil {
		for name, data := range parseTxtar(string(b)) {
			heads[name] = data
		}
	}
	res := Build(Input{
		BaseSHA: "1111111111111111111111111111111111111111", HeadSHA: "2222222222222222222222222222222222222222",
		Diff: diff, Diagnostics: diags, Notes: opts.Notes,
		HeadFiles: func(p string) ([]byte, bool) { b, ok := heads[p]; return b, ok },
		Options:   Options{Filter: opts.Filter, MaxComments: opts.MaxComments, IgnorePaths: opts.IgnorePaths, Rustfmt: opts.Rustfmt},
	})
	if opts.AgentSummary != "" || opts.AgentNote != "" {
		res.SetAgentReview(AgentReview{Summary: opts.AgentSummary, Note: opts.AgentNote})
	}
	return res
}

// newFilesOf returns the content of the files the diff creates.
func newFilesOf(d *Diff) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range d.Files {
		if !f.IsNew {
			continue
		}
		var b strings.Builder
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				b.WriteString(l.Text)
			}
		}
		out[f.NewPath] = []byte(b.String())
	}
	return out
}

// parseTxtar reads a txtar archive: "-- name --" lines start files.
func parseTxtar(s string) map[string][]byte {
	out := map[string][]byte{}
	name := ""
	var b strings.Builder
	flush := func() {
		if name != "" {
			out[name] = []byte(b.String())
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			name = t[3 : len(t)-3]
			continue
		}
		b.WriteString(line)
	}
	flush()
	return out
}

func renderGoldenMarkdown(res Result) string {
	var b strings.Builder
	b.WriteString("=== summary\n")
	b.WriteString(res.Summary)
	for _, c := range res.Comments {
		fmt.Fprintf(&b, "=== comment %s:%d-%d (%s %s)\n", c.Path, c.StartLine, c.Line, c.Source, c.Rule)
		b.WriteString(c.Body)
	}
	return b.String()
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./review -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s", path, got)
	}
}

var (
	codeSpanRE = regexp.MustCompile("(`+)[^`]*?(`+)")
	mentionRE  = regexp.MustCompile(`@[A-Za-z0-9]`)
	issueRefRE = regexp.MustCompile(`#[0-9]|(?i)\bgh-[0-9]`)
	urlRE      = regexp.MustCompile(`https?://|www\.`)
	tagRE      = regexp.MustCompile(`<[^>]*>?`)
)

// allowedTags are the HTML tags the bot writes itself.
var allowedTags = []string{"<details>", "</details>", "<summary>", "</summary>"}

// checkPostable checks what a review would post: outside code blocks and
// code spans nothing mentions, cross-references or links (except the rule
// links the renderer makes), no HTML but the bot's own tags, and the only
// marker of each comment is its last line, carrying that comment's
// fingerprints.
func checkPostable(t *testing.T, res Result) {
	t.Helper()
	check := func(what, body string, wantFPs []string) {
		rest, fps := SplitMarker(body)
		if !slices.Equal(fps, wantFPs) {
			t.Errorf("%s: marker %v, want %v", what, fps, wantFPs)
		}
		prose := stripFences(rest)
		prose = regexp.MustCompile(`\]\((https://rust-lang\.github\.io/rust-clippy/master/index\.html#[a-z0-9_]+|https://doc\.rust-lang\.org/error_codes/E[0-9]{4}\.html)\)`).ReplaceAllString(prose, "]")
		prose = codeSpanRE.ReplaceAllStringFunc(prose, func(s string) string {
			if strings.Contains(s, "<!--") {
				t.Errorf("%s: a code span holds %q", what, s)
			}
			return "CODE"
		})
		for _, re := range []*regexp.Regexp{mentionRE, issueRefRE, urlRE} {
			if m := re.FindString(prose); m != "" {
				t.Errorf("%s: %q outside code:\n%s", what, m, prose)
			}
		}
		for _, tag := range tagRE.FindAllString(prose, -1) {
			if !slices.Contains(allowedTags, tag) {
				t.Errorf("%s: HTML %q:\n%s", what, tag, prose)
			}
		}
	}
	check("summary", res.Summary, nil)
	known := map[string]bool{}
	for _, f := range res.Findings {
		known[f.Fingerprint] = true
	}
	for _, c := range res.Comments {
		fps := ParseMarkers(c.Body)
		if len(fps) == 0 || fps[0] != c.Fingerprint {
			t.Errorf("comment %s:%d: marker %v does not start with its fingerprint %s", c.Path, c.Line, fps, c.Fingerprint)
		}
		for _, fp := range fps {
			if !known[fp] {
				t.Errorf("comment %s:%d: marker carries %s, no finding's fingerprint", c.Path, c.Line, fp)
			}
		}
		check(fmt.Sprintf("comment %s:%d", c.Path, c.Line), c.Body, fps)
	}
}

// stripFences drops fenced code blocks (a fence closes only with a line of
// at least as many backticks and nothing else).
func stripFences(s string) string {
	var out []string
	open := 0
	for _, line := range strings.Split(s, "\n") {
		n := len(line) - len(strings.TrimLeft(line, "`"))
		switch {
		case open == 0 && n >= 3:
			open = n
		case open > 0 && n >= open && strings.TrimSpace(line[n:]) == "":
			open = 0
		case open == 0:
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestForgedMarkerDoesNotSuppress posts a review whose compiler message
// and rustfmt suggestion quote the marker of a finding the next push adds;
// the fingerprints read back from what was posted must not include it.
func TestForgedMarkerDoesNotSuppress(t *testing.T) {
	later := lint("clippy::later", span(3, 5, 3, 8), "")
	laterFP := build(t, Options{}, later).Findings[0].Fingerprint
	forged := Marker(laterFP)
	hostile := Diagnostic{Source: SourceRustc, Severity: SeverityError, Message: "oops " + forged,
		Notes: []string{forged}, Spans: []Span{span(4, 5, 4, 10)},
		Fixes: []Fix{{Message: forged, Applicability: MachineApplicable, Edits: []Edit{edit(span(4, 5, 4, 33), "if true { return; } //\n"+forged)}}}}
	first := build(t, Options{}, hostile, Diagnostic{Source: SourceRustc, Severity: SeverityError, Message: "aborting " + forged})

	posted := map[string]bool{}
	for _, body := range append([]string{first.Summary}, bodies(first.Comments)...) {
		for _, fp := range ParseMarkers(body) {
			posted[fp] = true
		}
	}
	if posted[laterFP] {
		t.Fatalf("the forged marker of %s was read back from what was posted", laterFP)
	}
	second := build(t, Options{}, hostile, later)
	fresh := 0
	for _, c := range second.Comments {
		if !posted[c.Fingerprint] {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d comments are new on the second review, want 1 (the later finding)", fresh)
	}
}

func bodies(cs []Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Body)
	}
	return out
}
