package cratetools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/skills"
	"github.com/symposium-dev/symposium/review"
)

func TestCrateInfoListsSkills(t *testing.T) {
	head := t.TempDir()
	box := New(Config{
		Workspace: skills.Workspace{Deps: []skills.Package{{Name: "serde", Version: "1.0.200", Dir: "/elsewhere/serde-1.0.200", Source: "registry+https://github.com/rust-lang/crates.io-index"}}},
		Skills:    skills.Set{Skills: []skills.Skill{{Name: "serde-basics", Description: "Deriving.", Crates: []string{"serde"}}, {Name: "house", Description: "House style."}}},
		HeadDir:   head,
	})
	tests := []struct {
		name, tool, args, want string
		isErr                  bool
	}{
		// The source is outside every root: no files, but the skills.
		{"source unavailable", "crate_info", `{"name":"serde"}`, `"serde-basics: Deriving."`, false},
		{"unknown crate", "crate_info", `{"name":"tokio"}`, "neither a direct dependency nor a workspace package", true},
		// A skill the prompt only names is served by name.
		{"skill by name", "skill", `{"name":"serde-basics"}`, "# serde-basics", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isErr := box.Call(context.Background(), tt.tool, json.RawMessage(tt.args))
			if isErr != tt.isErr || !strings.Contains(got, tt.want) {
				t.Errorf("%s %s = %q (error %v), want %q (error %v)", tt.tool, tt.args, got, isErr, tt.want, tt.isErr)
			}
		})
	}
}

func TestSpecsSchemas(t *testing.T) {
	for _, s := range New(Config{Check: func(context.Context, string) ([]review.Diagnostic, error) { return nil, nil }}).Specs() {
		if s.InputSchema["type"] != "object" || s.Description == "" {
			t.Errorf("%s: schema %v, description %q", s.Name, s.InputSchema, s.Description)
		}
		if req, ok := s.InputSchema["required"]; ok && len(req.([]string)) == 0 {
			t.Errorf("%s: an empty required list is sent", s.Name)
		}
	}
}
