package cargo

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/symposium-dev/symposium/internal/netpolicy"
	"github.com/symposium-dev/symposium/internal/sandbox"
)

// writeTree writes files (slash paths → content) under dir; a content
// starting with "#!" is made executable.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// fetchCounter counts the cargo subcommands it runs.
type fetchCounter struct {
	sandbox.Runner
	fetches atomic.Int32
}

func (c *fetchCounter) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	if len(cmd.Args) > 1 && cmd.Args[1] == "fetch" {
		c.fetches.Add(1)
	}
	return c.Runner.Run(ctx, cmd)
}

// fetchOptions gives each test its own cargo home and target dir.
func fetchOptions(t *testing.T) Options {
	t.Helper()
	opts := testOptions(t)
	base := t.TempDir()
	opts.TargetDir, opts.CargoHome = filepath.Join(base, "target"), filepath.Join(base, "home")
	return opts
}

func TestHasRemoteSources(t *testing.T) {
	tests := []struct {
		name, lock string
		want       bool
	}{
		{"local only", "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n", false},
		{"registry", "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", true},
		{"git", "[[package]]\nname = \"x\"\nsource = \"git+https://example.com/x#abc\"\n", true},
		{"no lock file", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "a"), "src/lib.rs": ""}
			if tt.lock != "" {
				files["Cargo.lock"] = tt.lock
			}
			writeTree(t, dir, files)
			ws, err := readWorkspace(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := ws.hasRemoteSources(); got != tt.want {
				t.Errorf("hasRemoteSources = %v, want %v", got, tt.want)
			}
		})
	}
}

// A pull request's cargo configuration and toolchain file run nothing
// during fetch, and the toolchain file selects no toolchain of its own.
func TestFetchRunsNothingOfThePullRequest(t *testing.T) {
	script := func(marker string) string {
		return "#!/bin/sh\necho ran \"$0\" \"$@\" >> " + marker + "\nexit 1\n"
	}
	tests := []struct {
		name  string
		files func(marker string) map[string]string
	}{
		{"cargo config", func(marker string) map[string]string {
			return map[string]string{
				"x.sh": script(marker),
				".cargo/config.toml": "[build]\nrustc-wrapper = \"./x.sh\"\nrustc = \"./x.sh\"\n" +
					"[target.x86_64-unknown-linux-gnu]\nrunner = \"./x.sh\"\nlinker = \"./x.sh\"\n" +
					"[env]\nRUSTC_BOOTSTRAP = \"1\"\n[net]\ngit-fetch-with-cli = true\n",
			}
		}},
		{"toolchain path", func(marker string) map[string]string {
			return map[string]string{
				"tc/bin/cargo":        script(marker),
				"tc/bin/rustc":        script(marker),
				"tc/bin/cargo-clippy": script(marker),
				"rust-toolchain.toml": "[toolchain]\npath = \"tc\"\n",
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			marker := filepath.Join(dir, "marker")
			files := tt.files(marker)
			files["Cargo.toml"] = fmt.Sprintf(manifest, "hostile")
			files["src/lib.rs"] = "pub fn f() {}\n"
			writeTree(t, dir, files)
			opts := fetchOptions(t)
			// No lock file: cargo fetch runs (and resolves nothing).
			if _, err := FetchChecked(context.Background(), dir, opts); err != nil {
				t.Errorf("FetchChecked: %v", err)
			}
			if b, err := os.ReadFile(marker); err == nil {
				t.Fatalf("the pull request's program ran during fetch: %s", b)
			}
			if tt.name == "toolchain path" {
				// Builds ignore the path too: they call the worker's binaries.
				if _, err := Clippy(context.Background(), dir, opts); err != nil {
					t.Errorf("Clippy: %v", err)
				}
				if b, err := os.ReadFile(marker); err == nil {
					t.Fatalf("the pull request's toolchain ran: %s", b)
				}
			}
		})
	}
}

// A git dependency on a loopback address is refused with a finding on its
// manifest line, and nothing connects to it.
func TestFetchRefusesInternalURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	dir := t.TempDir()
	url := fmt.Sprintf("http://%s/x.git", ln.Addr())
	writeTree(t, dir, map[string]string{
		"Cargo.toml": fmt.Sprintf(manifest, "internal") + "\n[dependencies]\nx = { git = \"" + url + "\" }\n",
		"src/lib.rs": "",
	})
	diags, err := FetchChecked(context.Background(), dir, fetchOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || diags[0].Rule != RuleFetchRefused || diags[0].Source != SourceCargo ||
		diags[0].Spans[0].Path != "Cargo.toml" || diags[0].Spans[0].LineStart != 7 || !strings.Contains(diags[0].Message, url) {
		t.Fatalf("findings = %+v, want one refusal on Cargo.toml:7", diags)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections reached %s", n, ln.Addr())
	}
	if err := Fetch(context.Background(), dir, fetchOptions(t)); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Fetch = %v, want a refusal", err)
	}
}

func TestWorkspaceURLs(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\nw = { git = \"https://10.1.2.3/w\" }\n\n" +
			"[patch.\"http://192.168.0.2/idx\"]\np = { path = \"p\" }\n[patch.crates-io]\nq = { git = \"https://1.1.1.1/q\" }\n",
		"a/Cargo.toml": fmt.Sprintf(manifest, "a") + "[target.'cfg(unix)'.dependencies]\nz = { version = \"1\", registry-index = \"sparse+http://169.254.169.254/\" }\n",
		"a/src/lib.rs": "",
		"Cargo.lock": "version = 4\n[[package]]\nname = \"serde\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n" +
			"[[package]]\nname = \"g\"\nsource = \"git+http://127.0.0.1:9/g.git?branch=main#0123\"\n",
	})
	ws, err := readWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range ws.checkURLs(context.Background(), netpolicy.Policy{}) {
		got[d.Spans[0].Path+":"+fmt.Sprint(d.Spans[0].LineStart)] = d.Message
	}
	want := []string{"Cargo.toml:5", "Cargo.toml:7", "a/Cargo.toml:6", "Cargo.lock:7"}
	if len(got) != len(want) {
		t.Errorf("refused = %v, want %v", got, want)
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("no refusal at %s; got %v", w, got)
		}
	}
}

// The manifest-only copy parses: a package whose only targets are
// conventional binaries, one with a build script and links, a workspace.
func TestFetchManifestOnlyCopy(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Cargo.toml":                     "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
		"crates/a/Cargo.toml":            fmt.Sprintf(manifest, "a") + "[package.metadata.x]\ngit = \"http://127.0.0.1/not-a-dependency\"\n",
		"crates/a/src/bin/tool.rs":       "fn main() {}\n",
		"crates/a/src/bin/other/main.rs": "fn main() {}\n",
		"crates/b/Cargo.toml":            fmt.Sprintf(manifest, "b") + "links = \"bz\"\n",
		"crates/b/build.rs":              "fn main() { panic!(\"build script ran\") }\n",
		"crates/b/src/lib.rs":            "compile_error!(\"source read\");\n",
	})
	diags, err := FetchChecked(context.Background(), dir, fetchOptions(t))
	if err != nil || len(diags) != 0 {
		t.Fatalf("FetchChecked = %v, %v", diags, err)
	}
}

// Fetch is skipped while the manifests and lock file stay byte-identical.
func TestFetchSkippedWhenUnchanged(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "skip"), "src/lib.rs": ""})
	opts := fetchOptions(t)
	counter := &fetchCounter{Runner: opts.Runner}
	opts.Runner = counter
	for i := range 2 {
		if err := Fetch(context.Background(), dir, opts); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if n := counter.fetches.Load(); n != 1 {
		t.Errorf("cargo fetch ran %d times for unchanged manifests, want 1", n)
	}
	writeTree(t, dir, map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "skip") + "\n[features]\nx = []\n"})
	if err := Fetch(context.Background(), dir, opts); err != nil {
		t.Fatal(err)
	}
	if n := counter.fetches.Load(); n != 2 {
		t.Errorf("cargo fetch ran %d times after a manifest change, want 2", n)
	}
}

// A build script cannot write the cargo home, and a later build with the
// same home is unaffected.
func TestBuildCannotWriteCargoHome(t *testing.T) {
	opts := fetchOptions(t)
	evil := t.TempDir()
	writeTree(t, evil, map[string]string{
		"Cargo.toml": fmt.Sprintf(manifest, "evil"),
		"src/lib.rs": "",
		"build.rs": `fn main() {
    let home = std::env::var("CARGO_HOME").unwrap();
    let res = std::fs::write(format!("{home}/config.toml"), "[build]\nrustc-wrapper = \"/nonexistent/wrapper\"\n");
    println!("cargo:warning=write cargo home: {:?}", res.is_ok());
}
`,
	})
	if _, err := Clippy(context.Background(), evil, opts); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(opts.CargoHome, "config.toml")); strings.Contains(string(b), "wrapper") {
		t.Fatalf("a build script wrote the cargo home's config:\n%s", b)
	}
	clean := t.TempDir()
	writeTree(t, clean, map[string]string{"Cargo.toml": fmt.Sprintf(manifest, "clean"), "src/lib.rs": "pub fn f(v: &[u8]) -> bool { v.len() == 0 }\n"})
	opts.TargetDir = filepath.Join(filepath.Dir(opts.TargetDir), "target-clean")
	diags, err := Clippy(context.Background(), clean, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || diags[0].Rule != "clippy::len_zero" {
		t.Errorf("clean crate after a hostile one: %+v", diags)
	}
}
