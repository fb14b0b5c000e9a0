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
		{"leading tab", "\t/symposium review", Command{Name: tasks.CommandReview}, true},
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
	for _, s := range []string{"/symposium fix", "> /symposium fix", "```\n/symposium review\n```", "/symposium wat x", "  /SYMPOSIUM help"} {
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
		again, _ := ParseCommand(body)
		if again != cmd {
			t.Fatalf("not deterministic: %+v then %+v", cmd, again)
		}
	})
}
