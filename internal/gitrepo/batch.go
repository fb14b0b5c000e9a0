package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/symposium-dev/symposium/internal/safefs"
)

// ShowFiles reads many files of revision rev with one `git cat-file
// --batch`, from git's objects only (no work tree, so no link of a checkout
// is followed). The map holds the content of each path that names a blob at
// rev (for a symbolic link, its target, as Show gives it). A path that does
// not exist there, names a tree or a submodule, cannot be asked for (it
// holds a newline or NUL), or whose blob is larger than maxSize bytes
// (safefs.MaxFileSize when maxSize ≤ 0) is left out; the second result
// lists the paths left out for their size.
//
// The objects must be in the repository: on a partial clone a missing blob
// makes git fetch it on its own, one request per blob, so the worker's
// checkout downloads what a review reads beforehand (FetchPullRequest).
func ShowFiles(ctx context.Context, dir, rev string, paths []string, maxSize int) (map[string][]byte, []string, error) {
	if err := checkRev(rev); err != nil {
		return nil, nil, err
	}
	if maxSize <= 0 {
		maxSize = safefs.MaxFileSize
	}
	var asked []string
	var in bytes.Buffer
	for _, p := range paths {
		if p == "" || strings.ContainsAny(p, "\x00\n") {
			continue
		}
		asked = append(asked, p)
		in.WriteString(rev + ":" + p + "\n")
	}
	out := make(map[string][]byte, len(asked))
	if len(asked) == 0 {
		return out, nil, nil
	}
	var tooLarge []string
	err := catFileBatch(ctx, dir, &in, func(r *bufio.Reader) error {
		for _, p := range asked {
			data, found, large, err := readBatchEntry(r, maxSize)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			if large {
				tooLarge = append(tooLarge, p)
			}
			if found {
				out[p] = data
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read files at %s: %w", rev, err)
	}
	return out, tooLarge, nil
}

// readBatchEntry reads one answer of `git cat-file --batch` to a name: found
// is false for a missing or ambiguous name, a tree or commit, or a blob over
// maxSize (large is then true), whose bytes are skipped.
func readBatchEntry(r *bufio.Reader, maxSize int) (data []byte, found, large bool, err error) {
	header, err := r.ReadString('\n')
	if err != nil {
		return nil, false, false, fmt.Errorf("git cat-file: %w", err)
	}
	f := strings.Fields(header)
	switch {
	case len(f) >= 2 && (f[len(f)-1] == "missing" || f[len(f)-1] == "ambiguous"):
		return nil, false, false, nil
	case len(f) != 3:
		return nil, false, false, fmt.Errorf("git cat-file: unexpected header %q", strings.TrimSpace(header))
	}
	size, err := strconv.Atoi(f[2])
	if err != nil || size < 0 {
		return nil, false, false, fmt.Errorf("git cat-file: bad size in %q", strings.TrimSpace(header))
	}
	if f[1] != "blob" || size > maxSize {
		if _, err := io.CopyN(io.Discard, r, int64(size)+1); err != nil {
			return nil, false, false, fmt.Errorf("git cat-file: %w", err)
		}
		return nil, false, f[1] == "blob", nil
	}
	data = make([]byte, size+1)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, false, false, fmt.Errorf("git cat-file: %w", err)
	}
	return data[:size], true, false, nil
}

// catFileBatch runs one `git cat-file --batch` in dir on the names in in,
// handing its output to read; a read error stops git. The error names git's
// own complaint when git fails.
func catFileBatch(ctx context.Context, dir string, in io.Reader, read func(*bufio.Reader) error) error {
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Env = localEnv()
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	if err := read(bufio.NewReaderSize(out, 1<<16)); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git cat-file: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
