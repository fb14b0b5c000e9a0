package githubfake

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
)

func TestIssueCommentsAndReactions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	if err := f.srv.SetCollaboratorPermission(testRepo, "maintainer", "maintain"); err != nil {
		t.Fatal(err)
	}
	human, err := f.srv.AddIssueComment(testRepo, 1, "maintainer", "/symposium fix")
	if err != nil {
		t.Fatal(err)
	}
	if human.GetAuthorAssociation() != "COLLABORATOR" {
		t.Fatalf("association %q", human.GetAuthorAssociation())
	}
	re, resp, err := c.Reactions.CreateIssueCommentReaction(ctx, "octo-org", "hello", human.GetID(), "eyes")
	if err != nil || resp.StatusCode != http.StatusCreated || re.GetContent() != "eyes" {
		t.Fatalf("reaction = %v, %v", re, err)
	}
	_, resp, err = c.Reactions.CreateIssueCommentReaction(ctx, "octo-org", "hello", human.GetID(), "eyes")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("repeated reaction: %v, %v", resp.StatusCode, err)
	}
	_, resp, err = c.Reactions.CreateIssueCommentReaction(ctx, "octo-org", "hello", human.GetID(), "thumbsup")
	if got := statusOf(t, resp, err); got != http.StatusUnprocessableEntity {
		t.Fatalf("bad reaction content: status %d", got)
	}
	if _, _, err := c.Reactions.CreateIssueCommentReaction(ctx, "octo-org", "hello", human.GetID(), "rocket"); err != nil {
		t.Fatal(err)
	}
	list, _, err := c.Reactions.ListIssueCommentReactions(ctx, "octo-org", "hello", human.GetID(), nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("reactions = %v, %v", list, err)
	}
	if got := f.srv.Reactions(testRepo, human.GetID()); len(got) != 2 {
		t.Fatalf("Reactions = %d", len(got))
	}

	reply, _, err := c.Issues.CreateComment(ctx, "octo-org", "hello", 1, &github.IssueComment{Body: github.String("working on it")})
	if err != nil || reply.GetUser().GetLogin() != "symposium[bot]" || reply.GetUser().GetType() != "Bot" {
		t.Fatalf("reply = %v, %v", reply, err)
	}
	edited, _, err := c.Issues.EditComment(ctx, "octo-org", "hello", reply.GetID(), &github.IssueComment{Body: github.String("done")})
	if err != nil || edited.GetBody() != "done" {
		t.Fatalf("edit = %v, %v", edited, err)
	}
	_, resp, err = c.Issues.CreateComment(ctx, "octo-org", "hello", 1, &github.IssueComment{Body: github.String("")})
	if got := statusOf(t, resp, err); got != http.StatusUnprocessableEntity {
		t.Fatalf("empty comment: status %d", got)
	}
	_, resp, err = c.Issues.CreateComment(ctx, "octo-org", "hello", 9, &github.IssueComment{Body: github.String("x")})
	if got := statusOf(t, resp, err); got != http.StatusNotFound {
		t.Fatalf("comment on a missing PR: status %d", got)
	}
	all, _, err := c.Issues.ListComments(ctx, "octo-org", "hello", 1, nil)
	if err != nil || len(all) != 2 || all[1].GetBody() != "done" {
		t.Fatalf("comments = %v, %v", all, err)
	}
	if got := f.srv.IssueComments(testRepo, 1); len(got) != 2 {
		t.Fatalf("IssueComments = %d", len(got))
	}
}
