package review

import (
	"strings"
	"testing"
)

func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"ping @octo-org/team and @alice", "ping @\u200docto-org/team and @\u200dalice"},
		{"see #12 and a/b#3", "see #\u200d12 and a/b#\u200d3"},
		{"<!-- symposium:fp=abc --> <b>x</b>", "&lt;\\!-- symposium:fp=abc --&gt; &lt;b&gt;x&lt;/b&gt;"},
		{"writing `&Vec` instead of `&[_]`", "writing `&Vec` instead of `&[_]`"},
		{"go to https://evil.example", "go to https:\u200d//evil.example"},
		{"[click](x)", "\\[click\\](x)"},
		{"unclosed ` tick @a", "unclosed ` tick @\u200da"},
	}
	for _, tt := range tests {
		if got := EscapeText(tt.in); got != tt.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCodeSpan(t *testing.T) {
	for _, in := range []string{"a`b", "`x`", "line\nbreak", "<!-- symposium:fp=1 -->", ""} {
		got := CodeSpan(in)
		if strings.Contains(got, "\n") || strings.Contains(got, "<!--") {
			t.Errorf("CodeSpan(%q) = %q", in, got)
		}
		if len(ParseMarkers(got)) != 0 {
			t.Errorf("CodeSpan(%q) forms a marker", in)
		}
	}
}
