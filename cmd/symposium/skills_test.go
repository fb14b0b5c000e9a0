package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/internal/skills/skillstest"
)

func TestSkillsCommandListsApplicableSkills(t *testing.T) {
	repo := skillstest.New(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"skills", "--repo", repo.Dir, "--rev", repo.Base, "--json", "--cache-dir", t.TempDir()}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var set skills.Set
	if err := json.Unmarshal(out.Bytes(), &set); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	got := map[string]string{}
	for _, s := range set.Skills {
		got[s.Name] = s.Why
	}
	for _, want := range []string{skillstest.ApplicableSkill, skillstest.GuidanceSkill, skillstest.RepositorySkill} {
		if got[want] == "" {
			t.Errorf("%s not listed (or without a reason): %s", want, out.String())
		}
	}
	if _, ok := got[skillstest.OtherVersionSkill]; ok {
		t.Errorf("%s listed: %s", skillstest.OtherVersionSkill, out.String())
	}
}
