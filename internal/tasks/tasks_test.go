package tasks

import (
	"strings"
	"testing"
)

func TestMarshalStampsVersionAndRoundTrips(t *testing.T) {
	in := &ReviewPayload{DeliveryID: "d1", InstallationID: 7, Repo: Repo{ID: 1, Owner: "o", Name: "r", FullName: "o/r"},
		PR: PullRequest{Number: 3, HeadSHA: "abc"}}
	data, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"version":1`) {
		t.Fatalf("payload %s has no version", data)
	}
	var out ReviewPayload
	if err := Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.PR.HeadSHA != "abc" || out.Repo.FullName != "o/r" || out.Version != PayloadVersion {
		t.Errorf("round trip = %+v", out)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"unknown version", `{"version":2}`, "version 2"},
		{"no version", `{}`, "version 0"},
		{"not json", `{`, "decode task payload"},
		{"no sender", `{"version":1,"repo":{"owner":"o","name":"r"},"pr_number":1,"installation_id":2,"command":"fix"}`, "invalid task payload"},
		{"unknown command", `{"version":1,"repo":{"owner":"o","name":"r"},"pr_number":1,"installation_id":2,"sender":"u","command":"rm"}`, "unknown command"},
		{"no repository", `{"version":1,"pr_number":1,"installation_id":2,"sender":"u","command":"fix"}`, "no repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p CommandPayload
			err := Unmarshal([]byte(tt.data), &p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Unmarshal(%s) = %v, want error containing %q", tt.data, err, tt.want)
			}
		})
	}
}

func TestTaskIDs(t *testing.T) {
	if a, b := ReviewTaskID(1, 2, "aaa"), ReviewTaskID(1, 2, "aaa"); a != b {
		t.Errorf("same head gives different ids %q %q", a, b)
	}
	if ReviewTaskID(1, 2, "aaa") == ReviewTaskID(1, 2, "bbb") {
		t.Error("a new head must make a new task id")
	}
	if CommandTaskID("x") == CommandTaskID("y") {
		t.Error("command ids must follow the delivery")
	}
	if o, n, ok := SplitFullName("octo/cat"); !ok || o != "octo" || n != "cat" {
		t.Errorf("SplitFullName = %q %q %v", o, n, ok)
	}
	for _, bad := range []string{"", "octo", "/cat", "octo/"} {
		if _, _, ok := SplitFullName(bad); ok {
			t.Errorf("SplitFullName(%q) ok", bad)
		}
	}
}
