package deploy_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
}

// readDockerfile parses the Dockerfile's instructions. No Docker engine is
// here to build it, so the test checks what the image must have.
func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		cur += line
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur = ""
	}
	return out
}

func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	var stages []string
	var last []instruction // the final stage's instructions
	all := ""
	for _, in := range ins {
		all += in.cmd + " " + in.args + "\n"
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			if len(f) != 3 || !strings.EqualFold(f[1], "AS") {
				t.Errorf("FROM %s: name every stage", in.args)
				continue
			}
			stages = append(stages, f[2])
			last = nil
		}
		if in.cmd == "COPY" {
			if m := regexp.MustCompile(`--from=(\S+)`).FindStringSubmatch(in.args); m != nil && !slices.Contains(stages, m[1]) {
				t.Errorf("COPY --from=%s: no earlier stage of that name", m[1])
			}
		}
		last = append(last, in)
	}
	if len(stages) < 2 {
		t.Fatalf("stages %v: want a multi-stage build", stages)
	}
	for _, want := range []string{
		"CGO_ENABLED=0 go build -trimpath",
		"-X main.version=${VERSION}",
		"--profile minimal",
		"--component clippy --component rustfmt",
		`--default-toolchain "${RUST_VERSION}"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !regexp.MustCompile(`ARG RUST_VERSION=\d+\.\d+\.\d+\n`).MatchString(all) {
		t.Error("RUST_VERSION is not pinned to a release (X.Y.Z)")
	}
	final := map[string][]string{}
	for _, in := range last {
		final[in.cmd] = append(final[in.cmd], in.args)
	}
	run := strings.Join(final["RUN"], " ")
	if m := missing(strings.Fields(run), "bubblewrap", "ca-certificates", "git", "gcc", "libc6-dev",
		"slirp4netns", "iproute2", "util-linux"); len(m) > 0 {
		t.Errorf("the runtime image does not install %q", m)
	}
	if strings.Contains(run, "curl") {
		t.Error("the runtime image installs curl; it should not need it")
	}
	if users := final["USER"]; len(users) != 1 || !regexp.MustCompile(`^[1-9]\d*:[1-9]\d*$`).MatchString(users[0]) {
		t.Errorf("USER %q: want a numeric non-root uid:gid", users)
	}
	if ep := final["ENTRYPOINT"]; len(ep) != 1 || ep[0] != `["symposium"]` {
		t.Errorf(`ENTRYPOINT %q, want ["symposium"]`, ep)
	}
	if !strings.Contains(strings.Join(final["COPY"], " "), "/usr/local/bin/symposium") {
		t.Error("the runtime image does not get the symposium binary")
	}
}
