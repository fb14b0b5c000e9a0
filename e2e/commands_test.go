package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/tasks"
)

func TestHelpAndUnknownCommands(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	c := s.comment(t, pr, "reader", "User", "/symposium help")
	replies := s.waitReplies(t, pr, 1)
	if body := replies[0].GetBody(); !strings.Contains(body, "`/symposium fix`") || !strings.Contains(body, "`/symposium review`") {
		t.Errorf("help = %q", body)
	}
	waitReactions(t, s, pr, c.GetID(), "eyes,rocket")
	s.comment(t, pr, "reader", "User", "/symposium frobnicate")
	replies = s.waitReplies(t, pr, 2)
	if body := replies[1].GetBody(); !strings.Contains(body, "I don't know the command `frobnicate`") || !strings.Contains(body, "`/symposium fix`") {
		t.Errorf("unknown command reply = %q", body)
	}
}

func TestBotCommentsAreIgnored(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	// Through the receiver: a bot's comment queues nothing.
	s.comment(t, pr, s.gh.BotLogin(), "Bot", "/symposium fix")
	// Straight to the commander, as if it had been queued: still nothing.
	p := tasks.CommandPayload{Version: tasks.PayloadVersion, InstallationID: s.gh.InstallationID(),
		Repo: tasks.Repo{ID: 1, Owner: pr.owner, Name: pr.name, FullName: pr.full}, PRNumber: pr.number,
		Command: tasks.CommandFix, Sender: s.gh.BotLogin(), SenderType: "Bot", CommentID: 1}
	if err := s.commander.Command(context.Background(), p); err != nil {
		t.Fatalf("Command: %v", err)
	}
	p.SenderType = "User" // our own login, even if GitHub called it a user
	if err := s.commander.Command(context.Background(), p); err != nil {
		t.Fatalf("Command: %v", err)
	}
	time.Sleep(2 * time.Second)
	if n := len(s.gh.IssueComments(pr.full, pr.number)); n != 1 {
		t.Errorf("%d comments on the PR, want only the bot's own", n)
	}
	if log := branchLog(t, pr.headRepoBare, pr.headRef); len(log) != 2 {
		t.Errorf("branch = %v: a bot's command ran", log)
	}
	if reqs := s.gh.RequestsMatching("POST", `/reactions$`); len(reqs) != 0 {
		t.Errorf("%d reactions posted for a bot's command", len(reqs))
	}
}

func TestReviewCommandByAuthorRunsAFullReview(t *testing.T) {
	s := startFixStack(t)
	pr := s.seedPR(t, prSpec{base: fixBase, head: fixHead})
	s.comment(t, pr, "contributor", "User", "/symposium review")
	replies := s.waitReplies(t, pr, 1)
	if body := replies[0].GetBody(); !strings.Contains(body, "Reviewed `"+pr.headSHA[:12]+"` from scratch") {
		t.Errorf("reply = %q", body)
	}
	runs := s.gh.CheckRuns(pr.full)
	if len(runs) == 0 || runs[0].GetStatus() != "completed" {
		t.Errorf("check runs = %v, want a completed Symposium run", runs)
	}
	s.comment(t, pr, "reader", "User", "/symposium review")
	replies = s.waitReplies(t, pr, 2)
	if body := replies[1].GetBody(); !strings.Contains(body, "Sorry @reader") {
		t.Errorf("reply to a read-only non-author = %q", body)
	}
}
