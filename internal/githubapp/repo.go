package githubapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-github/v62/github"
)

// PullRequest returns the pull request as GitHub sees it now.
func (r Repo) PullRequest(ctx context.Context, pr int) (*github.PullRequest, error) {
	p, _, err := r.Client.PullRequests.Get(ctx, r.Owner, r.Name, pr)
	if err != nil {
		return nil, fmt.Errorf("get pull request %s#%d: %w", r.FullName(), pr, err)
	}
	return p, nil
}

// HeadIs tells whether the pull request's head is still headSHA, and
// returns the current head either way.
func (r Repo) HeadIs(ctx context.Context, pr int, headSHA string) (bool, string, error) {
	p, err := r.PullRequest(ctx, pr)
	if err != nil {
		return false, "", err
	}
	current := p.GetHead().GetSHA()
	return current == headSHA, current, nil
}

// Permission returns a user's permission on the repository: admin,
// maintain, write, triage, read or none. GitHub's legacy "permission" field
// folds maintain into write and triage into read; the role name, when
// GitHub sends it, is returned instead.
func (r Repo) Permission(ctx context.Context, user string) (string, error) {
	if user == "" {
		return "", errors.New("permission: user is required")
	}
	level, _, err := r.Client.Repositories.GetPermissionLevel(ctx, r.Owner, r.Name, user)
	if err != nil {
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound {
			return "none", nil
		}
		return "", fmt.Errorf("permission of %s on %s: %w", user, r.FullName(), err)
	}
	if role := level.GetUser().GetRoleName(); role != "" {
		return role, nil
	}
	return level.GetPermission(), nil
}

// CanWrite tells whether a permission from Permission allows pushing.
func CanWrite(permission string) bool {
	switch permission {
	case "admin", "maintain", "write":
		return true
	}
	return false
}

// Reply posts a comment on the pull request's conversation.
func (r Repo) Reply(ctx context.Context, pr int, body string) (*github.IssueComment, error) {
	if body == "" {
		return nil, fmt.Errorf("reply on %s#%d: empty body", r.FullName(), pr)
	}
	c, _, err := r.Client.Issues.CreateComment(ctx, r.Owner, r.Name, pr, &github.IssueComment{Body: ptr(body)})
	if err != nil {
		return nil, fmt.Errorf("reply on %s#%d: %w", r.FullName(), pr, err)
	}
	return c, nil
}

// IssueComments lists the comments of the pull request's conversation.
func (r Repo) IssueComments(ctx context.Context, pr int) ([]*github.IssueComment, error) {
	var all []*github.IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := r.Client.Issues.ListComments(ctx, r.Owner, r.Name, pr, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments of %s#%d: %w", r.FullName(), pr, err)
		}
		all = append(all, cs...)
		if resp.NextPage == 0 {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
}

// Reaction contents GitHub accepts.
const (
	ReactionEyes     = "eyes"
	ReactionRocket   = "rocket"
	ReactionConfused = "confused"
	ReactionThumbsUp = "+1"
)

var reactions = map[string]bool{
	"+1": true, "-1": true, "laugh": true, "confused": true,
	"heart": true, "hooray": true, "rocket": true, "eyes": true,
}

// React adds a reaction to a comment of the pull request's conversation.
func (r Repo) React(ctx context.Context, commentID int64, content string) error {
	if !reactions[content] {
		return fmt.Errorf("react on %s comment %d: %q is not a reaction GitHub knows", r.FullName(), commentID, content)
	}
	if _, _, err := r.Client.Reactions.CreateIssueCommentReaction(ctx, r.Owner, r.Name, commentID, content); err != nil {
		return fmt.Errorf("react %s on %s comment %d: %w", content, r.FullName(), commentID, err)
	}
	return nil
}

// FileContents returns a file's bytes at ref; found is false when the file
// (or the ref) does not exist.
func (r Repo) FileContents(ctx context.Context, path, ref string) (data []byte, found bool, err error) {
	opts := &github.RepositoryContentGetOptions{Ref: ref}
	file, _, resp, err := r.Client.Repositories.GetContents(ctx, r.Owner, r.Name, path, opts)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("get %s of %s at %s: %w", path, r.FullName(), ref, err)
	}
	if file == nil {
		return nil, false, fmt.Errorf("get %s of %s at %s: it is a directory", path, r.FullName(), ref)
	}
	if file.GetEncoding() == "none" || (file.Content == nil && file.GetSize() > 0) {
		// Files over 1 MB come without content: fetch them raw.
		rc, _, err := r.Client.Repositories.DownloadContents(ctx, r.Owner, r.Name, path, opts)
		if err != nil {
			return nil, false, fmt.Errorf("download %s of %s at %s: %w", path, r.FullName(), ref, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, false, fmt.Errorf("download %s of %s at %s: %w", path, r.FullName(), ref, err)
		}
		return data, true, nil
	}
	content, err := file.GetContent()
	if err != nil {
		return nil, false, fmt.Errorf("decode %s of %s at %s: %w", path, r.FullName(), ref, err)
	}
	return []byte(content), true, nil
}
