package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/symposium-dev/symposium/internal/tasks"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Command
		ok   bool
	}{
		{"fix", "/symposium fix", Command{Name: tasks.CommandFix}, true},
		{"review", "/symposium review", Command{Name: tasks.CommandReview}, true},
		{"help", "/symposium help", Command{Name: tasks.CommandHelp}, true},
		{"bare", "/symposium", Command{Name: tasks.CommandHelp}, true},
		{"bare trailing space", "/symposium   \r\n", Command{Name: tasks.CommandHelp}, true},
		{"case insensitive", "/SYMPOSIUM Fix", Command{Name: tasks.CommandFix}, true},
		{"leading spaces", "   /symposium fix", Command{Name: tasks.CommandFix}, true},
		{"tab is an indented code block", "\t/symposium review", Command{}, false},
		{"indented code block", "    /symposium fix", Command{}, false},
		{"indented code after a blank line", "text\n\n    /symposium fix", Command{}, false},
		{"indented paragraph continuation", "text\n    /symposium fix", Command{Name: tasks.CommandFix}, true},
		{"html comment", "<!--\n/symposium fix\n-->", Command{}, false},
		{"html comment one line", "<!-- /symposium fix -->", Command{}, false},
		{"inline html comment", "hello <!--\n/symposium fix\n-->", Command{}, false},
		{"after an html comment", "<!-- x -->\n\n/symposium review", Command{Name: tasks.CommandReview}, true},
		{"after an inline html comment", "hello <!-- x -->\n/symposium review", Command{Name: tasks.CommandReview}, true},
		{"pre block", "<pre>\n/symposium fix\n</pre>", Command{}, false},
		{"code block element", "<code>\n/symposium fix\n</code>", Command{}, false},
		{"inline code element", "see <code>\n/symposium fix\n</code>", Command{}, false},
		{"inline pre element", "see <pre class=x>\n/symposium fix", Command{}, false},
		{"after a closed code element", "see <code>x</code>\n/symposium fix", Command{Name: tasks.CommandFix}, true},
		{"code span over lines", "`x\n/symposium fix`", Command{}, false},
		{"lazy quote continuation", "> quoted\n/symposium fix", Command{}, false},
		{"quote in a list", "- > /symposium fix", Command{}, false},
		{"list item", "- /symposium fix", Command{}, false},
		{"heading marker", "# /symposium fix", Command{}, false},
		{"details is visible", "<details>\n\n/symposium fix\n\n</details>", Command{Name: tasks.CommandFix}, true},
		{"args", "/symposium fix   only clippy  ", Command{Name: tasks.CommandFix, Args: "only clippy"}, true},
		{"unknown word", "/symposium deploy now", Command{Name: tasks.CommandHelp, Unknown: "deploy", Args: "now"}, true},
		{"later line", "Thanks!\n\n/symposium fix\n", Command{Name: tasks.CommandFix}, true},
		{"crlf", "hi\r\n/symposium review\r\n", Command{Name: tasks.CommandReview}, true},
		{"first wins", "/symposium review\n/symposium fix", Command{Name: tasks.CommandReview}, true},
		{"mid line", "please /symposium fix", Command{}, false},
		{"inline code", "`/symposium fix`", Command{}, false},
		{"glued", "/symposiumfix", Command{}, false},
		{"other bot", "/symposium-bot fix", Command{}, false},
		{"quote", "> /symposium fix", Command{}, false},
		{"indented quote", "  > /symposium fix", Command{}, false},
		{"fenced", "```\n/symposium fix\n```", Command{}, false},
		{"fenced with info", "```text\n/symposium fix\n```", Command{}, false},
		{"tilde fence", "~~~\n/symposium fix\n~~~", Command{}, false},
		{"after fence", "```\n/symposium fix\n```\n/symposium review", Command{Name: tasks.CommandReview}, true},
		{"longer fence needs longer close", "````\n```\n/symposium fix\n````\n/symposium help", Command{Name: tasks.CommandHelp}, true},
		{"unclosed fence", "```\n/symposium fix", Command{}, false},
		{"inline backticks are not a fence", "``` a ` b\n/symposium fix", Command{Name: tasks.CommandFix}, true},
		{"empty", "", Command{}, false},
		{"long unknown truncated", "/symposium " + strings.Repeat("é", 40), Command{Name: tasks.CommandHelp, Unknown: strings.Repeat("é", 32)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseCommand(tt.body)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.body, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/symposium fix", "> /symposium fix", "```\n/symposium review\n```", "/symposium wat x", "  /SYMPOSIUM help",
		"<!--\n/symposium fix\n-->", "a <code>\n/symposium fix\n</code>", "<pre>\n/symposium fix", "    /symposium fix", "`a\n/symposium fix`"} {
		f.Add(s)
	}
	files, _ := filepath.Glob(filepath.Join(fixtures, "issue_comment.*.json"))
	for _, p := range files {
		var c struct {
			Comment struct{ Body string } `json:"comment"`
		}
		if b, err := os.ReadFile(p); err == nil && json.Unmarshal(b, &c) == nil {
			f.Add(c.Comment.Body)
			f.Add(c.Comment.Body + "\n/symposium fix")
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		cmd, ok := ParseCommand(body)
		if !ok {
			if cmd != (Command{}) {
				t.Fatalf("no command but %+v", cmd)
			}
			return
		}
		switch cmd.Name {
		case tasks.CommandFix, tasks.CommandReview:
			if cmd.Unknown != "" {
				t.Fatalf("known command with Unknown %q", cmd.Unknown)
			}
		case tasks.CommandHelp:
		default:
			t.Fatalf("command name %q", cmd.Name)
		}
		if len(cmd.Unknown) > maxUnknownBytes || !utf8.ValidString(cmd.Unknown) {
			t.Fatalf("Unknown %q too long or invalid UTF-8", cmd.Unknown)
		}
		if !strings.Contains(strings.ToLower(body), commandPrefix) {
			t.Fatalf("command found in a body without %s", commandPrefix)
		}
		// The same body quoted, or indented as code, holds no command.
		var quoted, indented strings.Builder
		for line := range strings.Lines(body) {
			quoted.WriteString("> " + line)
			indented.WriteString("    " + line)
		}
		if c, ok := ParseCommand(quoted.String()); ok {
			t.Fatalf("command %+v in a quote", c)
		}
		if c, ok := ParseCommand(indented.String()); ok && !strings.HasPrefix(strings.TrimLeft(body, " \t"), "\n") {
			t.Fatalf("command %+v in an indented code block", c)
		}
		if !strings.Contains(body, "-->") {
			if c, ok := ParseCommand("<!--\n" + body + "\n-->"); ok {
				t.Fatalf("command %+v in an HTML comment", c)
			}
		}
		again, _ := ParseCommand(body)
		if again != cmd {
			t.Fatalf("not deterministic: %+v then %+v", cmd, again)
		}
	})
}
