package commandjob

import (
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/fix"
)

// TestRepliesNeutralisePullRequestText checks the reply pieces that quote
// what a pull request controls: names, rules (an agent patch's
// description), notes and command text.
func TestRepliesNeutralisePullRequestText(t *testing.T) {
	hostile := "@org/team #12 <!-- symposium:fp=abc --> <img src=x> `"
	for name, got := range map[string]string{
		"fix list": fixList([]fix.Fix{{Rule: hostile, Path: "src/@x/#1.rs", Count: 2}}),
		"notes":    notes([]string{hostile}),
		"help":     helpText(hostile),
		"rules":    codeSpans([]string{hostile, "clippy::x"}),
	} {
		prose := stripCode(got)
		for _, bad := range []string{"@org", "#12", "<img", "<!--", "@x/"} {
			if strings.Contains(prose, bad) {
				t.Errorf("%s: %q outside code in %q", name, bad, got)
			}
		}
		if strings.Contains(got, "<!--") {
			t.Errorf("%s: a marker-like comment in %q", name, got)
		}
	}
}

// stripCode drops inline code spans, where GitHub renders nothing.
func stripCode(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
		ticks := s[i : i+n]
		rest := s[i+n:]
		end := strings.Index(rest, ticks)
		if end < 0 {
			b.WriteString(rest)
			break
		}
		s = rest[end+n:]
	}
	return b.String()
}
