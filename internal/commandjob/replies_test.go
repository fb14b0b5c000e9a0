package commandjob

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/symposium-dev/symposium/internal/fix"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/githubfake"
	"github.com/symposium-dev/symposium/internal/githubfake/conformance"
	"github.com/symposium-dev/symposium/internal/sandbox"
	"github.com/symposium-dev/symposium/internal/tasks"
	"github.com/symposium-dev/symposium/internal/testredis"
)

// TestRepliesNeutralisePullRequestText checks the reply pieces that quote
// what a pull request controls: names, rules (an agent patch's
// description), notes and command text.
func TestRepliesNeutralisePullRequestText(t *testing.T) {
	hostile := "@org/team #12 <!-- symposium:fp=abc --> <img src=x> `"
	for name, got := range map[string]string{
		"fix list": fixList([]fix.Fix{{Rule: hostile, Path: "src/@x/#1.rs", Count: 2}}),
		"notes":    notes([]string{hostile}),
		"help":     helpText(hostile),
		"rules":    codeSpans([]string{hostile, "clippy::x"}),
	} {
		prose := stripCode(got)
		for _, bad := range []string{"@org", "#12", "<img", "<!--", "@x/"} {
			if strings.Contains(prose, bad) {
				t.Errorf("%s: %q outside code in %q", name, bad, got)
			}
		}
		if strings.Contains(got, "<!--") {
			t.Errorf("%s: a marker-like comment in %q", name, got)
		}
	}
}

// stripCode drops inline code spans, where GitHub renders nothing.
func stripCode(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
		ticks := s[i : i+n]
		rest := s[i+n:]
		end := strings.Index(rest, ticks)
		if end < 0 {
			b.WriteString(rest)
			break
		}
		s = rest[end+n:]
	}
	return b.String()
}

// TestCommandRepliesAgainstFakeGitHub runs commands that need no cargo
// (refusals, bots, help) through the real client against the fake GitHub
// with sandbox "none": the reply posted and the final reaction.
func TestCommandRepliesAgainstFakeGitHub(t *testing.T) {
	ctx := context.Background()
	built, err := githubfake.BuildRepo(ctx, filepath.Join(t.TempDir(), "hello.git"), githubfake.RepoSpec{
		Base: map[string]string{"src/lib.rs": "pub fn a() {}\n"},
		Head: map[string]string{"src/lib.rs": "pub fn b() {}\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	fake, err := githubfake.New(githubfake.Options{Conformance: conformance.For(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	const full = "octo-org/hello"
	if err := fake.AddRepo("octo-org", "hello", built.BareDir); err != nil {
		t.Fatal(err)
	}
	pr, err := fake.AddPullRequest(full, githubfake.PullRequest{Title: "t", Author: "alice", HeadRef: "feature"})
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.SetCollaboratorPermission(full, "reader", "read"); err != nil {
		t.Fatal(err)
	}
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: fake.AppID(), PrivateKey: fake.PrivateKeyPEM(), BaseURL: fake.APIURL(),
		Transport: githubapp.TransportOptions{WriteInterval: time.Millisecond, RetryBase: time.Millisecond},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := sandbox.New(sandbox.ModeNone, sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// The commands below never take the fix lock: Redis is not dialled.
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	c, err := New(Options{Clients: cc, Redis: rdb, Runner: runner, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, command, unknown, sender, senderType string
		wantReply, wantReaction                    string // "" : no reply, no final reaction
	}{
		{"fix by a reader is refused", tasks.CommandFix, "", "reader", "User",
			"only people with write access to this repository can run `/symposium fix`", "confused"},
		{"review by a reader is refused", tasks.CommandReview, "", "reader", "User",
			"and the pull request's author can run `/symposium review`", "confused"},
		{"help", tasks.CommandHelp, "", "reader", "User", "Symposium understands these commands", "rocket"},
		{"unknown command", tasks.CommandHelp, "lgtm", "reader", "User", "I don't know the command `lgtm`", "rocket"},
		{"bot by type", tasks.CommandFix, "", "ci", "Bot", "", ""},
		{"bot by name", tasks.CommandHelp, "", "renovate[bot]", "User", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comment, err := fake.AddIssueComment(full, pr.GetNumber(), tt.sender, "/symposium "+tt.command)
			if err != nil {
				t.Fatal(err)
			}
			before := len(fake.IssueComments(full, pr.GetNumber()))
			err = c.Command(ctx, tasks.CommandPayload{
				Version: tasks.PayloadVersion, DeliveryID: "d-" + tt.name, Event: "issue_comment",
				InstallationID: fake.InstallationID(), Repo: tasks.Repo{Owner: "octo-org", Name: "hello", FullName: full},
				PRNumber: pr.GetNumber(), Command: tt.command, Unknown: tt.unknown,
				CommentID: comment.GetID(), Sender: tt.sender, SenderType: tt.senderType,
			})
			if err != nil {
				t.Fatal(err)
			}
			comments := fake.IssueComments(full, pr.GetNumber())
			reactions := fake.Reactions(full, comment.GetID())
			if tt.wantReply == "" {
				if len(comments) != before || len(reactions) != 0 {
					t.Fatalf("a bot's command was answered: %d new comments, reactions %v", len(comments)-before, reactions)
				}
				return
			}
			if len(comments) != before+1 {
				t.Fatalf("%d replies, want 1", len(comments)-before)
			}
			if body := comments[len(comments)-1].GetBody(); !strings.Contains(body, tt.wantReply) {
				t.Errorf("reply %q does not say %q", body, tt.wantReply)
			}
			var got []string
			for _, r := range reactions {
				got = append(got, r.GetContent())
			}
			if len(got) != 2 || got[0] != "eyes" || got[1] != tt.wantReaction {
				t.Errorf("reactions %v, want [eyes %s]", got, tt.wantReaction)
			}
		})
	}
}
