package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/symposium-dev/symposium/internal/tasks"
)

func TestRouteCheckRunAction(t *testing.T) {
	d, err := Route("check_run", "d1", loadFixture(t, "check_run.requested_action.payload.json"), RouteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Command
	if d.Outcome != OutcomeCommand || c.Command != tasks.CommandHelp || c.Unknown != "lgtm|26764" || c.PRNumber != 26764 ||
		c.CheckRunID != 1494503112 || c.PR == nil || c.PR.HeadSHA != "5bd5f196a46b8222fb7484f05faba41a73cf34bd" ||
		c.PR.HeadRepo != "electron/electron" || c.InstallationID != 690857 {
		t.Errorf("decision %+v command %+v", d, c)
	}
}

func TestRouteCheckSuiteRerequested(t *testing.T) {
	d, err := Route("check_suite", "d1", loadFixture(t, "check_suite.rerequested.payload.json"), RouteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != OutcomeReview || !d.Rerun || len(d.Reviews) != 1 {
		t.Fatalf("decision %+v", d)
	}
	p := d.Reviews[0]
	if !p.Full || p.PR.Number != 2 || p.PR.HeadSHA != "ec26c3e57ca3a959ca5aad62de7213c562f8c821" || p.Repo.ID != 186853002 || p.InstallationID != 957387 {
		t.Errorf("payload %+v", p)
	}
}

// FuzzRoute feeds mutated fixtures to Route: it must never panic, and every
// task it asks for must carry what its worker needs. The seeds are the
// fixtures cut down to the fields Route decodes (a few hundred bytes instead
// of 10-30 KB), so each execution is cheap and mutations land on fields
// Route reads.
func FuzzRoute(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		event := fixtureEvent(p)
		f.Add(event, trimPayload(f, b), false)
		f.Add(event, trimPayload(f, b), true)
	}
	f.Add("issue_comment", trimPayload(f, prComment(f, "/symposium fix")), false)
	f.Add("issue_comment", trimPayload(f, prComment(f, "/symposium review")), false)
	f.Add("ping", []byte(`{}`), false)
	f.Fuzz(func(t *testing.T, event string, payload []byte, drafts bool) {
		d, err := Route(event, "fuzz", payload, RouteOptions{ReviewDrafts: drafts})
		if err != nil {
			return
		}
		switch d.Outcome {
		case OutcomeReview:
			if len(d.Reviews) == 0 {
				t.Fatal("review outcome without reviews")
			}
			for _, p := range d.Reviews {
				if p.Repo.ID == 0 || p.Repo.Owner == "" || p.Repo.Name == "" || p.PR.Number <= 0 || p.PR.HeadSHA == "" || p.InstallationID == 0 {
					t.Fatalf("incomplete review payload %+v", p)
				}
				if p.PR.Draft && !drafts {
					t.Fatal("draft queued without ReviewDrafts")
				}
			}
		case OutcomeCommand:
			c := d.Command
			if c == nil || c.Repo.ID == 0 || c.PRNumber <= 0 || c.InstallationID == 0 {
				t.Fatalf("incomplete command payload %+v", c)
			}
			switch c.Command {
			case tasks.CommandFix, tasks.CommandReview, tasks.CommandHelp:
			default:
				t.Fatalf("command %q", c.Command)
			}
		case OutcomeCleanup:
			if c := d.Cleanup; c == nil || c.Repo.ID == 0 || c.PRNumber <= 0 || c.InstallationID == 0 {
				t.Fatalf("incomplete cleanup payload %+v", c)
			}
		case OutcomeIgnored:
			if d.Reason == "" {
				t.Fatal("ignored without a reason")
			}
		case OutcomePong, OutcomeLogged:
		default:
			t.Fatalf("outcome %q", d.Outcome)
		}
	})
}

// trimPayload re-encodes a webhook payload with only the fields Route decodes.
func trimPayload(t testing.TB, b []byte) []byte {
	t.Helper()
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
