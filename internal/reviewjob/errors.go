package reviewjob

import (
	"os"

	"github.com/symposium-dev/symposium/internal/cargo"
	"github.com/symposium-dev/symposium/internal/githubapp"
)

// outcome is what the worker should do about an error.
type outcome int

const (
	// transient errors are retried with backoff.
	transient outcome = iota
	// permanent errors are reported on the check run and not retried.
	permanent
	// superseded work stops quietly: a newer head is reviewed instead.
	superseded
)

// permanentError marks an error a retry cannot fix.
func permanentError(err error) error { return githubapp.Permanent(err) }

// classify sorts an error by githubapp.IsPermanent, the one retry policy.
func classify(err error) outcome {
	if githubapp.IsPermanent(err) {
		return permanent
	}
	return transient
}

// RetryDelay is githubapp.RetryDelay, kept for the wiring's readability.
var RetryDelay = githubapp.RetryDelay

// DataDirPlaceholder stands for the worker's data dir in what is posted.
const DataDirPlaceholder = "<data>"

// PublicError is err's text as a failed task's check run or reply shows
// it: the worker's data dir (which holds the checkouts, the target and
// source dirs and the cargo homes) and the temporary dir are placeholders.
// cargo's own text is already relative to the checkout (package cargo).
func PublicError(err error, dataDir string) string {
	s := cargo.RedactDir(err.Error(), dataDir, DataDirPlaceholder)
	return cargo.RedactDir(s, os.TempDir(), "<tmp>")
}
