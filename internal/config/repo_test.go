package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestParseRepo(t *testing.T) {
	full := `
[review]
enabled = false
drafts = true
filter = "diff_context"
max_comments = 10
ignore_paths = ["vendor/**", "**/*.generated.rs"]

[clippy]
warn = ["clippy::pedantic"]
allow = ["clippy::module_name_repetitions"]
deny = ["clippy::unwrap_used"]
extra_args = ["--features=serde", "--all-features"]

[tests]
run = true

[agent]
instructions = "Prefer iterators."

[fix]
enabled = false

[rustfmt]
comments = "summary"
`
	tests := []struct {
		name     string
		in       string
		check    func(t *testing.T, c *Repo)
		warnings []string
		err      string
	}{
		{name: "empty gives defaults", in: "", check: func(t *testing.T, c *Repo) {
			if !c.ReviewEnabled() || !c.FixEnabled() || c.Review.Drafts || c.Tests.Run {
				t.Errorf("defaults: %+v", c)
			}
			if got := c.ReviewOptions(); !reflect.DeepEqual(got, review.Options{Filter: review.FilterAdded, MaxComments: 25, Rustfmt: review.RustfmtGrouped}) {
				t.Errorf("options %+v", got)
			}
		}},
		{name: "every key", in: full, check: func(t *testing.T, c *Repo) {
			if c.ReviewEnabled() || c.FixEnabled() || !c.Review.Drafts || !c.Tests.Run || c.Agent.Instructions != "Prefer iterators." {
				t.Errorf("parsed: %+v", c)
			}
			want := review.Options{Filter: review.FilterDiffContext, MaxComments: 10, IgnorePaths: []string{"vendor/**", "**/*.generated.rs"}, Rustfmt: review.RustfmtSummary}
			if got := c.ReviewOptions(); !reflect.DeepEqual(got, want) {
				t.Errorf("options %+v", got)
			}
			wantLints := append(append([]string{}, UnsafeLints...), "-A", "clippy::module_name_repetitions", "-W", "clippy::pedantic", "-D", "clippy::unwrap_used")
			if got := c.LintArgs(); !reflect.DeepEqual(got, wantLints) {
				t.Errorf("lint args %v", got)
			}
			if !reflect.DeepEqual(c.Clippy.ExtraArgs, []string{"--features=serde", "--all-features"}) {
				t.Errorf("extra args %v", c.Clippy.ExtraArgs)
			}
		}},
		{name: "unknown keys are warnings", in: "[review]\nfilter = \"file\"\nmax_coments = 3\n[nope]\nx = 1\n",
			check: func(t *testing.T, c *Repo) {
				if c.Review.Filter != "file" || c.Review.MaxComments != 25 {
					t.Errorf("parsed: %+v", c.Review)
				}
			},
			warnings: []string{`unknown key "nope"`, `unknown key "review.max_coments" (line 3)`}},
		{name: "rustfmt inline", in: "[rustfmt]\ncomments = \"inline\"\n", check: func(t *testing.T, c *Repo) {
			if got := c.ReviewOptions().Rustfmt; got != review.RustfmtInline {
				t.Errorf("rustfmt comments %q", got)
			}
		}},
		{name: "rustfmt unknown key", in: "[rustfmt]\ncomment = \"inline\"\n", check: func(t *testing.T, c *Repo) {
			if got := c.ReviewOptions().Rustfmt; got != review.RustfmtGrouped {
				t.Errorf("rustfmt comments %q", got)
			}
		}, warnings: []string{`unknown key "rustfmt.comment" (line 2)`}},
		{name: "bad rustfmt mode", in: "[rustfmt]\ncomments = \"quiet\"\n", err: "rustfmt.comments"},
		{name: "bad filter", in: "[review]\nfilter = \"changed\"\n", err: "review.filter"},
		{name: "bad cap", in: "[review]\nmax_comments = 1000\n", err: "review.max_comments"},
		{name: "bad glob", in: "[review]\nignore_paths = [\"src/[\"]\n", err: "review.ignore_paths"},
		{name: "bad lint", in: "[clippy]\ndeny = [\"-Dwarnings; rm\"]\n", err: "clippy.deny"},
		{name: "forbidden arg", in: "[clippy]\nextra_args = [\"--target-dir=/tmp\"]\n", err: "not allowed"},
		{name: "wrong type", in: "[review]\ndrafts = \"yes\"\n", err: "line 2"},
		{name: "syntax", in: "[review\n", err: "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, warnings, err := ParseRepo([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q lacks %q", warnings[i], w)
				}
			}
			tt.check(t, c)
		})
	}
}

func TestDepthSwitches(t *testing.T) {
	tests := []struct {
		name                                  string
		in                                    string
		unsafeOn, deps, advisories, msrv, sem bool
		lints                                 int
	}{
		{name: "defaults on", in: "", unsafeOn: true, deps: true, advisories: true, msrv: true, sem: true, lints: len(UnsafeLints)},
		{name: "all off", in: "[unsafe]\nreview = false\n[deps]\nreview = false\nadvisories = false\n[msrv]\ncheck = false\n[semver]\ncheck = false\n", lints: 0},
		{name: "unsafe off keeps the repository's lints", in: "[unsafe]\nreview = false\n[clippy]\nwarn = [\"clippy::pedantic\"]\n", deps: true, advisories: true, msrv: true, sem: true, lints: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, warnings, err := ParseRepo([]byte(tc.in))
			if err != nil || len(warnings) > 0 {
				t.Fatalf("ParseRepo: %v %v", err, warnings)
			}
			got := []bool{c.UnsafeReview(), c.DepsReview(), c.AdvisoriesCheck(), c.MSRVCheck(), c.SemverCheck()}
			want := []bool{tc.unsafeOn, tc.deps, tc.advisories, tc.msrv, tc.sem}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("switches %v, want %v", got, want)
			}
			if n := len(c.LintArgs()); n != tc.lints {
				t.Errorf("lint args %v", c.LintArgs())
			}
		})
	}
}
