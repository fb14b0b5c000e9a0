package cargo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

// A compiler message that names a file which is, or lies behind, a symbolic
// link of the checkout (anywhere: primary or secondary span, a child's span,
// a macro expansion) is replaced by one that quotes nothing of it and has
// no span; other messages are kept as they are.
func TestParseMessagesHidesLinkedFiles(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"src"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "src/lib.rs"), []byte("pub mod home;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"src/home.rs": "/etc/passwd", "src/m": "/", "src/sib.rs": "lib.rs"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	span := func(file string, primary bool) map[string]any {
		return map[string]any{"file_name": file, "line_start": 1, "line_end": 1, "column_start": 1, "column_end": 5,
			"is_primary": primary, "label": "found `root`"}
	}
	msg := func(level, code string, spans []map[string]any, children ...map[string]any) map[string]any {
		m := map[string]any{"message": "expected item, found `root:x:0:0`", "level": level, "spans": spans,
			"children": children, "rendered": "error: expected item\n --> f\n1 | root:x:0:0:root:/root:/bin/bash\n"}
		if code != "" {
			m["code"] = map[string]string{"code": code}
		}
		return m
	}
	expansion := span("src/lib.rs", true)
	expansion["expansion"] = map[string]any{"span": span("src/m/etc/passwd", false)}
	tests := []struct {
		name     string
		message  map[string]any
		hidden   string // the file named, "" when the message is kept
		severity review.Severity
	}{
		{"primary span in a link", msg("error", "", []map[string]any{span("src/home.rs", true)}), "src/home.rs", review.SeverityError},
		{"absolute path of a link", msg("warning", "clippy::x", []map[string]any{span(filepath.Join(root, "src/sib.rs"), true)}), "src/sib.rs", review.SeverityWarning},
		{"behind a linked directory", msg("error", "E0583", []map[string]any{span("src/lib.rs", true), span("src/m/etc/passwd", false)}), "src/m/etc/passwd", review.SeverityError},
		{"a child's span", msg("error", "", []map[string]any{span("src/lib.rs", true)}, msg("note", "", []map[string]any{span("src/home.rs", true)})), "src/home.rs", review.SeverityError},
		{"a macro expansion", msg("error", "", []map[string]any{expansion}), "src/m/etc/passwd", review.SeverityError},
		{"leaves the checkout", msg("error", "", []map[string]any{span("src/../../x.rs", true)}), "src/../../x.rs", review.SeverityError},
		{"a regular file", msg("error", "E0001", []map[string]any{span("src/lib.rs", true)}), "", review.SeverityError},
		{"the standard library", msg("error", "", []map[string]any{span("src/lib.rs", true), span("/rustc/abc/library/core/src/lib.rs", false)}), "", review.SeverityError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := json.Marshal(map[string]any{"reason": "compiler-message", "message": tt.message})
			if err != nil {
				t.Fatal(err)
			}
			diags, err := ParseMessages(strings.NewReader(string(line)+"\n"), root)
			if err != nil || len(diags) != 1 {
				t.Fatalf("ParseMessages = %+v, %v; want one diagnostic", diags, err)
			}
			d := diags[0]
			if d.Severity != tt.severity {
				t.Errorf("severity %s, want %s", d.Severity, tt.severity)
			}
			if tt.hidden == "" {
				if !strings.Contains(d.Message, "root:x:0:0") || len(d.Spans) == 0 {
					t.Errorf("a message about regular files was changed: %+v", d)
				}
				return
			}
			b, _ := json.Marshal(d)
			if strings.Contains(string(b), "root") || len(d.Spans) != 0 || len(d.Notes) != 0 || len(d.Fixes) != 0 || d.Rendered != "" {
				t.Errorf("the message about a linked file quotes it or has spans: %s", b)
			}
			if !strings.Contains(d.Message, "`"+tt.hidden+"`, which is ") || !strings.Contains(d.Message, "its message is not shown") {
				t.Errorf("message %q does not name %s", d.Message, tt.hidden)
			}
			if code, _ := tt.message["code"].(map[string]string); code != nil && d.Rule != code["code"] {
				t.Errorf("rule %q, want %q", d.Rule, code["code"])
			}
		})
	}
}
