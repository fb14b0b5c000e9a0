package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// The cache is a blob-less partial clone: a blob the mirror lacks is
// fetched by git on first read, one request per blob, and only while a
// token is at hand (the analysis runs git without one). prefetchBlobs
// downloads, in one request, every blob a review reads: the head's whole
// tree (the review exports it), and, at the merge base and at the base, the
// changed files and the requested base files.

// prefetchBlobs fetches the blobs of the head's tree and the base sides of
// the changed files and of baseFiles that the cache lacks, in one request.
func (co *PullCheckout) prefetchBlobs(ctx context.Context, env []string, baseFiles []string) error {
	var (
		wg                      sync.WaitGroup
		headMissing, baseMiss   map[string]bool
		oldBlobs                []string
		changed                 []string
		headErr, baseErr, dfErr error
	)
	wg.Go(func() { headMissing, headErr = missingBlobs(ctx, co.cache, co.HeadSHA) })
	wg.Go(func() { baseMiss, baseErr = missingBlobs(ctx, co.cache, co.MergeBase, co.BaseSHA) })
	wg.Go(func() { oldBlobs, changed, dfErr = oldSide(ctx, co.cache, co.MergeBase, co.HeadSHA) })
	wg.Wait()
	for _, err := range []error{headErr, baseErr, dfErr} {
		if err != nil {
			return fmt.Errorf("list the blobs to fetch: %w", err)
		}
	}
	atBase, err := blobsAt(ctx, co.cache, co.BaseSHA, append(changed, baseFiles...))
	if err != nil {
		return fmt.Errorf("list the blobs to fetch: %w", err)
	}
	want := map[string]bool{}
	for oid := range headMissing {
		want[oid] = true
	}
	for _, oid := range append(oldBlobs, atBase...) {
		if baseMiss[oid] {
			want[oid] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var in bytes.Buffer
	for oid := range want {
		in.WriteString(oid + "\n")
	}
	// What git itself runs to fetch missing objects of a partial clone, for
	// all of them at once.
	cmd := exec.CommandContext(ctx, "git", "-c", "fetch.negotiationAlgorithm=noop", "fetch", "--quiet",
		"--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none", "origin", "--stdin")
	cmd.Dir = co.cache
	cmd.Env = env
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git fetch of %d blobs: %w: %s", len(want), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// missingBlobs lists the objects of the revisions' trees that the partial
// clone lacks (their blobs), without fetching any.
func missingBlobs(ctx context.Context, cache string, revs ...string) (map[string]bool, error) {
	args := append([]string{"rev-list", "--objects", "--no-walk", "--missing=print"}, revs...)
	out, err := remoteGit(ctx, cache, nil, args...)
	if err != nil {
		return nil, err
	}
	missing := map[string]bool{}
	for line := range strings.SplitSeq(out, "\n") {
		if oid, ok := strings.CutPrefix(line, "?"); ok && isHexSHA(oid) {
			missing[oid] = true
		}
	}
	return missing, nil
}

// oldSide returns the blobs the changed files had at from, and the paths
// they had there, from the trees alone (no rename detection, which would
// read blobs).
func oldSide(ctx context.Context, cache, from, to string) (blobs, paths []string, err error) {
	out, err := remoteGit(ctx, cache, nil, "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", from, to)
	if err != nil {
		return nil, nil, err
	}
	// Records: ":<mode> <mode> <oid> <oid> <status>\0<path>\0".
	fields := strings.Split(out, "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		meta := strings.Fields(strings.TrimPrefix(fields[i], ":"))
		if len(meta) != 5 {
			return nil, nil, fmt.Errorf("diff-tree: bad record %q", fields[i])
		}
		if meta[0] != "000000" && meta[0] != "160000" && isHexSHA(meta[2]) && strings.Trim(meta[2], "0") != "" {
			blobs = append(blobs, meta[2])
			paths = append(paths, fields[i+1])
		}
	}
	return blobs, paths, nil
}

// blobsAt returns the blobs of the paths that are files at rev.
func blobsAt(ctx context.Context, cache, rev string, paths []string) ([]string, error) {
	var clean []string
	for _, p := range paths {
		if p != "" && !strings.HasPrefix(p, "-") && !strings.ContainsAny(p, "\x00\n") {
			clean = append(clean, p)
		}
	}
	if len(clean) == 0 {
		return nil, nil
	}
	// --literal-pathspecs: a path is a name, never a pattern.
	out, err := remoteGit(ctx, cache, nil, append([]string{"--literal-pathspecs", "ls-tree", "-z", rev, "--"}, clean...)...)
	if err != nil {
		return nil, err
	}
	var blobs []string
	for rec := range strings.SplitSeq(out, "\x00") {
		meta, _, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if ok && len(f) == 3 && f[1] == "blob" {
			blobs = append(blobs, f[2])
		}
	}
	return blobs, nil
}
