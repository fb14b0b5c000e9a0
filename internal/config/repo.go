package config

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/pelletier/go-toml/v2"

	"github.com/symposium-dev/symposium/review"
)

// RepoConfigPath is where a repository keeps its Symposium settings. It is
// read from the base revision of a pull request, so a pull request cannot
// reconfigure its own review.
const RepoConfigPath = ".github/symposium.toml"

// MaxCommentsLimit bounds `review.max_comments`.
const MaxCommentsLimit = 100

// Repo is the content of .github/symposium.toml.
type Repo struct {
	Review  Review  `toml:"review"`
	Clippy  Clippy  `toml:"clippy"`
	Tests   Tests   `toml:"tests"`
	Agent   Agent   `toml:"agent"`
	Fix     Fix     `toml:"fix"`
	Rustfmt Rustfmt `toml:"rustfmt"`

	// The Rust depth checks (see depth.go).
	Unsafe Unsafe `toml:"unsafe"`
	Deps   Deps   `toml:"deps"`
	MSRV   MSRV   `toml:"msrv"`
	Semver Semver `toml:"semver"`
}

// Review configures the automatic review.
type Review struct {
	// Enabled turns reviews on (default true).
	Enabled *bool `toml:"enabled"`
	// Drafts reviews draft pull requests too (default false).
	Drafts bool `toml:"drafts"`
	// Filter is added, diff_context, file or all (default added).
	Filter string `toml:"filter"`
	// MaxComments caps inline comments (default 25, at most 100).
	MaxComments int `toml:"max_comments"`
	// IgnorePaths are doublestar globs of paths whose findings are dropped.
	IgnorePaths []string `toml:"ignore_paths"`
}

// Clippy configures lint levels and cargo arguments.
type Clippy struct {
	Warn  []string `toml:"warn"`
	Allow []string `toml:"allow"`
	Deny  []string `toml:"deny"`
	// ExtraArgs are cargo arguments such as "--features=foo".
	ExtraArgs []string `toml:"extra_args"`
}

// Tests configures running the test suite.
type Tests struct {
	// Run runs `cargo test` as part of the review (default false).
	Run bool `toml:"run"`
}

// Agent configures the agent's review.
type Agent struct {
	// Instructions is free text given to the agent with every review.
	Instructions string `toml:"instructions"`
}

// Fix configures `/symposium fix`.
type Fix struct {
	// Enabled allows fix commits (default true).
	Enabled *bool `toml:"enabled"`
}

// Rustfmt configures how rustfmt's findings are posted.
type Rustfmt struct {
	// Comments is grouped (one comment with one suggestion per run of
	// changed lines, the default), inline (one comment per region) or
	// summary (listed in the summary only, applied by the Apply-fixes
	// button).
	Comments string `toml:"comments"`
}

// DefaultRepo returns the settings of a repository without a config file.
func DefaultRepo() *Repo {
	c := &Repo{}
	c.setDefaults()
	return c
}

func (c *Repo) setDefaults() {
	if c.Review.Enabled == nil {
		c.Review.Enabled = ptr(true)
	}
	if c.Fix.Enabled == nil {
		c.Fix.Enabled = ptr(true)
	}
	if c.Review.Filter == "" {
		c.Review.Filter = string(review.FilterAdded)
	}
	if c.Review.MaxComments == 0 {
		c.Review.MaxComments = review.DefaultMaxComments
	}
	if c.Rustfmt.Comments == "" {
		c.Rustfmt.Comments = string(review.RustfmtGrouped)
	}
}

func ptr[T any](v T) *T { return &v }

// ReviewEnabled reports whether reviews are on.
func (c *Repo) ReviewEnabled() bool { return c.Review.Enabled == nil || *c.Review.Enabled }

// FixEnabled reports whether fix commits are allowed.
func (c *Repo) FixEnabled() bool { return c.Fix.Enabled == nil || *c.Fix.Enabled }

// ReviewOptions returns the options of review.Build.
func (c *Repo) ReviewOptions() review.Options {
	return review.Options{
		Filter:      review.Filter(c.Review.Filter),
		MaxComments: c.Review.MaxComments,
		IgnorePaths: slices.Clone(c.Review.IgnorePaths),
		Rustfmt:     review.RustfmtComments(c.Rustfmt.Comments),
	}
}

// LintArgs returns clippy's lint-level arguments (after `--`): the unsafe
// review's lints when it is on, then allow, then warn, then deny, so the
// stricter level wins for a lint listed twice.
func (c *Repo) LintArgs() []string {
	var out []string
	if c.UnsafeReview() {
		out = append(out, UnsafeLints...)
	}
	for _, l := range []struct {
		flag  string
		lints []string
	}{{"-A", c.Clippy.Allow}, {"-W", c.Clippy.Warn}, {"-D", c.Clippy.Deny}} {
		for _, name := range l.lints {
			out = append(out, l.flag, name)
		}
	}
	return out
}

// ParseRepo parses .github/symposium.toml. Unknown keys are not an error:
// they come back as warnings (a typo must be visible, but must not stop the
// review). Bad values are errors. An empty input gives the defaults.
func ParseRepo(data []byte) (cfg *Repo, warnings []string, err error) {
	cfg = &Repo{}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var strict *toml.StrictMissingError
		if !errors.As(err, &strict) {
			return nil, nil, fmt.Errorf("%s: %w", RepoConfigPath, describeTOMLError(err))
		}
		for _, e := range strict.Errors {
			warnings = append(warnings, fmt.Sprintf("%s: unknown key %q (line %d) is ignored", RepoConfigPath, strings.Join(e.Key(), "."), lineOf(e)))
		}
		sort.Strings(warnings)
		// Decode again, leniently, to get the known keys' values.
		cfg = &Repo{}
		if err := toml.Unmarshal(data, cfg); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", RepoConfigPath, describeTOMLError(err))
		}
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, warnings, err
	}
	return cfg, warnings, nil
}

func lineOf(e toml.DecodeError) int {
	row, _ := e.Position()
	return row
}

func describeTOMLError(err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Errorf("line %d, column %d: %w", row, col, err)
	}
	return err
}

var lintNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_:-"

// Validate checks every value and names the key at fault.
func (c *Repo) Validate() error {
	var errs []error
	if _, err := review.ParseFilter(c.Review.Filter); err != nil {
		errs = append(errs, fmt.Errorf("review.filter: %w", err))
	}
	if _, err := review.ParseRustfmtComments(c.Rustfmt.Comments); err != nil {
		errs = append(errs, fmt.Errorf("rustfmt.comments: %w", err))
	}
	if c.Review.MaxComments < 1 || c.Review.MaxComments > MaxCommentsLimit {
		errs = append(errs, fmt.Errorf("review.max_comments: %d is not between 1 and %d", c.Review.MaxComments, MaxCommentsLimit))
	}
	switch c.SemverTool() {
	case SemverToolAuto, SemverToolRustdoc, SemverToolSemverChecks:
	default:
		errs = append(errs, fmt.Errorf("semver.tool: %q is not auto, rustdoc or cargo-semver-checks", c.Semver.Tool))
	}
	for _, g := range c.Review.IgnorePaths {
		if g == "" || !doublestar.ValidatePattern(g) {
			errs = append(errs, fmt.Errorf("review.ignore_paths: bad glob %q", g))
		}
	}
	for key, lints := range map[string][]string{"clippy.warn": c.Clippy.Warn, "clippy.allow": c.Clippy.Allow, "clippy.deny": c.Clippy.Deny} {
		for _, l := range lints {
			if l == "" || strings.Trim(strings.ToLower(l), lintNameChars) != "" || strings.HasPrefix(l, "-") {
				errs = append(errs, fmt.Errorf("%s: %q is not a lint or lint group name", key, l))
			}
		}
	}
	for _, a := range c.Clippy.ExtraArgs {
		if !strings.HasPrefix(a, "-") && !strings.Contains(a, "=") {
			errs = append(errs, fmt.Errorf("clippy.extra_args: %q must be a flag (write --features=x, not two items)", a))
		}
		if bad := forbiddenArg(a); bad != "" {
			errs = append(errs, fmt.Errorf("clippy.extra_args: %q is not allowed (%s)", a, bad))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return fmt.Errorf("%s: %w", RepoConfigPath, errors.Join(errs...))
}

// forbiddenArg says why a cargo argument cannot come from a repository: it
// would change where cargo writes, what it reads or how it talks to us.
func forbiddenArg(a string) string {
	name, _, _ := strings.Cut(a, "=")
	switch name {
	case "--target-dir", "--manifest-path", "--config", "-Z", "--message-format", "--color", "--offline", "--workspace", "--package", "-p":
		return "Symposium sets it"
	}
	if strings.HasPrefix(name, "-Z") || strings.HasPrefix(name, "--config") {
		return "Symposium sets it"
	}
	return ""
}
