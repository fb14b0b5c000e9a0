package review

import "testing"

func TestMatchAny(t *testing.T) {
	for _, tt := range []struct {
		name  string
		globs []string
		path  string
		want  bool
	}{
		{"no globs", nil, "src/lib.rs", false},
		{"double star", []string{"generated/**"}, "generated/a/b.rs", true},
		{"single star stays in a directory", []string{"src/*.rs"}, "src/a/b.rs", false},
		{"second glob", []string{"x/**", "**/*_gen.rs"}, "src/a_gen.rs", true},
		{"invalid glob matches nothing", []string{"["}, "[", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchAny(tt.globs, tt.path); got != tt.want {
				t.Errorf("MatchAny(%q, %q) = %v, want %v", tt.globs, tt.path, got, tt.want)
			}
		})
	}
}
