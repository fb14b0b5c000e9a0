package rustlex

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	src := "let s = \"a // b\"; // c\nlet r = r#\"x \" y\"#; /* d /* e */ f */ 'l: loop { let c = '\\''; let l: &'a str; }\n"
	var got []string
	for _, tok := range Tokenize(src) {
		got = append(got, tok.Text)
	}
	want := []string{"let", "s", "=", `"a // b"`, ";", "// c", "let", "r", "=", `r#"x " y"#`, ";", "/* d /* e */ f */",
		"'l", ":", "loop", "{", "let", "c", "=", `'\''`, ";", "let", "l", ":", "&", "'a", "str", ";", "}"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens\n got %q\nwant %q", got, want)
	}
	toks := Tokenize("a\n/* x\ny */ b")
	if toks[1].Kind != Comment || toks[1].Line != 2 || toks[1].EndLine != 3 || toks[2].Line != 3 {
		t.Errorf("lines %+v", toks)
	}
}
