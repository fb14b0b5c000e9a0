package cargo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

// cargo's stderr for failed fetches, as cargo 1.95 prints them (paths as
// the redaction leaves them).
const (
	stderrDuplicateKey = "error: duplicate key\n --> Cargo.toml:9:2\n  |\n9 | [dependencies]\n  |  ^^^^^^^^^^^^\n"
	stderrMemberSyntax = "error: unclosed inline table, expected `}`\n --> m/Cargo.toml:6:40\n  |\n6 | x = { git = \"http://h/x.git\"\n  |                                       ^\n" +
		"error: failed to load manifest for workspace member `m`\nreferenced by workspace at `Cargo.toml`\n"
	stderrAmbiguous  = "error: failed to parse manifest at `Cargo.toml`\n\nCaused by:\n  dependency (dep) specification is ambiguous. Only one of `branch`, `tag` or `rev` is allowed.\n"
	stderrNoMatch    = "error: no matching package found\nsearched package name: `dep`\nperhaps you meant:      sub\nlocation searched: sub\nrequired by package `w2 v0.1.0 (.)`\n"
	stderrGitRefused = "    Updating git repository `http://localhost:1/x.git`\n" +
		"warning: spurious network error (3 tries remaining): failed to connect to localhost: Connection refused; class=Os (2)\n" +
		"error: failed to get `dep` as a dependency of package `b v0.1.0 (.)`\n\nCaused by:\n  failed to load source for dependency `dep`\n\n" +
		"Caused by:\n  unable to update http://localhost:1/x.git\n\nCaused by:\n  failed to clone into: <cargo-home>/git/db/x-b402802b63b14dd8\n\n" +
		"Caused by:\n  failed to connect to localhost: Connection refused; class=Os (2)\n"
	stderrGitDNS = "error: failed to get `dep` as a dependency of package `d v0.1.0 (.)`\n\nCaused by:\n  failed to load source for dependency `dep`\n\n" +
		"Caused by:\n  unable to update https://nonexistent.invalid/x.git\n\nCaused by:\n  failed to clone into: <cargo-home>/git/db/x-03a2\n\n" +
		"Caused by:\n  network failure seems to have happened\n  if a proxy or similar is necessary `net.git-fetch-with-cli` may help here\n  https://doc.rust-lang.org/cargo/reference/config.html#netgit-fetch-with-cli\n\n" +
		"Caused by:\n  failed to resolve address for nonexistent.invalid: Name or service not known; class=Net (12)\n"
	stderrAltRegistry = "error: failed to get `dep` as a dependency of package `w4 v0.1.0 (.)`\n\nCaused by:\n  download of config.json failed\n\n" +
		"Caused by:\n  failed to download from `http://localhost:1/index/config.json`\n\nCaused by:\n  [7] Could not connect to server (Failed to connect to localhost port 1 after 0 ms: Could not connect to server)\n"
	stderrCratesIO = "    Updating crates.io index\nerror: failed to get `serde` as a dependency of package `c v0.1.0 (.)`\n\nCaused by:\n  download of config.json failed\n\n" +
		"Caused by:\n  failed to download from `https://index.crates.io/config.json`\n\nCaused by:\n  [6] Could not resolve hostname (Could not resolve host: index.crates.io)\n"
	stderrCratesIOGit = "error: failed to get `serde` as a dependency of package `c v0.1.0 (.)`\n\nCaused by:\n  failed to load source for dependency `serde`\n\n" +
		"Caused by:\n  unable to update registry `crates-io`\n\nCaused by:\n  failed to fetch `https://github.com/rust-lang/crates.io-index`\n\nCaused by:\n  network failure seems to have happened\n"
	stderrPathDep = "error: failed to get `dep` as a dependency of package `e v0.1.0 (.)`\n\nCaused by:\n  failed to load source for dependency `dep`\n\n" +
		"Caused by:\n  unable to update ../nothere\n\nCaused by:\n  failed to read `../nothere/Cargo.toml`\n\nCaused by:\n  No such file or directory (os error 2)\n"
	stderrDiskFull = "error: failed to get `dep` as a dependency of package `b v0.1.0 (.)`\n\nCaused by:\n  unable to update http://h/x.git\n\nCaused by:\n  failed to create directory `<cargo-home>/git/db`\n\nCaused by:\n  No space left on device (os error 28)\n"
	stderrPanic    = "thread 'main' panicked at src/cargo/core/resolver.rs:1:1:\nerror: internal error\n"
	stderrNoSelect = "error: failed to select a version for the requirement `openssl-sys = \"^99\"`\ncandidate versions found which didn't match: 0.9.1\nlocation searched: crates.io index\nrequired by package `p v0.1.0 (.)`\n"
)

func TestParseCargoError(t *testing.T) {
	ce := parseCargoError(stderrGitRefused)
	if ce.Head != "failed to get `dep` as a dependency of package `b v0.1.0 (.)`" || len(ce.Causes) != 4 ||
		ce.Causes[3] != "failed to connect to localhost: Connection refused; class=Os (2)" {
		t.Errorf("parsed %+v", ce)
	}
	if got := ce.summary(); got != "failed to get `dep` as a dependency of package `b v0.1.0 (.)`: failed to connect to localhost: Connection refused; class=Os (2)" {
		t.Errorf("summary %q", got)
	}
	dup := parseCargoError(stderrDuplicateKey)
	if dup.summary() != "duplicate key (Cargo.toml:9:2)" {
		t.Errorf("summary %q", dup.summary())
	}
	// The excerpt, which quotes the file, is left out.
	if strings.Contains(mustJSON(dup), "[dependencies]") {
		t.Errorf("the source excerpt was kept: %+v", dup)
	}
	if ce := parseCargoError("    Updating index\n"); ce.Head != "" {
		t.Errorf("no error line: %+v", ce)
	}
}

func TestClassifyFetch(t *testing.T) {
	tests := []struct {
		name       string
		exit       int
		stderr     string
		want       FetchFailure
		wantSource string
	}{
		{"duplicate key", 101, stderrDuplicateKey, FetchManifest, ""},
		{"member syntax error", 101, stderrMemberSyntax, FetchManifest, ""},
		{"ambiguous dependency", 101, stderrAmbiguous, FetchManifest, ""},
		{"no matching path package", 101, stderrNoMatch, FetchResolution, ""},
		{"no version (crates.io reached)", 101, stderrNoSelect, FetchResolution, ""},
		{"git host refuses", 101, stderrGitRefused, FetchSource, "http://localhost:1/x.git"},
		{"git host unknown", 101, stderrGitDNS, FetchSource, "https://nonexistent.invalid/x.git"},
		{"the source keeps its case", 101, strings.ReplaceAll(stderrGitRefused, "x.git", "Org/Repo.git"), FetchSource, "http://localhost:1/Org/Repo.git"},
		{"alternative registry down", 101, stderrAltRegistry, FetchSource, "http://localhost:1/index/config.json"},
		{"missing path dependency", 101, stderrPathDep, FetchSource, "../nothere"},
		{"crates.io down", 101, stderrCratesIO, FetchInfrastructure, ""},
		{"crates.io git index down", 101, stderrCratesIOGit, FetchInfrastructure, ""},
		{"disk full", 101, stderrDiskFull, FetchInfrastructure, ""},
		{"cargo panicked", 101, stderrPanic, FetchInfrastructure, ""},
		{"killed", 137, stderrDuplicateKey, FetchInfrastructure, ""},
		{"no error line", 101, "Killed\n", FetchInfrastructure, ""},
		{"unknown error", 101, "error: something new\n", FetchInfrastructure, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, source := classifyFetch(tt.exit, parseCargoError(tt.stderr))
			if got != tt.want || source != tt.wantSource {
				t.Errorf("classifyFetch = %v %q, want %v %q", got, source, tt.want, tt.wantSource)
			}
		})
	}
}

func TestFetchFailureLocation(t *testing.T) {
	ws := &workspace{manifests: map[string][]byte{
		"Cargo.toml":   []byte("[package]\nname = \"b\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\ndep = { git = \"http://localhost:1/x.git\" }\n\n[dependencies]\n"),
		"m/Cargo.toml": []byte("[package]\nname = \"m\"\n\n[dependencies]\n\n[dependencies.dep]\npath = \"../sub\"\n"),
	}}
	tests := []struct {
		name, stderr, source, wantFile string
		wantLine                       int
	}{
		{"a --> location", stderrDuplicateKey, "", "Cargo.toml", 9},
		{"a member's location", stderrMemberSyntax, "", "m/Cargo.toml", 6},
		{"the manifest cargo names", stderrAmbiguous, "", "Cargo.toml", 1},
		{"the source's line", stderrGitRefused, "http://localhost:1/x.git", "Cargo.toml", 7},
		{"the dependency's line", "error: failed to get `dep` as a dependency of package `m v0.1.0 (m)`\n", "", "m/Cargo.toml", 6},
		{"the package's manifest", "error: no matching package found\nsearched package name: `serde`\nrequired by package `b v0.1.0 (.)`\n", "", "Cargo.toml", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, line, ok := ws.locate(parseCargoError(tt.stderr), tt.source)
			if !ok || file != tt.wantFile || line != tt.wantLine {
				t.Errorf("locate = %s:%d %v, want %s:%d", file, line, ok, tt.wantFile, tt.wantLine)
			}
		})
	}
	if _, _, ok := ws.locate(parseCargoError("error: something\n"), ""); ok {
		t.Error("located an error naming no manifest")
	}
}

// Fetches that fail because of the pull request, through the sandbox's
// registry network: a finding on the manifest with cargo's error (no
// worker path in it), and a *FetchError whose PullRequest() is true.
func TestFetchFailuresOfThePullRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // nothing listens: an allowed host refuses
	t.Setenv("SYMPOSIUM_FETCH_ALLOW_HOSTS", "localhost")
	pkg := fmt.Sprintf(manifest, "pr")
	tests := []struct {
		name     string
		files    map[string]string
		kind     FetchFailure
		wantPath string
		wantLine int
		wantText string
	}{
		{"duplicate dependencies table", map[string]string{
			"Cargo.toml": pkg + "\n[dependencies]\nx = { git = \"http://localhost:1/x.git\" }\n\n[dependencies]\n",
		}, FetchManifest, "Cargo.toml", 9, "duplicate key"},
		{"a member's bad manifest", map[string]string{
			"Cargo.toml":   "[workspace]\nmembers = [\"m\"]\n",
			"m/Cargo.toml": fmt.Sprintf(manifest, "m") + "[dependencies]\nx = { git = \"http://localhost:1/x.git\"\n",
			"m/src/lib.rs": "",
		}, FetchManifest, "m/Cargo.toml", 6, "m/Cargo.toml"},
		{"an allowed host that refuses", map[string]string{
			"Cargo.toml": pkg + "\n[dependencies]\nserde = { git = \"http://localhost:" + strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:") + "/x.git\" }\n",
		}, FetchSource, "Cargo.toml", 7, "localhost"},
		{"a missing path dependency", map[string]string{
			"Cargo.toml": pkg + "\n[dependencies]\nfar = { path = \"../nothere\" }\n",
		}, FetchSource, "Cargo.toml", 7, "../nothere"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, hostileDirs[0])
			tt.files["src/lib.rs"] = ""
			writeTree(t, dir, tt.files)
			opts := fetchOptions(t)
			opts.CargoHome = filepath.Join(base, "home "+hostileDirs[0])
			diags, err := FetchChecked(context.Background(), dir, opts)
			var fe *FetchError
			if !errors.As(err, &fe) || !fe.PullRequest() || fe.Kind != tt.kind {
				t.Fatalf("FetchChecked error = %v (%#v), want a %v failure of the pull request", err, fe, tt.kind)
			}
			if len(diags) != 1 {
				t.Fatalf("findings = %+v, want one", diags)
			}
			d := diags[0]
			p, ok := d.Primary()
			if d.Rule != RuleFetchFailed || d.Source != SourceCargo || d.Severity != review.SeverityError ||
				!ok || p.Path != tt.wantPath || p.LineStart != tt.wantLine || !strings.Contains(d.Message, tt.wantText) {
				t.Errorf("finding = %+v, want %s on %s:%d saying %q", d, RuleFetchFailed, tt.wantPath, tt.wantLine, tt.wantText)
			}
			all := mustJSON(d) + err.Error()
			for _, leak := range []string{base, dir, opts.CargoHome, opts.TargetDir} {
				if strings.Contains(all, leak) {
					t.Errorf("worker path %q in %s", leak, all)
				}
			}
			t.Logf("%s\n%s", d.Message, strings.Join(d.Notes, "\n"))
			if i > 0 {
				return
			}
			if err := Fetch(context.Background(), dir, opts); !errors.As(err, &fe) || !fe.PullRequest() {
				t.Errorf("Fetch = %v, want the *FetchError", err)
			}
		})
	}
}
