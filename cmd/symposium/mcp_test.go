package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/symposium-dev/symposium/internal/skills/skillstest"
)

// TestMCPServesTheFiveTools drives `symposium mcp` over its stdio streams
// with the SDK's client.
func TestMCPServesTheFiveTools(t *testing.T) {
	repo := skillstest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clientIn, serverOut := io.Pipe()
	serverIn, clientOut := io.Pipe()
	var stderr bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := serveMCP(ctx, []string{"--repo", repo.Dir, "--rev", repo.Head, "--cache-dir", t.TempDir()}, serverIn, serverOut, &stderr)
		if err != nil && ctx.Err() == nil {
			t.Errorf("serveMCP: %v\n%s", err, stderr.String())
		}
		serverOut.Close()
	}()
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.IOTransport{Reader: clientIn, Writer: clientOut}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cs.Close()
		cancel()
		wg.Wait()
	}()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "crate_info") || len(names) != 5 {
		t.Fatalf("tools %s, want the five", got)
	}
	call := func(name string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return b.String(), res.IsError
	}
	for _, tc := range []struct {
		tool    string
		args    map[string]any
		wantErr bool
		want    string
	}{
		{"crate_info", map[string]any{"name": "helper"}, false, `"version": "2.1.0"`},
		{"crate_info", map[string]any{"name": "serde"}, true, "neither"},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "src/lib.rs"}, false, "pub fn answer"},
		{"read_crate_file", map[string]any{"crate": "app", "path": "src/lib.rs"}, false, "pub fn twice"},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "../../Cargo.toml"}, true, "not a path inside"},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "/etc/passwd"}, true, "not a path inside"},
		{"read_crate_file", map[string]any{"crate": "helper", "path": "src"}, true, "not a regular file"},
		{"search_crate", map[string]any{"crate": "helper", "pattern": `fn \w+\(`}, false, "src/lib.rs:2: pub fn answer() -> u32 {"},
		{"search_crate", map[string]any{"crate": "helper", "pattern": `(`}, true, "bad pattern"},
		{"skill", map[string]any{"name": skillstest.ApplicableSkill}, false, "# " + skillstest.ApplicableSkill}, // --rev is the head here: its own copy
		{"skill", map[string]any{"name": skillstest.OtherVersionSkill}, true, "does not apply"},
		{"cargo_check", map[string]any{}, false, "0 errors"},
		{"cargo_check", map[string]any{"patch": "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,3 @@\n pub fn value() -> u32 {\n-    helper::answer() + 1\n+    helper::answer() + \"1\"\n }\n"}, false, "error"},
		{"cargo_check", map[string]any{"patch": "not a diff"}, true, "does not apply"},
	} {
		got, isErr := call(tc.tool, tc.args)
		if isErr != tc.wantErr || !strings.Contains(got, tc.want) {
			t.Errorf("%s %v: error=%v %q; want error=%v and %q", tc.tool, tc.args, isErr, got, tc.wantErr, tc.want)
		}
	}
}
