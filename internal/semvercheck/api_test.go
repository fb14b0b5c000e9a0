package semvercheck

import (
	"os"
	"strings"
	"testing"
)

func load(t *testing.T, name string) *API {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	api, err := ParseRustdoc(data)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func TestBreaks(t *testing.T) {
	base, head := load(t, "base"), load(t, "head")
	if base.Crate != "api" || base.Version != "1.2.0" {
		t.Errorf("crate %q %q", base.Crate, base.Version)
	}
	for _, p := range []string{"api::m::S::new", "api::S::a", "api::gone", "api::E::B", "api::T::req", "api::C impl Clone"} {
		if _, ok := base.Items[p]; !ok {
			t.Errorf("base API lacks %s: %v", p, base.Paths())
		}
	}
	if _, ok := base.Items["api::m::S::private"]; ok {
		t.Error("a private method is in the API")
	}
	var got []string
	for _, b := range Breaks(base, head) {
		got = append(got, strings.TrimSuffix(b.Path+": "+b.What+" "+b.RenamedTo, " "))
	}
	want := []string{
		"api::C impl Clone: removed",
		"api::E::C: variant added to an exhaustive enum",
		"api::T::req2: new required trait item",
		"api::gone: removed api::added",
		"api::m::moved: removed api::m::renamed",
		"api::sig: signature changed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("breaks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJudge(t *testing.T) {
	breaks := []Break{{Path: "c::f", What: "removed", Kind: "function"}}
	tests := []struct {
		base, head string
		ok         bool
		needed     string
	}{
		{"1.2.0", "1.3.0", false, "major"},
		{"1.2.0", "2.0.0", true, ""},
		{"0.1.0", "0.1.1", false, "minor"},
		{"0.1.0", "0.2.0", true, ""},
	}
	for _, tc := range tests {
		v, err := Judge(breaks, tc.base, tc.head)
		if err != nil || v.OK != tc.ok || v.Needed != tc.needed {
			t.Errorf("Judge(%s→%s) = %+v, %v", tc.base, tc.head, v, err)
		}
	}
	v, _ := Judge(breaks, "0.1.0", "0.1.0")
	if msg := v.Message("c", "0.1.0", "0.1.0"); !strings.Contains(msg, "a minor bump is needed (to `0.2.0` or later). function `c::f`: removed") {
		t.Errorf("message %q", msg)
	}
	if v, _ := Judge(nil, "0.1.0", "0.1.0"); !v.OK {
		t.Error("no breaks is not OK")
	}
}
