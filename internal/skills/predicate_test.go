package skills

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/skills/skillstest"
)

func TestPredicates(t *testing.T) {
	deps := Deps{"serde": {"1.0.219"}, "tokio": {"1.41.0"}}
	exists := func(p string) bool { return p == ".skip" || p == "docs/guide.md" }
	member := Scope{Deps: deps, WorkspaceMember: true, Exists: exists}
	dep := Scope{Deps: deps}
	for _, tc := range []struct {
		pred string
		sc   Scope
		want bool
	}{
		{"depends-on(serde)", dep, true},
		{"depends-on(serde>=1.0,<1.0.100)", dep, false},
		{"depends-on(*)", Scope{}, true},
		{"not(depends-on(legacy-thing))", dep, true},
		{"any(depends-on(legacy), depends-on(tokio^1.40))", dep, true},
		{"all(depends-on(serde), depends-on(legacy))", dep, false},
		// A review never runs a skill's command and sees no user environment.
		{"shell(true)", dep, false},
		{"shell(echo $(date), x)", dep, false},
		{"env(PATH)", dep, false},
		{"not(env(CI))", dep, true},
		{"all(depends-on(serde), env(USE_SERDE))", dep, false},
		// path_exists looks in the workspace at the base, nowhere else.
		{"path_exists(.skip)", member, true},
		{"path_exists(./docs/guide.md)", member, true},
		{"not(any(env(CI), path_exists(.skip)))", member, false},
		{"path_exists(rg)", member, false},
		{"path_exists(/etc/passwd)", Scope{Exists: func(string) bool { return true }}, false},
		{"path_exists(../../etc/passwd)", Scope{Exists: func(string) bool { return true }}, false},
		{"path_exists(.skip)", dep, false},
		{"workspace-member()", member, true},
		{"workspace-member()", dep, false},
		{"not(workspace-member())", dep, true},
		{"workspace()", member, true},
		{"dependency()", dep, true},
		{"dependency()", member, false},
		{"installed()", Scope{Installed: true}, true},
		{"installed()", dep, false},
	} {
		p, err := ParsePredicate(tc.pred)
		if err != nil {
			t.Errorf("%s: %v", tc.pred, err)
			continue
		}
		if got, _ := p.Eval(tc.sc); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.pred, got, tc.want)
		}
	}
	for _, bad := range []string{
		"workspace-member(foo)", "installed(x)", "crate(serde)", "not(env(A), env(B))", "any()", "depends-on(serde >=1.0)",
		"depends-on(serde>=1.0, <2.0)", "frobnicate(x)", "env()", "not(env(A)", "serde", "depends-on(serde^1.0||2.0)",
		strings.Repeat("not(", 40) + "env(A)" + strings.Repeat(")", 40),
	} {
		if _, err := ParsePredicate(bad); err == nil {
			t.Errorf("%q parsed, want an error", bad)
		}
	}
}

func TestSplitPredicates(t *testing.T) {
	got, err := SplitPredicates("path_exists(rg), shell(test -f a,b), not(any(env(CI), env(X)))")
	if err != nil || len(got) != 3 || got[1] != "shell(test -f a,b)" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := SplitPredicates("a(b), c(d"); err == nil {
		t.Error("unbalanced list split")
	}
}

func TestAtomCargoPreReleasesAndExact(t *testing.T) {
	deps := Deps{"serde": {"1.0.5"}, "beta": {"1.5.0-beta.1"}}
	for _, tc := range []struct {
		atom string
		want bool
	}{
		{"serde==1.0", true}, // Cargo's =1.0: any 1.0.x
		{"serde==1", true},
		{"serde==1.1", false},
		{"serde==1.0.5", true},
		{"serde==1.0.4", false},
		{"beta>=1.0.0", false},       // a pre-release needs a pre-release requirement...
		{"beta>=1.0.0-alpha", false}, // ...of the same major.minor.patch
		{"beta>=1.5.0-beta.0", true}, //
		{"beta==1.5.0-beta.1", true}, //
		{"beta^1.5.0-alpha.1", true}, //
		{"beta", true},               // a bare name holds for any version
		{"serde>=1.0.0-alpha", true}, // releases still match
	} {
		a, err := ParseAtom(tc.atom)
		if err != nil {
			t.Fatalf("%s: %v", tc.atom, err)
		}
		if _, got := a.Match(deps); got != tc.want {
			t.Errorf("%s: match %v, want %v", tc.atom, got, tc.want)
		}
	}
	for _, bad := range []string{"serde^1.0||2.0", "serde>=1.x", "serde>=v1.0", "serde=1.0-beta", "serde>=1.0 <2.0"} {
		if _, err := ParseAtom(bad); err == nil {
			t.Errorf("%q parsed: not Cargo's syntax", bad)
		}
	}
}

func TestScanRecursesAndPrunes(t *testing.T) {
	dir := t.TempDir()
	w := func(p, c string) { skillstest.Write(t, filepath.Join(dir, filepath.FromSlash(p)), c) }
	skill := func(name string) string { return "---\nname: " + name + "\ndescription: d\n---\nbody\n" }
	w("skills/cat/inner/SKILL.md", skill("nested"))
	w("skills/top/SKILL.md", skill("top"))
	w("skills/top/examples/SKILL.md", skill("pruned")) // a skill's subdirectories are its own
	w("single/SKILL.md", skill("single"))              // a group that is itself a skill
	w("skills/.hidden/SKILL.md", skill("hidden"))
	names := func(dir string, workspace bool) string {
		found, _, err := scan(context.Background(), dirTree{dir: filepathOf(t, dir)}, group{dir: "."}, workspace)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range found {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names(filepath.Join(dir, "skills"), false); got != "nested,top" {
		t.Errorf("skills/: %s", got)
	}
	if got := names(filepath.Join(dir, "single"), false); got != "single" {
		t.Errorf("single/: %s", got)
	}
	// Workspace skills may omit the frontmatter; the name is the directory's.
	w("ws/plain/SKILL.md", "Just a body.\n")
	w("ws/half/SKILL.md", "---\ndescription: named by its directory\n---\nbody\n")
	if got := names(filepath.Join(dir, "ws"), true); got != "half,plain" {
		t.Errorf("workspace skills: %s", got)
	}
	if got := names(filepath.Join(dir, "ws"), false); got != "" {
		t.Errorf("crate skills without frontmatter parsed: %s", got)
	}
}

func filepathOf(t *testing.T, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestScanBounds(t *testing.T) {
	dir := t.TempDir()
	for i := range maxScanSkills + 5 {
		skillstest.Write(t, filepath.Join(dir, "a", "b", fmt.Sprintf("s%03d", i), "SKILL.md"), fmt.Sprintf("---\nname: s%03d\ndescription: d\n---\n", i))
	}
	found, notes, err := scan(context.Background(), dirTree{dir: dir}, group{dir: "."}, false)
	if err != nil || len(found) != maxScanSkills || len(notes) != 1 {
		t.Fatalf("found %d, notes %v, err %v", len(found), notes, err)
	}
}
