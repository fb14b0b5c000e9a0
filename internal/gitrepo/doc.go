// Package gitrepo runs the git command-line tool for Symposium, without a
// shell and without the system or global git configuration.
//
// local.go holds the operations on a repository already on disk: resolving
// revisions, the merge base and diff of a pull request, reading a file at a
// revision and exporting a revision's tree byte for byte. remote.go holds
// the operations that talk to GitHub: fetching a pull request and pushing.
package gitrepo
