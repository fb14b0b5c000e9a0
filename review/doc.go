// Package review turns a pull request's diff and the compiler's, clippy's,
// rustfmt's and an agent's diagnostics into the review Symposium posts: the
// findings on the lines the pull request changed, GitHub suggestion blocks
// that apply exactly, one comment per line where fixes overlap, a summary,
// and stable fingerprints so later reviews post nothing twice.
//
// It is pure logic: no processes, no network, no files. The same diff and
// diagnostics always give the same result. Its inputs are Diagnostic
// values (from internal/cargo and internal/agent) and a Diff (ParseDiff);
// its output is a Result, whose JSON form is the contract of
// `symposium review --format json`.
package review
