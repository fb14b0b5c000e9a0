package review

import (
	"slices"
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
		{"unclosed ` tick @a", "unclosed \\` tick @\u200da"},
		{"``double`` and `` ` ``", "`double` and `` ` ``"},
		{"see GH-12, high-5 and gh-3x", "see GH\u200d-12, high-5 and gh\u200d-3x"},
		{"$x$ & <img src=x>", "\\$x\\$ &amp; &lt;img src=x&gt;"},
		{"code `<!-- symposium:fp=a -->` here", "code `<!-\u200d- symposium:fp=a -->` here"},
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

func TestEscapePlainIsIdempotent(t *testing.T) {
	in := "@org/team #1 <!-- symposium:fp=abc -->"
	once := EscapePlain(in)
	if strings.Contains(once, "<!--") || strings.Contains(once, "@o") || strings.Contains(once, "#1") {
		t.Errorf("EscapePlain(%q) = %q", in, once)
	}
	if twice := EscapePlain(once); twice != once {
		t.Errorf("EscapePlain twice = %q, once = %q", twice, once)
	}
}

func TestCodeBlockCannotBeClosed(t *testing.T) {
	got := CodeBlock("rust", "a\n```\n@x <!-- y -->\n")
	if !strings.HasPrefix(got, "````rust\n") || !strings.HasSuffix(got, "\n````\n") || strings.Contains(got, "<!--") {
		t.Errorf("CodeBlock = %q", got)
	}
}

func TestParseMarkersReadsOnlyTheLastLine(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"ours", "text\n\n" + Marker("a1", "b2") + "\n", []string{"a1", "b2"}},
		{"trailing blank lines and CR", "text\r\n" + Marker("a1") + "\r\n\n", []string{"a1"}},
		{"marker quoted earlier", Marker("forged") + "\ntext\n" + Marker("a1"), []string{"a1"}},
		{"marker not last", "x\n" + Marker("forged") + "\ntrailing prose", nil},
		{"inside a line", "x " + Marker("forged"), nil},
		{"indented", "x\n    " + Marker("forged"), nil},
		{"bad characters", "x\n<!-- symposium:fp=a b -->", nil},
		{"empty", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseMarkers(tt.body); !slices.Equal(got, tt.want) {
				t.Errorf("ParseMarkers(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
	rest, fps := SplitMarker("body\n\n" + Marker("x"))
	if rest != "body" || !slices.Equal(fps, []string{"x"}) {
		t.Errorf("SplitMarker = %q %q", rest, fps)
	}
}

func TestEscapeMarkdownKeepsCodeAndEmphasis(t *testing.T) {
	in := "**Bold** claim by @alice about #3.\n\n```rust\nlet x = \"@bob <!-- symposium:fp=zz -->\"; // ```\n```\n<img src=x> [link](http://x)"
	got := EscapeMarkdown(in)
	want := "**Bold** claim by @\u200dalice about #\u200d3.\n\n" +
		"````rust\nlet x = \"@bob <!-\u200d- symposium:fp=zz -->\"; // ```\n````\n" +
		"&lt;img src=x&gt; \\[link\\](http:\u200d//x)"
	if got != want {
		t.Errorf("EscapeMarkdown =\n%q\nwant\n%q", got, want)
	}
}
