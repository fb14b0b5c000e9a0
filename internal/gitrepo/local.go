package gitrepo

// This file holds the local operations on a repository on disk: resolving
// revisions, the pull request's diff, reading a file at a revision and
// exporting a revision's tree. They need no network and no credentials, run
// git without a shell, and ignore the system and global git configuration.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"

	"github.com/symposium-dev/symposium/internal/safefs"
)

// localEnv is the environment of a local git process: the parent's without
// any GIT_* variable, no system or global configuration, no prompts.
func localEnv() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
}

// localGit runs git in dir and returns its stdout. Errors carry stderr.
func localGit(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = localEnv()
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.Bytes(), nil
}

// checkRev refuses revisions git could take for an option.
func checkRev(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, "\x00\n") {
		return fmt.Errorf("bad revision %q", rev)
	}
	return nil
}

// RevParse resolves rev to the full SHA of a commit in the repository at dir.
func RevParse(ctx context.Context, dir, rev string) (string, error) {
	if err := checkRev(rev); err != nil {
		return "", err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a directory", dir)
	}
	out, err := localGit(ctx, dir, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			// --quiet: git says nothing, the exit status says "no such commit".
			return "", fmt.Errorf("%q is not a commit in %s", rev, dir)
		}
		return "", fmt.Errorf("resolve %q in %s: %w", rev, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// MergeBase returns the best common ancestor of commits a and b.
func MergeBase(ctx context.Context, dir, a, b string) (string, error) {
	if err := errors.Join(checkRev(a), checkRev(b)); err != nil {
		return "", err
	}
	out, err := localGit(ctx, dir, nil, "merge-base", "--end-of-options", a, b)
	if err != nil {
		return "", fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Diff returns the unified diff from commit from to commit to, as GitHub
// shows a pull request: renames found, no external diff or text
// conversion, no color, binary files marked but not included.
func Diff(ctx context.Context, dir, from, to string) ([]byte, error) {
	if err := errors.Join(checkRev(from), checkRev(to)); err != nil {
		return nil, err
	}
	out, err := localGit(ctx, dir, nil, "-c", "core.quotePath=false", "diff",
		"--find-renames", "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative",
		"--src-prefix=a/", "--dst-prefix=b/", "--ignore-submodules=none", "--end-of-options", from, to)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", from, to, err)
	}
	return out, nil
}

// PullRequestDiff returns the merge base of base and head and the diff from
// it to head: the changes the pull request makes, whatever the base branch
// did since.
func PullRequestDiff(ctx context.Context, dir, base, head string) (mergeBase string, diff []byte, err error) {
	mergeBase, err = MergeBase(ctx, dir, base, head)
	if err != nil {
		return "", nil, err
	}
	diff, err = Diff(ctx, dir, mergeBase, head)
	return mergeBase, diff, err
}

// Show returns the content of file p (slash-separated, from the root) at
// revision rev, and false when it does not exist there.
func Show(ctx context.Context, dir, rev, p string) ([]byte, bool, error) {
	if err := checkRev(rev); err != nil {
		return nil, false, err
	}
	if strings.ContainsAny(p, "\x00\n") {
		return nil, false, fmt.Errorf("bad path %q", p)
	}
	out, err := localGit(ctx, dir, strings.NewReader(rev+":"+p+"\n"), "cat-file", "--batch")
	if err != nil {
		return nil, false, fmt.Errorf("show %s:%s: %w", rev, p, err)
	}
	header, body, _ := bytes.Cut(out, []byte("\n"))
	fields := strings.Fields(string(header))
	if len(fields) == 2 && fields[1] == "missing" {
		return nil, false, nil
	}
	if len(fields) != 3 {
		return nil, false, fmt.Errorf("show %s:%s: unexpected cat-file output %q", rev, p, header)
	}
	if fields[1] != "blob" {
		return nil, false, fmt.Errorf("show %s:%s: a %s, not a file", rev, p, fields[1])
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil || size > len(body) {
		return nil, false, fmt.Errorf("show %s:%s: bad size in %q", rev, p, header)
	}
	return body[:size], true, nil
}

// treeEntry is one line of `git ls-tree -r`.
type treeEntry struct {
	mode, typ, oid, path string
}

func listTree(ctx context.Context, dir, rev string) ([]treeEntry, error) {
	out, err := localGit(ctx, dir, nil, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev)
	if err != nil {
		return nil, fmt.Errorf("list tree of %s: %w", rev, err)
	}
	var entries []treeEntry
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, p, ok := bytes.Cut(rec, []byte("\t"))
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("list tree of %s: bad entry %q", rev, rec)
		}
		clean := path.Clean(string(p))
		if clean != string(p) || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || clean == ".git" || strings.HasPrefix(clean, ".git/") {
			return nil, fmt.Errorf("list tree of %s: unsafe path %q", rev, p)
		}
		entries = append(entries, treeEntry{mode: f[0], typ: f[1], oid: f[2], path: clean})
	}
	return entries, nil
}

// ExportTree writes the tree of revision rev into dest, byte for byte as
// stored (no smudge filters, no line-ending conversion, no export-subst).
// Regular files, executables and symlinks are written; submodules become
// empty directories. When dest already holds an earlier export, files whose
// content and mode are unchanged are left untouched (so their modification
// times, and cargo's freshness checks, survive) and files not in the tree
// are removed.
func ExportTree(ctx context.Context, dir, rev, dest string) error {
	return ExportTreeWith(ctx, dir, rev, dest, nil)
}

// ExportTreeWith is ExportTree with the contents of some regular files
// replaced: override maps a path of the tree to the bytes written there
// instead of its blob (the fix pipeline's edits). A path of override that
// is not a regular file of the tree is an error.
func ExportTreeWith(ctx context.Context, dir, rev, dest string, override map[string][]byte) error {
	if err := checkRev(rev); err != nil {
		return err
	}
	entries, err := listTree(ctx, dir, rev)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	defer root.Close()

	var blobs, overrides []treeEntry
	// keep holds every path of the tree, true for the directories.
	keep := map[string]bool{".": true}
	for _, e := range entries {
		for d := path.Dir(e.path); ; d = path.Dir(d) {
			keep[d] = true
			if d == "." {
				break
			}
		}
		keep[e.path] = e.typ == "commit"
		if _, ok := override[e.path]; ok {
			if e.typ != "blob" || (e.mode != "100644" && e.mode != "100755") {
				return fmt.Errorf("export %s: %s is not a regular file of the tree", rev, e.path)
			}
			overrides = append(overrides, e)
			continue
		}
		switch e.typ {
		case "blob":
			blobs = append(blobs, e)
		case "commit":
			if err := ensureDir(root, e.path); err != nil {
				return fmt.Errorf("export %s: %w", rev, err)
			}
		}
	}
	if len(overrides) != len(override) {
		return fmt.Errorf("export %s: %d overridden path(s) are not in the tree", rev, len(override)-len(overrides))
	}
	if err := removeStale(root, keep); err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	for _, e := range overrides {
		if err := writeEntry(root, e, override[e.path]); err != nil {
			return fmt.Errorf("export %s: write %s: %w", rev, e.path, err)
		}
	}
	if err := writeBlobs(ctx, dir, root, blobs); err != nil {
		return fmt.Errorf("export %s: %w", rev, err)
	}
	return nil
}

// removeStale deletes what an earlier export left and the tree lacks, and
// a symbolic link (a build's) where the tree has a directory.
func removeStale(root *os.Root, keep map[string]bool) error {
	var stale []string
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		isDir, ok := keep[p]
		if !ok || (isDir && d.Type()&fs.ModeSymlink != 0) {
			stale = append(stale, p)
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range stale {
		if err := root.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

func ensureDir(root *os.Root, p string) error {
	if fi, err := root.Lstat(p); err == nil && !fi.IsDir() {
		if err := root.RemoveAll(p); err != nil {
			return err
		}
	}
	return root.MkdirAll(p, 0o755)
}

// writeBlobs streams the blobs' contents with one `git cat-file --batch`.
func writeBlobs(ctx context.Context, dir string, root *os.Root, blobs []treeEntry) error {
	if len(blobs) == 0 {
		return nil
	}
	var in bytes.Buffer
	for _, b := range blobs {
		in.WriteString(b.oid + "\n")
	}
	return catFileBatch(ctx, dir, &in, func(r *bufio.Reader) error {
		for _, b := range blobs {
			data, err := readBatchObject(r, b.oid)
			if err != nil {
				return err
			}
			if err := writeEntry(root, b, data); err != nil {
				return fmt.Errorf("write %s: %w", b.path, err)
			}
		}
		return nil
	})
}

func readBatchObject(r *bufio.Reader, oid string) ([]byte, error) {
	header, err := r.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file: reading %s: %w", oid, err)
	}
	f := strings.Fields(header)
	if len(f) != 3 || f[0] != oid || f[1] != "blob" {
		return nil, fmt.Errorf("git cat-file: unexpected header %q for %s", strings.TrimSpace(header), oid)
	}
	size, err := strconv.Atoi(f[2])
	if err != nil {
		return nil, fmt.Errorf("git cat-file: bad size in %q", header)
	}
	data := make([]byte, size+1)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("git cat-file: reading %s: %w", oid, err)
	}
	return data[:size], nil
}

// writeEntry writes one blob unless an identical file is already there.
func writeEntry(root *os.Root, e treeEntry, data []byte) error {
	if err := ensureDir(root, path.Dir(e.path)); err != nil {
		return err
	}
	fi, statErr := root.Lstat(e.path)
	if e.mode == "120000" {
		target := string(data)
		if statErr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if cur, err := root.Readlink(e.path); err == nil && cur == target {
				return nil
			}
		}
		if statErr == nil {
			if err := root.RemoveAll(e.path); err != nil {
				return err
			}
		}
		return root.Symlink(target, e.path)
	}
	perm := fs.FileMode(0o644)
	if e.mode == "100755" {
		perm = 0o755
	}
	if statErr == nil && fi.Mode().IsRegular() && fi.Mode().Perm() == perm && fi.Size() == int64(len(data)) {
		if cur, err := root.ReadFile(e.path); err == nil && bytes.Equal(cur, data) {
			return nil
		}
	}
	if statErr == nil {
		if err := root.RemoveAll(e.path); err != nil {
			return err
		}
	}
	if err := root.WriteFile(e.path, data, perm); err != nil {
		return err
	}
	return root.Chmod(e.path, perm)
}

// ReadTreeFile reads a file of an exported tree with package safefs: false
// when it does not exist, is (or lies behind) a symbolic link, is not a
// regular file or is larger than safefs.MaxFileSize.
func ReadTreeFile(dest, p string) ([]byte, bool) {
	b, err := safefs.ReadFile(dest, p)
	return b, err == nil
}
