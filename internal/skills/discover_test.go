package skills

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/skills/skillstest"
)

// commitTree writes files into a new repository and commits them.
func commitTree(t *testing.T, files map[string]string) (dir, rev string) {
	t.Helper()
	dir = t.TempDir()
	for p, c := range files {
		skillstest.Write(t, filepath.Join(dir, filepath.FromSlash(p)), c)
	}
	skillstest.Git(t, dir, "init", "-q", "-b", "main")
	skillstest.Git(t, dir, "add", "-A")
	skillstest.Git(t, dir, "commit", "-q", "-m", "base")
	return dir, skillstest.Git(t, dir, "rev-parse", "HEAD")
}

func TestDiscoverWorkspaceAndPredicates(t *testing.T) {
	sk := func(name, extra string) string {
		return "---\nname: " + name + "\ndescription: about " + name + "\n" + extra + "---\nbody\n"
	}
	dir, base := commitTree(t, map[string]string{
		// The workspace: a root package and a member, each with skills.
		"skills/root-skill/SKILL.md":                      sk("root-skill", ""),
		"members/core/skills/core-usage/SKILL.md":         sk("core-usage", ""),
		"members/core/.agents/skills/core-maint/SKILL.md": "Maintainer notes, no frontmatter.\n",
		"members/core/SYMPOSIUM.toml":                     "predicates = [\"path_exists(members/core)\"]\n",
		"docs/MARKER":                                     "x\n",
		"skills/gated/SKILL.md":                           sk("gated", "predicates: path_exists(docs/MARKER), not(env(CI))\n"),
		"skills/never/SKILL.md":                           sk("never", "predicates: shell(true)\n"),
		// A path dependency (not a member) with predicates in its manifest.
		"crates/dep/SYMPOSIUM.toml":                "[defaults]\nskills = true\n\n[[skills]]\nsource.path = \"extra\"\npredicates = [\"not(depends-on(serde))\"]\n\n[[skills]]\nsource.path = \"member-only\"\npredicates = [\"workspace-member()\"]\n",
		"crates/dep/extra/no-serde/SKILL.md":       sk("dep-no-serde", ""),
		"crates/dep/member-only/m/SKILL.md":        sk("dep-member-only", ""),
		"crates/dep/skills/nested/deeper/SKILL.md": sk("dep-nested", "predicates: depends-on(dep==0.3)\n"),
	})
	ws := Workspace{
		Root: dir,
		Members: []Package{
			{Name: "app", Version: "0.1.0", Dir: dir},
			{Name: "core", Version: "0.1.0", Dir: filepath.Join(dir, "members/core")},
		},
		Deps: []Package{
			{Name: "core", Version: "0.1.0", Dir: filepath.Join(dir, "members/core")},
			// Cargo.toml's layer opts out of the defaults; SYMPOSIUM.toml's value wins.
			{Name: "dep", Version: "0.3.1", Dir: filepath.Join(dir, "crates/dep"), Metadata: json.RawMessage(`{"defaults":{"skills":false}}`)},
		},
	}
	set, err := Discover(context.Background(), Input{Workspace: ws, CheckoutDir: dir, RepoDir: dir, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Skill{}
	for _, s := range set.Skills {
		got[s.Name] = s
	}
	for _, want := range []string{"root-skill", "core-usage", "core-maint", "gated", "dep-no-serde", "dep-nested"} {
		if _, ok := got[want]; !ok {
			t.Errorf("%s not offered; skipped: %+v", want, set.Skipped)
		}
	}
	for _, never := range []string{"never", "dep-member-only"} {
		if _, ok := got[never]; ok {
			t.Errorf("%s offered: %+v", never, got[never])
		}
	}
	for _, n := range set.Skipped {
		t.Logf("skipped %s: %s", n.Path, n.Why)
	}
	for _, s := range set.Skills {
		t.Logf("skill %s: %s", s.Name, s.Why)
	}
	if s := got["core-maint"]; s.Kind != KindRepository || !strings.Contains(s.Why, "members/core/.agents/skills") {
		t.Errorf("core-maint: %+v", s)
	}
	if s := got["core-usage"]; s.Kind != KindRepository {
		t.Errorf("a member's skills are the workspace's, not a dependency's: %+v", s)
	}
}

func TestDiscoverOperatorRegistryPlugins(t *testing.T) {
	reg := t.TempDir()
	w := func(p, c string) { skillstest.Write(t, filepath.Join(reg, filepath.FromSlash(p)), c) }
	sk := func(name string) string {
		return "---\nname: " + name + "\ndescription: about " + name + "\n---\nbody\n"
	}
	// A registry of plugins: each gated by its manifest, not its skills.
	w("SYMPOSIUM.toml", "[[skills]]\nsource.path = \".\"\n")
	w("general/SKILL.md", sk("general"))
	w("toasty/SYMPOSIUM.toml", "depends-on = [\"toasty\"]\n")
	w("toasty/skills/toasty-guidance/SKILL.md", sk("toasty-guidance"))
	w("serde/SYMPOSIUM.toml", "depends-on = [\"serde>=1.0,<2.0\"]\n\n[[skills]]\nsource.path = \".\"\n\n[defaults]\nskills = false\n")
	w("serde/basics/SKILL.md", sk("serde-basics"))
	w("broken/SYMPOSIUM.toml", "crates = [\"*\"]\n")
	w("broken/skills/fallback/SKILL.md", sk("broken-fallback"))
	set, err := Discover(context.Background(), Input{Workspace: Workspace{Deps: []Package{{Name: "serde", Version: "1.0.219"}}}, OperatorDirs: []string{reg}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range set.Skills {
		got = append(got, s.Name)
	}
	// The root plugin's "." group does not reach into the nested plugins;
	// a manifest that does not parse leaves its default skills/ group.
	if strings.Join(got, ",") != "general,broken-fallback,serde-basics" {
		t.Errorf("offered %v; skipped %+v", got, set.Skipped)
	}
}

func TestDiscoverBoundsPathChecks(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat("path_exists(docs/MARKER), ", maxPathChecks+1), ", ")
	dir, base := commitTree(t, map[string]string{
		"docs/MARKER":           "x\n",
		"skills/few/SKILL.md":   "---\nname: few\ndescription: d\npredicates: path_exists(docs/MARKER)\n---\n",
		"skills/flood/SKILL.md": "---\nname: flood\ndescription: d\npredicates: " + many + "\n---\n",
	})
	set, err := Discover(context.Background(), Input{Workspace: Workspace{Root: dir}, CheckoutDir: dir, RepoDir: dir, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set.Get("few"); !ok {
		t.Errorf("few not offered: %+v", set.Skipped)
	}
	if _, ok := set.Get("flood"); ok {
		t.Error("a skill past the bound on path checks was offered")
	}
}
