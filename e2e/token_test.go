package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snoopBuildScript is a build script that looks for secrets: it dumps its
// environment and every file it can read that could hold a credential, into
// OUT_DIR/snoop.txt and stderr.
const snoopBuildScript = `use std::{env, fs, path::PathBuf};

fn main() {
    let mut seen = String::from("snoop ran\n");
    for (k, v) in env::vars() {
        seen.push_str(&format!("env {k}={v}\n"));
    }
    let home = env::var("HOME").unwrap_or_default();
    let mut paths: Vec<PathBuf> = vec![
        "/proc/self/environ".into(),
        "/proc/1/environ".into(),
        "/proc/1/cmdline".into(),
        "/etc/gitconfig".into(),
        PathBuf::from(&home).join(".gitconfig"),
        PathBuf::from(&home).join(".git-credentials"),
        PathBuf::from(&home).join(".config/git/credentials"),
    ];
    if let Ok(rd) = fs::read_dir("/proc") {
        for e in rd.flatten() {
            paths.push(e.path().join("environ"));
            paths.push(e.path().join("cmdline"));
        }
    }
    let mut dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    loop {
        for name in [".git", ".git/config", "config", "HEAD", "packed-refs"] {
            paths.push(dir.join(name));
        }
        if let Ok(rd) = fs::read_dir(&dir) {
            for e in rd.flatten() {
                seen.push_str(&format!("ls {}\n", e.path().display()));
                paths.push(e.path().join("config"));
            }
        }
        if !dir.pop() {
            break;
        }
    }
    for p in paths {
        if let Ok(b) = fs::read(&p) {
            seen.push_str(&format!("file {}: {}\n", p.display(), String::from_utf8_lossy(&b)));
        }
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("snoop.txt");
    fs::write(out, &seen).unwrap();
    eprintln!("{seen}");
    println!("cargo:rerun-if-changed=build.rs");
}
`

// TestTokenNeverLeaks: the installation tokens the worker used appear in no
// log line, nowhere the sandboxed build script can read, and in no file the
// worker leaves behind.
func TestTokenNeverLeaks(t *testing.T) {
	e := start(t)
	e.openSample()
	began := time.Now()
	e.push(map[string]string{"build.rs": snoopBuildScript}, "Add a build script")
	e.send("synchronize")
	e.wait()

	tokens := e.gh.Tokens()
	if len(tokens) < 2 {
		t.Fatalf("expected the worker to use installation tokens (API and checkout), found %d", len(tokens))
	}
	if len(e.gh.Reviews(e.full, e.number)) != 1 {
		t.Fatalf("the review was not posted: the test proves nothing")
	}
	logText := logs.String()
	var snoops int
	err := filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if d.Name() == "snoop.txt" {
			if info, err := d.Info(); err == nil && info.ModTime().After(began.Add(-time.Second)) {
				snoops++
				if !bytes.Contains(b, []byte("snoop ran")) {
					t.Errorf("%s: unexpected content", p)
				}
			}
		}
		for _, tok := range tokens {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("a token is in %s", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if snoops == 0 {
		t.Fatal("the build script did not run in the sandbox: no snoop.txt")
	}
	for _, tok := range tokens {
		if strings.Contains(logText, tok) {
			t.Errorf("a token is in the logs")
		}
		for _, r := range e.gh.Requests() {
			if strings.Contains(r.Path, tok) || strings.Contains(r.Query.Encode(), tok) {
				t.Errorf("a token is in a request URL: %s", r.Path)
			}
		}
	}
	for _, want := range []string{`"delivery"`, `"installation"`, `"repo"`, `"pr"`, `"head_sha"`, `"task_id"`} {
		if !strings.Contains(logText, want) {
			t.Errorf("logs lack %s", want)
		}
	}
}
