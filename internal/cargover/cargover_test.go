package cargover

import "testing"

func TestReqMatches(t *testing.T) {
	tests := []struct {
		req, v string
		want   bool
	}{
		{">= 1.2.0", "1.2.0", true},
		{">= 1.2.0", "1.1.9", false},
		{"< 1.1.0", "1.0.9", true},
		{">= 1.2.0, < 2", "1.9.0", true},
		{">= 1.2.0, < 2", "2.0.0", false},
		{"^1.2", "1.9.9", true},
		{"^1.2", "2.0.0", false},
		{"1.2.3", "1.3.0", true},
		{"^0.3", "0.3.9", true},
		{"^0.3", "0.4.0", false},
		{"^0.0.3", "0.0.4", false},
		{"~1.2.3", "1.2.9", true},
		{"~1.2.3", "1.3.0", false},
		{"=0.3.1", "0.3.1", true},
		{"=0.3.1", "0.3.2", false},
		{"1.*", "1.7.0", true},
		{"*", "9.0.0", true},
		{">= 1.2.0", "1.3.0-alpha", false},
		{">= 1.3.0-alpha, < 2", "1.3.0-beta", true},
		{"> 1.2", "1.2.9", false},
		{"> 1.2", "1.3.0", true},
		{"<= 1.2", "1.2.9", true},
	}
	for _, tc := range tests {
		r, err := ParseReq(tc.req)
		if err != nil {
			t.Fatalf("ParseReq(%q): %v", tc.req, err)
		}
		v, err := Parse(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Matches(v); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.req, tc.v, got, tc.want)
		}
	}
}

func TestBreakingBump(t *testing.T) {
	tests := []struct {
		old, new string
		want     bool
		bump     string
	}{
		{"1.2.3", "2.0.0", true, "major"},
		{"1.2.3", "1.3.0", false, "major"},
		{"0.3.1", "0.4.0", true, "minor"},
		{"0.3.1", "0.3.2", false, "minor"},
		{"0.0.3", "0.0.4", true, "patch"},
		{"1.0.0", "1.0.0", false, "major"},
	}
	for _, tc := range tests {
		o, _ := Parse(tc.old)
		n, _ := Parse(tc.new)
		if got := IsBreakingBump(o, n); got != tc.want {
			t.Errorf("IsBreakingBump(%s, %s) = %v", tc.old, tc.new, got)
		}
		if got := Bump(o); got != tc.bump {
			t.Errorf("Bump(%s) = %s", tc.old, got)
		}
	}
	if _, err := Parse("1.2"); err == nil {
		t.Error("Parse(1.2) accepted")
	}
	if v, err := ParseRustVersion("1.70"); err != nil || v.String() != "1.70.0" {
		t.Errorf("ParseRustVersion: %v %v", v, err)
	}
}
