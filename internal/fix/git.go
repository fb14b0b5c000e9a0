package fix

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
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

// restore puts files back as they are in HEAD.
func restore(ctx context.Context, dir string, files []string) error {
	if len(files) == 0 {
		return nil
	}
	args := append([]string{"checkout", "--quiet", "HEAD", "--"}, files...)
	if _, err := git(ctx, dir, nil, args...); err != nil {
		return fmt.Errorf("fix: restore %s: %w", strings.Join(files, ", "), err)
	}
	return nil
}

// Commit commits the files of res in dir, on top of HEAD (which must still
// be res.HeadSHA), with CommitMessage(res) by author, and returns the new
// commit's SHA. Hooks do not run. It commits nothing and returns an error
// when res changed nothing.
func Commit(ctx context.Context, dir string, res Result, author Author) (string, error) {
	if len(res.Changed) == 0 {
		return "", fmt.Errorf("fix: commit: nothing to commit")
	}
	head, err := gitLine(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	if res.HeadSHA != "" && head != res.HeadSHA {
		return "", fmt.Errorf("fix: commit: HEAD is %s, the fixes were made on %s", head, res.HeadSHA)
	}
	if _, err := git(ctx, dir, nil, append([]string{"add", "--"}, res.Changed...)...); err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	var env []string
	if author.Name != "" {
		env = append(env, "GIT_AUTHOR_NAME="+author.Name, "GIT_COMMITTER_NAME="+author.Name)
	}
	if author.Email != "" {
		env = append(env, "GIT_AUTHOR_EMAIL="+author.Email, "GIT_COMMITTER_EMAIL="+author.Email)
	}
	args := []string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=" + os.DevNull,
		"commit", "--quiet", "--no-verify", "-F", "-", "--"}
	args = append(args, res.Changed...)
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(gitEnv(), env...)
	cmd.Stdin = strings.NewReader(CommitMessage(res))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("fix: commit: git commit: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	sha, err := gitLine(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return "", fmt.Errorf("fix: commit: %w", err)
	}
	return sha, nil
}

// CommitMessage is the message of a fix commit: a subject and one line per
// fix, naming its rule and file.
func CommitMessage(res Result) string {
	var b strings.Builder
	n := len(res.Fixes)
	if n == 1 {
		b.WriteString("Apply 1 Symposium fix\n\n")
	} else {
		fmt.Fprintf(&b, "Apply %d Symposium fixes\n\n", n)
	}
	for _, f := range res.Fixes {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	b.WriteString("\nMade by `symposium fix`: clippy's machine-applicable fixes and rustfmt,\nverified with cargo clippy")
	if res.Tested {
		b.WriteString(" and cargo test")
	}
	b.WriteString(".\n")
	return b.String()
}
