package config

// The switches of the Rust depth checks. Each is on unless the repository
// sets it to false; a nil pointer is the default.

// Unsafe configures the unsafe review.
type Unsafe struct {
	// Review enables the unsafe lints and lists the unsafe code a pull
	// request adds (default true).
	Review *bool `toml:"review"`
}

// Deps configures the review of Cargo.lock changes.
type Deps struct {
	// Review lists the packages a pull request adds, removes or updates
	// (default true).
	Review *bool `toml:"review"`
	// Advisories matches them against the RustSec advisory database the
	// operator provides (default true).
	Advisories *bool `toml:"advisories"`
}

// MSRV configures the check of dependencies' rust-version.
type MSRV struct {
	// Check reports a new or updated dependency that needs a newer Rust
	// than the package's rust-version (default true).
	Check *bool `toml:"check"`
}

// Semver configures the public API check.
type Semver struct {
	// Check compares the public API of base and head against the version
	// change of library packages (default true).
	Check *bool `toml:"check"`
	// Tool chooses how: "auto" (the default: cargo-semver-checks when the
	// worker has it, else rustdoc's JSON compared by Symposium), "rustdoc"
	// or "cargo-semver-checks" (rustdoc's comparison when the tool is
	// missing or fails, which the summary says).
	Tool string `toml:"tool"`
}

// The values of `[semver] tool`.
const (
	SemverToolAuto         = "auto"
	SemverToolRustdoc      = "rustdoc"
	SemverToolSemverChecks = "cargo-semver-checks"
)

func on(b *bool) bool { return b == nil || *b }

// UnsafeReview reports whether the unsafe review is on.
func (c *Repo) UnsafeReview() bool { return on(c.Unsafe.Review) }

// DepsReview reports whether the Cargo.lock review is on.
func (c *Repo) DepsReview() bool { return on(c.Deps.Review) }

// AdvisoriesCheck reports whether RustSec advisories are matched.
func (c *Repo) AdvisoriesCheck() bool { return on(c.Deps.Advisories) }

// MSRVCheck reports whether dependencies' rust-version is checked.
func (c *Repo) MSRVCheck() bool { return on(c.MSRV.Check) }

// SemverCheck reports whether the public API check is on.
func (c *Repo) SemverCheck() bool { return on(c.Semver.Check) }

// SemverTool returns `[semver] tool`, "auto" when unset.
func (c *Repo) SemverTool() string {
	if c.Semver.Tool == "" {
		return SemverToolAuto
	}
	return c.Semver.Tool
}

// UnsafeLints are the lint arguments the unsafe review adds in front of
// the repository's own levels, so a repository that allows one keeps it
// allowed.
var UnsafeLints = []string{
	"-W", "clippy::undocumented_unsafe_blocks",
	"-W", "clippy::multiple_unsafe_ops_per_block",
	"-W", "clippy::missing_safety_doc",
	"-W", "unsafe_op_in_unsafe_fn",
}
