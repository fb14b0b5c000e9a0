package redeliver

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// attempt is one listed delivery attempt, minutes after t0.
func attempt(id int64, guid string, minutes int, code int) *github.HookDelivery {
	status := "OK"
	switch {
	case code == 0:
		status = "failed to connect to host"
	case code < 200 || code > 299:
		status = "Invalid HTTP Response: 503"
	}
	return &github.HookDelivery{
		ID: github.Int64(id), GUID: github.String(guid), StatusCode: github.Int(code), Status: github.String(status),
		DeliveredAt: &github.Timestamp{Time: t0.Add(time.Duration(minutes) * time.Minute)},
		Event:       github.String("pull_request"), Action: github.String("opened"),
	}
}

func TestSelect(t *testing.T) {
	policy := Policy{Since: t0, Now: t0.Add(2 * time.Hour), Max: 10, MaxAttempts: 3, PendingTimeout: 30 * time.Minute}
	tests := []struct {
		name    string
		list    []*github.HookDelivery // newest first, as GitHub lists them
		known   map[string]Known
		policy  func(Policy) Policy
		want    []string // GUIDs selected, in order
		ids     []int64  // their delivery ids
		skipped map[Reason]int
	}{
		{
			name: "one failure is selected",
			list: []*github.HookDelivery{attempt(1, "a", 5, 503)},
			want: []string{"a"}, ids: []int64{1},
		},
		{
			name: "connection refused counts as failed",
			list: []*github.HookDelivery{attempt(1, "a", 5, 0)},
			want: []string{"a"}, ids: []int64{1},
		},
		{
			name: "2xx with a status other than OK counts as failed",
			list: []*github.HookDelivery{func() *github.HookDelivery {
				d := attempt(1, "a", 5, 202)
				d.Status = github.String("timed out")
				return d
			}()},
			want: []string{"a"}, ids: []int64{1},
		},
		{
			name:    "succeeded later",
			list:    []*github.HookDelivery{attempt(2, "a", 20, 202), attempt(1, "a", 5, 503)},
			skipped: map[Reason]int{ReasonSucceeded: 1},
		},
		{
			name: "succeeded on another GUID does not count",
			list: []*github.HookDelivery{attempt(2, "b", 20, 202), attempt(1, "a", 5, 503)},
			want: []string{"a"}, ids: []int64{1},
			skipped: map[Reason]int{ReasonSucceeded: 1},
		},
		{
			name:    "received by the receiver although GitHub saw a failure (timeout)",
			list:    []*github.HookDelivery{attempt(1, "a", 5, 0)},
			known:   map[string]Known{"a": {Received: true}},
			skipped: map[Reason]int{ReasonReceived: 1},
		},
		{
			name:    "already redelivered, redelivery not listed yet",
			list:    []*github.HookDelivery{attempt(1, "a", 5, 503)},
			known:   map[string]Known{"a": {Asked: 1, LastAskedID: 1, LastAsked: t0.Add(110 * time.Minute)}},
			skipped: map[Reason]int{ReasonPending: 1},
		},
		{
			name:  "already redelivered long ago, never listed: ask again",
			list:  []*github.HookDelivery{attempt(1, "a", 5, 503)},
			known: map[string]Known{"a": {Asked: 1, LastAskedID: 1, LastAsked: t0.Add(10 * time.Minute)}},
			want:  []string{"a"}, ids: []int64{1},
		},
		{
			name:  "redelivery failed again: ask again for the newest attempt",
			list:  []*github.HookDelivery{attempt(2, "a", 100, 503), attempt(1, "a", 5, 503)},
			known: map[string]Known{"a": {Asked: 1, LastAskedID: 1, LastAsked: t0.Add(99 * time.Minute)}},
			want:  []string{"a"}, ids: []int64{2},
		},
		{
			name:    "gave up after the maximum attempts",
			list:    []*github.HookDelivery{attempt(4, "a", 100, 503), attempt(1, "a", 5, 503)},
			known:   map[string]Known{"a": {Asked: 3, LastAskedID: 3, LastAsked: t0.Add(99 * time.Minute)}},
			skipped: map[Reason]int{ReasonGaveUp: 1},
		},
		{
			name: "too old",
			list: []*github.HookDelivery{attempt(2, "b", 10, 503), attempt(1, "a", -5, 503)},
			want: []string{"b"}, ids: []int64{2},
			skipped: map[Reason]int{ReasonTooOld: 1},
		},
		{
			name:   "bounded count, oldest failure first",
			list:   []*github.HookDelivery{attempt(4, "d", 40, 503), attempt(3, "c", 30, 0), attempt(2, "b", 20, 500), attempt(1, "a", 10, 503)},
			policy: func(p Policy) Policy { p.Max = 2; return p },
			want:   []string{"a", "b"}, ids: []int64{1, 2},
			skipped: map[Reason]int{ReasonDeferred: 2},
		},
		{
			name: "several attempts of one GUID make one candidate",
			list: []*github.HookDelivery{attempt(3, "a", 30, 503), attempt(2, "a", 20, 503), attempt(1, "a", 10, 503)},
			want: []string{"a"}, ids: []int64{3},
		},
		{
			name: "empty list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy != nil {
				p = tt.policy(p)
			}
			sel := Select(tt.list, tt.known, p)
			var guids []string
			var ids []int64
			for _, c := range sel.Candidates {
				guids = append(guids, c.GUID)
				ids = append(ids, c.DeliveryID)
			}
			if !slices.Equal(guids, tt.want) || !slices.Equal(ids, tt.ids) {
				t.Errorf("selected %v (ids %v), want %v (ids %v)", guids, ids, tt.want, tt.ids)
			}
			want := tt.skipped
			if want == nil {
				want = map[Reason]int{}
			}
			if !maps.Equal(sel.Skipped, want) {
				t.Errorf("skipped %v, want %v", sel.Skipped, want)
			}
			if len(sel.Deferred) != want[ReasonDeferred] {
				t.Errorf("deferred %d, want %d", len(sel.Deferred), want[ReasonDeferred])
			}
		})
	}
}

func TestSelectCandidateDetails(t *testing.T) {
	list := []*github.HookDelivery{attempt(3, "a", 30, 0), attempt(1, "a", 10, 503)}
	list[0].InstallationID, list[0].RepositoryID = github.Int64(7), github.Int64(42)
	sel := Select(list, nil, Policy{Since: t0})
	if len(sel.Candidates) != 1 {
		t.Fatalf("candidates %d, want 1", len(sel.Candidates))
	}
	c := sel.Candidates[0]
	if c.Attempts != 2 || !c.FirstFailed.Equal(t0.Add(10*time.Minute)) || !c.LastFailed.Equal(t0.Add(30*time.Minute)) ||
		c.StatusCode != 0 || c.InstallationID != 7 || c.RepositoryID != 42 || c.Event != "pull_request" {
		t.Errorf("candidate %+v", c)
	}
}

func TestFailedGUIDs(t *testing.T) {
	list := []*github.HookDelivery{
		attempt(5, "c", 50, 503), attempt(4, "b", 40, 202), attempt(3, "c", 30, 503),
		attempt(2, "b", 20, 503), attempt(1, "a", -10, 503),
	}
	if got := FailedGUIDs(list, t0); !slices.Equal(got, []string{"c"}) {
		t.Errorf("FailedGUIDs = %v, want [c]", got)
	}
}
