package skills

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/skills/skillstest"
)

func TestAtomMatchesCargoSemantics(t *testing.T) {
	deps := Deps{"serde": {"1.0.219"}, "tokio": {"1.41.0"}, "rand": {"0.8.5"}, "tiny": {"0.0.3"}, "two": {"1.2.0", "2.0.1"}}
	for _, tc := range []struct {
		atom string
		want bool
	}{
		{"serde", true},
		{"serde_json", false},
		{"*", true},
		{"tokio>=1.40", true},
		{"tokio>=1.42", false},
		{"tokio>1.40", true},  // Cargo: >1.40 is >=1.41.0
		{"tokio>1.41", false}, // Cargo: >1.41 is >=1.42.0
		{"tokio<2.0", true},
		{"tokio<=1.40", false}, // Cargo: <=1.40 is <1.41.0
		{"serde=1.0", true},    // ^1.0
		{"serde=1.1", false},
		{"serde=2.0", false},
		{"serde^1.0", true},
		{"serde~1.0", true},
		{"serde~1.1", false},
		{"serde==1.0.219", true},
		{"serde==1.0.218", false},
		{"rand=0.8", true}, // ^0.8: >=0.8.0 <0.9.0
		{"rand=0.7", false},
		{"rand^0.9", false},
		{"tiny^0.0.3", true}, // ^0.0.3: =0.0.3
		{"tiny^0.0.2", false},
		{"two=2.0", true}, // either locked version may satisfy
		{"two=3.0", false},
	} {
		a, err := ParseAtom(tc.atom)
		if err != nil {
			t.Fatalf("%s: %v", tc.atom, err)
		}
		if _, got := a.Match(deps); got != tc.want {
			t.Errorf("%s: match %v, want %v", tc.atom, got, tc.want)
		}
	}
	if _, ok := (Atom{Name: "*"}).Match(Deps{}); !ok {
		t.Error("* must match a workspace with no dependencies")
	}
	for _, bad := range []string{"serde >=1.0", "serde>=", "ser de", "serde>=x.y", ""} {
		if _, err := ParseAtom(bad); err == nil {
			t.Errorf("%q: parsed, want an error", bad)
		}
	}
}

func TestParseSkill(t *testing.T) {
	sk, err := ParseSkill([]byte("---\nname: tokio-basics\ndescription: >\n  How to use\n  tokio\ndepends-on: serde, tokio>=1.40\n---\n\nBody here.\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sk.Name != "tokio-basics" || sk.Description != "How to use tokio" || sk.Body != "Body here." || strings.Join(sk.DependsOn, ",") != "serde,tokio>=1.40" {
		t.Fatalf("%+v", sk)
	}
	sk, err = ParseSkill([]byte("---\nname: r\ndescription: d\npredicates: depends-on(serde>=1.0,<2.0)\n---\nb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sk.applies(Scope{Deps: Deps{"serde": {"2.0.0"}}}); ok {
		t.Error("range predicate: 2.0.0 must not hold for >=1.0,<2.0")
	}
	if _, ok := sk.applies(Scope{Deps: Deps{"serde": {"1.5.0"}}}); !ok {
		t.Error("range predicate: 1.5.0 must hold for >=1.0,<2.0")
	}
	if sk, err := ParseSkill([]byte("\n  \n---\nname: lead\ndescription: leading blank lines\nlicense: MIT\n---\nb")); err != nil || sk.Name != "lead" {
		t.Errorf("leading whitespace before the frontmatter: %+v %v", sk, err)
	}
	for name, bad := range map[string]string{
		"no frontmatter": "name: x\n",
		"unclosed":       "---\nname: x\ndescription: y\n",
		"no description": "---\nname: x\n---\n",
		"crates field":   "---\nname: x\ndescription: y\ncrates: serde\n---\n",
		"spaced atom":    "---\nname: x\ndescription: y\ndepends-on: serde >=1.0\n---\n",
		"unknown pred":   "---\nname: x\ndescription: y\npredicates: frobnicate(x)\n---\n",
		"retired crate(": "---\nname: x\ndescription: y\npredicates: crate(serde)\n---\n",
		"list value":     "---\nname: x\ndescription: y\ndepends-on: [serde]\n---\n",
		"map value":      "---\nname: x\ndescription: y\nmetadata:\n  a: b\n---\n",
		"number value":   "---\nname: x\ndescription: y\nversion: 1.0\n---\n",
		"long desc":      "---\nname: x\ndescription: " + strings.Repeat("é", 600) + "\n---\n",
		"unbalanced":     "---\nname: x\ndescription: y\npredicates: not(env(CI)\n---\n",
	} {
		if _, err := ParseSkill([]byte(bad)); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}

func TestManifestGroups(t *testing.T) {
	f := false
	for _, tc := range []struct {
		name   string
		layers []*manifest
		want   []string
	}{
		{"none", nil, []string{"skills"}},
		{"source.path", []*manifest{{Skills: []skillGroup{{Source: json.RawMessage(`{"path":"guidance"}`)}}}}, []string{"guidance", "skills"}},
		{"opt out", []*manifest{{Defaults: struct {
			Skills *bool `json:"skills"`
		}{Skills: &f}}}, nil},
		{"escape", []*manifest{{Skills: []skillGroup{{Source: json.RawMessage(`{"path":"../x"}`)}}}}, []string{"skills"}},
		{"git", []*manifest{{Skills: []skillGroup{{Source: json.RawMessage(`{"git":"https://example.com"}`)}}}}, []string{"skills"}},
	} {
		groups, _ := resolveGroups(tc.layers, group{dir: "skills"})
		var got []string
		for _, g := range groups {
			got = append(got, g.dir)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: groups %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := parseManifest([]byte(`{"crates":["serde"]}`)); err == nil {
		t.Error("a manifest with crates must be rejected")
	}
}

// fixtureWorkspace is what cargo metadata says about the fixture.
func fixtureWorkspace(dir string) Workspace {
	return Workspace{
		Root:    dir,
		Members: []Package{{Name: "app", Version: "0.1.0", Dir: dir}},
		Deps:    []Package{{Name: "helper", Version: "2.1.0", Dir: filepath.Join(dir, "crates/helper"), Metadata: json.RawMessage(`{"skills":[{"source":{"path":"guidance"}}]}`)}},
	}
}

func TestDiscoverFixture(t *testing.T) {
	repo := skillstest.New(t)
	opdir := t.TempDir()
	skillstest.Write(t, filepath.Join(opdir, "helper/op/SKILL.md"), "---\nname: op-helper\ndescription: operator guidance\ndepends-on: helper\n---\nop body\n")
	skillstest.Write(t, filepath.Join(opdir, "serde/op/SKILL.md"), "---\nname: op-serde\ndescription: serde guidance\ndepends-on: serde\n---\nno\n")
	if err := os.Symlink("/etc", filepath.Join(opdir, "link")); err != nil {
		t.Fatal(err)
	}
	set, err := Discover(context.Background(), Input{
		Workspace:    fixtureWorkspace(repo.Dir),
		CheckoutDir:  repo.Dir,
		RepoDir:      repo.Dir,
		Base:         repo.Base,
		OperatorDirs: []string{opdir},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Skill{}
	for _, s := range set.Skills {
		got[s.Name] = s
	}
	for _, want := range []string{skillstest.ApplicableSkill, skillstest.GuidanceSkill, skillstest.RepositorySkill, "op-helper"} {
		if _, ok := got[want]; !ok {
			t.Errorf("skill %s not offered; got %v, skipped %v", want, set.Skills, set.Skipped)
		}
	}
	for _, never := range []string{skillstest.OtherVersionSkill, skillstest.HeadOnlySkill, "op-serde"} {
		if _, ok := got[never]; ok {
			t.Errorf("skill %s offered", never)
		}
	}
	if s := got[skillstest.ApplicableSkill]; !strings.Contains(s.Body, skillstest.ApplicableBody) || s.Kind != KindCrate || s.Crate != "helper" || !strings.Contains(s.Why, "locked helper 2.1.0") {
		t.Errorf("applicable skill read from the head or without its reason: %+v", s)
	}
	if len(set.ForCrate("helper")) < 2 {
		t.Errorf("ForCrate(helper) = %v", set.ForCrate("helper"))
	}
	// A crate outside the checkout and the source roots is not read.
	ws := fixtureWorkspace(repo.Dir)
	ws.Deps[0].Dir = "/etc"
	set, err = Discover(context.Background(), Input{Workspace: ws, CheckoutDir: repo.Dir})
	if err != nil || len(set.Skills) != 0 {
		t.Fatalf("crate outside the roots: %v %v", set.Skills, err)
	}
}

func TestReadConfined(t *testing.T) {
	dir := t.TempDir()
	skillstest.Write(t, filepath.Join(dir, "a.txt"), "hello")
	skillstest.Write(t, filepath.Join(dir, "big.txt"), strings.Repeat("x", 100))
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadConfined(dir, "a.txt", 10); err != nil || string(b) != "hello" {
		t.Fatalf("%q %v", b, err)
	}
	for _, p := range []string{"../x", "/etc/passwd", "link", "big.txt", "."} {
		if _, err := ReadConfined(dir, p, 10); err == nil {
			t.Errorf("%s: read, want an error", p)
		}
	}
}
