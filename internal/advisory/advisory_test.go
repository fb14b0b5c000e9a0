package advisory

import (
	"testing"

	"github.com/symposium-dev/symposium/internal/cargover"
)

func TestFor(t *testing.T) {
	db, err := Open("../depthfixture/advisory-db")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pkg, version string
		want         []string
	}{
		{"buildhelper", "0.3.0", []string{"RUSTSEC-2099-0001"}},
		{"buildhelper", "0.3.1", nil},
		{"buildhelper", "0.1.0", []string{"RUSTSEC-2099-0003"}},
		{"buildhelper", "0.2.1", []string{"RUSTSEC-2099-0001", "RUSTSEC-2099-0003"}},
		{"serde", "1.0.0", nil},
		{"../buildhelper", "0.3.0", nil},
	}
	for _, tc := range tests {
		v, err := cargover.Parse(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.For(tc.pkg, v)
		if err != nil {
			t.Fatalf("For(%s): %v", tc.pkg, err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
			t.Errorf("For(%s %s) = %v, want %v", tc.pkg, tc.version, ids, tc.want)
		}
	}
	got, _ := db.For("buildhelper", cargover.Version{Minor: 3})
	if len(got) != 1 || got[0].Title != "buildhelper's build script runs what @someone sends" || got[0].PatchedText() != ">= 0.3.1" {
		t.Errorf("advisory %+v", got)
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty directory succeeded")
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"# no front matter", "```toml\n[advisory]\nid = \"X\"\n", "```toml\n[advisory]\nid = 1\n```\n", "```toml\n[advisory]\nid = \"X\"\n```\n"} {
		if _, _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}
