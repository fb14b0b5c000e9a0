package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// probeBuildRS tries what untrusted build scripts must not do, and reports
// each attempt as a cargo warning: "probe <what>=<ok|blocked>".
const probeBuildRS = `use std::io::Read;
fn main() {
    println!("cargo:rerun-if-env-changed=PROBE_RUN");
    let net = std::net::TcpStream::connect_timeout(
        &"ADDR".parse().unwrap(), std::time::Duration::from_secs(2)).is_ok();
    let mut s = String::new();
    let secret = std::fs::File::open("SECRET").and_then(|mut f| f.read_to_string(&mut s)).is_ok();
    let token = std::env::var("GITHUB_TOKEN").is_ok();
    for (what, leaked) in [("net", net), ("secret", secret), ("token", token)] {
        println!("cargo:warning=probe {what}={}", if leaked { "ok" } else { "blocked" });
    }
}
`

const sleepBuildRS = `fn main() {
    std::process::Command::new("sleep").arg("MARKER").spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(100000));
}
`

// writeCrate writes a package with the given build script and returns its dir.
func writeCrate(t *testing.T, name, buildRS string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Cargo.toml": "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"build.rs":   buildRS,
		"src/lib.rs": "",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// cargoBuild is `cargo build` of dir in the sandbox, the way internal/cargo
// runs it: toolchain read-only, checkout and target dir writable.
func cargoBuild(t *testing.T, dir string, extraEnv ...string) Command {
	t.Helper()
	tc, err := RustToolchain()
	if err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	env := append(append([]string{}, tc.Env...),
		"CARGO_TARGET_DIR="+target, "CARGO_HOME="+filepath.Join(target, "cargo-home"), "HOME="+sandboxHome)
	return Command{
		Args:     []string{"cargo", "build", "--offline", "--color=never"},
		Dir:      dir,
		Env:      append(env, extraEnv...),
		Writable: []string{dir, target},
		ReadOnly: tc.ReadOnly,
	}
}

func TestBuildScriptIsConfined(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghs_secret_from_the_service")
	addr, accepted := listen(t)
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer("ADDR", addr, "SECRET", secret).Replace(probeBuildRS)
	dir := writeCrate(t, "probe", src)
	r := newRunner(t, ModeBwrap, DefaultLimits())
	cmd := cargoBuild(t, dir)

	res, err := r.Run(context.Background(), cmd)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("cargo build: err %v, exit %d\n%s", err, res.ExitCode, res.Stderr)
	}
	for _, want := range []string{"probe net=blocked", "probe secret=blocked", "probe token=blocked"} {
		if !strings.Contains(string(res.Stderr), want) {
			t.Errorf("missing %q in\n%s", want, res.Stderr)
		}
	}
	if n := accepted(); n != 0 {
		t.Errorf("listener accepted %d connections from the sandbox", n)
	}

	// Control: with the host's network, the secret's directory and the token
	// given to it, the same probe succeeds, so "blocked" above is the
	// sandbox's doing.
	cmd.HostNetwork = true
	cmd.ReadOnly = append(cmd.ReadOnly, secretDir)
	cmd.Env = append(cmd.Env, "PROBE_RUN=control", "GITHUB_TOKEN=given")
	res, err = r.Run(context.Background(), cmd)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("control cargo build: err %v, exit %d\n%s", err, res.ExitCode, res.Stderr)
	}
	for _, want := range []string{"probe net=ok", "probe secret=ok", "probe token=ok"} {
		if !strings.Contains(string(res.Stderr), want) {
			t.Errorf("control: missing %q in\n%s", want, res.Stderr)
		}
	}
	if n := accepted(); n != 1 {
		t.Errorf("control: listener accepted %d connections, want 1", n)
	}
}

func TestBuildScriptTimeout(t *testing.T) {
	marker := "777" + time.Now().Format("150405")
	dir := writeCrate(t, "sleeper", strings.ReplaceAll(sleepBuildRS, "MARKER", marker))
	r := newRunner(t, ModeBwrap, DefaultLimits())
	cmd := cargoBuild(t, dir)
	cmd.Timeout = 10 * time.Second
	seen := make(chan bool, 1)
	go func() { // the build script's child must have run before the kill
		deadline := time.Now().Add(cmd.Timeout)
		for time.Now().Before(deadline) && findProcess("sleep "+marker) == "" {
			time.Sleep(100 * time.Millisecond)
		}
		seen <- findProcess("sleep "+marker) != ""
	}()
	start := time.Now()
	_, err := r.Run(context.Background(), cmd)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	t.Logf("killed after %s", time.Since(start))
	if !<-seen {
		t.Fatal("the build script's child never ran")
	}
	assertNoProcess(t, "sleep "+marker)
}
