// Package cachedir lays out the worker's per-pull-request build caches and
// keeps them within a disk budget.
//
// Nothing a build writes is shared between pull requests: target and source
// dirs are per pull request (a new pull request starts cold), and the cargo
// home, per repository, is written only by `cargo fetch` from a
// manifest-only copy and mounted read-only in builds. Under a data dir:
//
//	cargo/<repo id>/          CARGO_HOME: registry and git dependency cache
//	target/<repo id>-<pr>/    CARGO_TARGET_DIR of one pull request
//	src/<repo id>-<pr>/       the exported head of one pull request
//	target/<repo id>-<pr>.semver-cache/  base APIs and base rustdoc JSON of the semver check
//
// A closed pull request's dirs are removed (Cleaner); beyond the budget the
// least recently used pull requests' dirs are (Budget.Sweep).
package cachedir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Dirs are the directories of one pull request.
type Dirs struct {
	// CargoHome is the repository's cargo home.
	CargoHome string
	// Target and Source are the pull request's own.
	Target, Source string
}

// ForPR returns the directories of pull request pr of repository repoID
// under dataDir.
func ForPR(dataDir string, repoID int64, pr int) Dirs {
	repo := strconv.FormatInt(repoID, 10)
	key := prKey(repoID, pr)
	return Dirs{
		CargoHome: filepath.Join(dataDir, "cargo", repo),
		Target:    filepath.Join(dataDir, "target", key),
		Source:    filepath.Join(dataDir, "src", key),
	}
}

func prKey(repoID int64, pr int) string {
	return strconv.FormatInt(repoID, 10) + "-" + strconv.Itoa(pr)
}

// Make creates the directories and marks the pull request's as used now,
// for the least-recently-used eviction.
func (d Dirs) Make() error {
	now := time.Now()
	for _, dir := range []string{d.CargoHome, d.Target, d.Source} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create cache dir: %w", err)
		}
	}
	if err := os.Chtimes(d.Target, now, now); err != nil {
		return fmt.Errorf("mark cache dir used: %w", err)
	}
	return nil
}

// SemverCache returns the directory beside target where the semver check
// keeps base revisions' public APIs and the base rustdoc JSON given to
// cargo-semver-checks: beside the target dir rather than in it, because the
// sandbox can write the target dir and a pull request must not plant the
// base API another review reads.
func SemverCache(target string) string {
	return filepath.Clean(target) + ".semver-cache"
}

// Remove deletes the pull request's own directories (not the repository's
// cargo home).
func (d Dirs) Remove() error {
	for _, dir := range []string{d.Target, SemverCache(d.Target), d.Source} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("remove cache dir: %w", err)
		}
	}
	return nil
}
