package fix

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Author is who a fix commit is written by. Empty fields leave git's own
// configuration (user.name, user.email) in charge.
type Author struct {
	Name  string
	Email string
}

// BotAuthor is the author GitHub shows as the app's bot user: the login
// "<slug>[bot]" with the "<id>+<slug>[bot]@users.noreply.github.com" address.
func BotAuthor(login string, userID int64) Author {
	return Author{Name: login, Email: fmt.Sprintf("%d+%s@users.noreply.github.com", userID, login)}
}

// gitEnv is the environment of local git commands: no prompts, no GIT_*
// variable of the caller but its identity (the others could point git
// elsewhere), C locale.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		identity := strings.HasPrefix(kv, "GIT_AUTHOR_") || strings.HasPrefix(kv, "GIT_COMMITTER_")
		if !strings.HasPrefix(kv, "GIT_") || identity {
			env = append(env, kv)
		}
	}
	return append(env, "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
}

// git runs git in dir and returns its stdout.
func git(ctx context.Context, dir string, extraEnv []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

func gitLine(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := git(ctx, dir, nil, args...)
	return strings.TrimSpace(string(out)), err
}

// lines splits git's NUL- or newline-separated output.
func lines(out []byte) []string {
	var res []string
	for _, l := range strings.FieldsFunc(string(out), func(r rune) bool { return r == 0 || r == '\n' }) {
		if l != "" {
			res = append(res, l)
		}
	}
	return res
}

// dirtyFiles lists the tracked files of the work tree that differ from HEAD.
func dirtyFiles(ctx context.Context, dir string) ([]string, error) {
	out, err := git(ctx, dir, nil, "diff", "--name-only", "-z", "--no-renames", "HEAD", "--")
	if err != nil {
		return nil, fmt.Errorf("fix: list changed files: %w", err)
	}
	return lines(out), nil
}

// treeEntry is one file of a commit's tree.
type treeEntry struct{ mode, typ, oid string }

// treeEntries lists the entries of files in commit rev (missing files are
// absent from the map).
func treeEntries(ctx context.Context, dir, rev string, files []string) (map[string]treeEntry, error) {
	out := map[string]treeEntry{}
	if len(files) == 0 {
		return out, nil
	}
	raw, err := git(ctx, dir, nil, append([]string{"ls-tree", "-z", "--full-tree", rev, "--"}, files...)...)
	if err != nil {
		return nil, fmt.Errorf("fix: list files of %s: %w", rev, err)
	}
	for _, rec := range strings.Split(string(raw), "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			continue
		}
		out[p] = treeEntry{mode: f[0], typ: f[1], oid: f[2]}
	}
	return out, nil
}

// regularMode reports a tree entry that is a regular file (executable or not).
func (e treeEntry) regular() bool {
	return e.typ == "blob" && (e.mode == "100644" || e.mode == "100755")
}

// writeTree writes the blobs of files (our bytes, not a work tree's) and a
// tree that is head's with them, and returns the tree's id. Modes are
// head's.
func writeTree(ctx context.Context, dir, head string, files map[string][]byte, modes map[string]treeEntry) (string, error) {
	idx, err := os.CreateTemp("", "symposium-fix-index-")
	if err != nil {
		return "", fmt.Errorf("fix: %w", err)
	}
	idx.Close()
	defer os.Remove(idx.Name())
	env := []string{"GIT_INDEX_FILE=" + idx.Name()}
	if _, err := git(ctx, dir, env, "read-tree", head); err != nil {
		return "", fmt.Errorf("fix: write the fixed tree: %w", err)
	}
	var info strings.Builder
	for _, p := range slices.Sorted(maps.Keys(files)) {
		cmd := exec.CommandContext(ctx, "git", "hash-object", "-w", "--no-filters", "--stdin")
		cmd.Dir = dir
		cmd.Env = gitEnv()
		cmd.Stdin = bytes.NewReader(files[p])
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("fix: store %s: git hash-object: %w: %s", p, err, strings.TrimSpace(stderr.String()))
		}
		e, ok := modes[p]
		if !ok || !e.regular() {
			return "", fmt.Errorf("fix: %s is not a regular file of %s", p, head)
		}
		fmt.Fprintf(&info, "%s %s\t%s\x00", e.mode, strings.TrimSpace(stdout.String()), p)
	}
	cmd := exec.CommandContext(ctx, "git", "update-index", "-z", "--index-info")
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), env...)
	cmd.Stdin = strings.NewReader(info.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fix: write the fixed tree: git update-index: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	tree, err := git(ctx, dir, env, "write-tree")
	if err != nil {
		return "", fmt.Errorf("fix: write the fixed tree: %w", err)
	}
	return strings.TrimSpace(string(tree)), nil
}

// Commit commits res.Tree (the tree the pipeline wrote from its own bytes,
// never the work tree's files) on top of HEAD, which must still be
// res.HeadSHA, with CommitMessage(res) by author; moves HEAD (and its
// branch) there and resets the index to it. It returns the new commit's
// SHA. No hook runs. It commits nothing and returns an error when res
// changed nothing.
func Commit(ctx context.Context, dir string, res Result, author Author) (string, error) {
	if len(res.Changed) == 0 || res.Tree == "" {
		return "", fmt.Errorf("fix: commit: nothing to commit")
	}
	head, err := gitLine(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	if res.HeadSHA != "" && head != res.HeadSHA {
		return "", fmt.Errorf("fix: commit: HEAD is %s, the fixes were made on %s", head, res.HeadSHA)
	}
	var env []string
	if author.Name != "" {
		env = append(env, "GIT_AUTHOR_NAME="+author.Name, "GIT_COMMITTER_NAME="+author.Name)
	}
	if author.Email != "" {
		env = append(env, "GIT_AUTHOR_EMAIL="+author.Email, "GIT_COMMITTER_EMAIL="+author.Email)
	}
	cmd := exec.CommandContext(ctx, "git", "-c", "commit.gpgsign=false", "commit-tree", res.Tree, "-p", head, "-F", "-")
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), env...)
	cmd.Stdin = strings.NewReader(CommitMessage(res))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fix: commit: git commit-tree: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	sha := strings.TrimSpace(stdout.String())
	if _, err := git(ctx, dir, nil, "update-ref", "-m", "symposium fix", "HEAD", sha, head); err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	if _, err := git(ctx, dir, nil, "reset", "--quiet", "--mixed"); err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	return sha, nil
}

// CommitMessage is the message of a fix commit: a subject counting the
// fixes (Result.Count, the number `symposium fix` prints too) and one line
// per rule and file.
func CommitMessage(res Result) string {
	var b strings.Builder
	n := res.Count()
	if n == 1 {
		b.WriteString("Apply 1 Symposium fix\n\n")
	} else {
		fmt.Fprintf(&b, "Apply %d Symposium fixes\n\n", n)
	}
	for _, f := range res.Fixes {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	b.WriteString("\nMade by `symposium fix`: clippy's machine-applicable fixes and rustfmt,\ncomputed by Symposium and verified with cargo clippy")
	if res.Tested {
		b.WriteString(" and cargo test")
	}
	b.WriteString(".\n")
	return b.String()
}
