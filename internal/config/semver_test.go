package config

import (
	"strings"
	"testing"
)

// TestSemverTool: `[semver] tool` defaults to auto, takes its three values
// and refuses others, naming the key.
func TestSemverTool(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: SemverToolAuto},
		{in: "[semver]\ncheck = true\n", want: SemverToolAuto},
		{in: "[semver]\ntool = \"auto\"\n", want: SemverToolAuto},
		{in: "[semver]\ntool = \"rustdoc\"\n", want: SemverToolRustdoc},
		{in: "[semver]\ntool = \"cargo-semver-checks\"\n", want: SemverToolSemverChecks},
		{in: "[semver]\ntool = \"cargo semver-checks\"\n", err: "semver.tool"},
		{in: "[semver]\ntool = \"\"\n", want: SemverToolAuto},
	}
	for _, tc := range tests {
		c, warnings, err := ParseRepo([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%q: %v %v", tc.in, err, warnings)
		}
		if got := c.SemverTool(); got != tc.want {
			t.Errorf("%q: SemverTool() = %q, want %q", tc.in, got, tc.want)
		}
	}
}
