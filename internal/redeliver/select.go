package redeliver

import (
	"cmp"
	"slices"
	"time"

	"github.com/google/go-github/v62/github"
)

// Known is what Redis says about one delivery GUID.
type Known struct {
	// Received is true when the receiver recorded the delivery id (its
	// de-duplication key exists): the delivery was queued, whatever GitHub
	// shows for it.
	Received bool
	// Asked is how many times we asked GitHub to redeliver the GUID.
	Asked int
	// LastAskedID is the newest attempt's id when we last asked: an attempt
	// with a larger id is the redelivery we asked for.
	LastAskedID int64
	// LastAsked is when we last asked.
	LastAsked time.Time
}

// Policy bounds a selection.
type Policy struct {
	// Since drops attempts delivered before it.
	Since time.Time
	// Now is the current time.
	Now time.Time
	// Max is the most GUIDs redelivered in one run; the rest are deferred.
	Max int
	// MaxAttempts is how many times one GUID is asked for before giving up.
	MaxAttempts int
	// PendingTimeout is how long a redelivery we asked for may take to show
	// up in the list before we ask again.
	PendingTimeout time.Duration
}

// Reason says why a failed GUID is not redelivered.
type Reason string

// The reasons a GUID is skipped.
const (
	// ReasonSucceeded: a later (or earlier) attempt of the GUID succeeded.
	ReasonSucceeded Reason = "succeeded"
	// ReasonReceived: the receiver recorded the delivery id.
	ReasonReceived Reason = "received"
	// ReasonPending: we asked already and the redelivery has not shown up yet.
	ReasonPending Reason = "pending"
	// ReasonGaveUp: we asked MaxAttempts times already.
	ReasonGaveUp Reason = "gave_up"
	// ReasonTooOld: every attempt is older than Since.
	ReasonTooOld Reason = "too_old"
	// ReasonDeferred: over Max for this run; a later run takes it.
	ReasonDeferred Reason = "deferred"
)

// Candidate is one delivery GUID to redeliver.
type Candidate struct {
	GUID string
	// DeliveryID is the newest failed attempt, the one redelivered.
	DeliveryID     int64
	Event          string
	Action         string
	InstallationID int64
	RepositoryID   int64
	// FirstFailed and LastFailed are the oldest and newest attempts' times.
	FirstFailed time.Time
	LastFailed  time.Time
	// Attempts is the number of attempts GitHub lists in the window.
	Attempts int
	// StatusCode and Status are the newest attempt's (0: could not connect).
	StatusCode int
	Status     string
	// Asked is how many times we asked before this run.
	Asked int
}

// Selection is the outcome of Select.
type Selection struct {
	// Candidates are to be redelivered now, oldest failure first.
	Candidates []Candidate
	// Deferred are failed GUIDs over Policy.Max, left for a later run.
	Deferred []Candidate
	// Skipped counts the GUIDs not redelivered, by reason (deferred ones
	// included).
	Skipped map[Reason]int
}

// Succeeded reports whether an attempt reached the receiver and was
// accepted: a 2xx status code and GitHub's status "OK".
func Succeeded(d *github.HookDelivery) bool {
	code := d.GetStatusCode()
	return code >= 200 && code <= 299 && d.GetStatus() == "OK"
}

// FailedGUIDs lists the GUIDs that have an attempt at or after since and no
// successful attempt, in the order first seen. These need a look-up in
// Redis before Select.
func FailedGUIDs(list []*github.HookDelivery, since time.Time) []string {
	ok := map[string]bool{}
	for _, d := range list {
		if Succeeded(d) {
			ok[d.GetGUID()] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, d := range list {
		g := d.GetGUID()
		if g == "" || ok[g] || seen[g] || d.GetDeliveredAt().Time.Before(since) {
			continue
		}
		seen[g] = true
		out = append(out, g)
	}
	return out
}

// Select picks the GUIDs to redeliver from the listed attempts: those whose
// attempts all failed, that the receiver never recorded, that we have not
// asked for already (or whose redelivery failed again, up to
// Policy.MaxAttempts), newest attempt at or after Policy.Since; at most
// Policy.Max of them, oldest failure first. known holds what Redis says
// about the GUIDs (a missing GUID is unknown there). Select is pure.
func Select(list []*github.HookDelivery, known map[string]Known, p Policy) Selection {
	type group struct {
		c       Candidate
		ok      bool
		inRange bool
	}
	groups := map[string]*group{}
	var order []string
	for _, d := range list {
		g := d.GetGUID()
		if g == "" {
			continue
		}
		gr, exists := groups[g]
		if !exists {
			gr = &group{c: Candidate{GUID: g}}
			groups[g] = gr
			order = append(order, g)
		}
		if Succeeded(d) {
			gr.ok = true
			continue
		}
		at := d.GetDeliveredAt().Time
		if at.Before(p.Since) {
			continue
		}
		gr.inRange = true
		c := &gr.c
		c.Attempts++
		if c.FirstFailed.IsZero() || at.Before(c.FirstFailed) {
			c.FirstFailed = at
		}
		if d.GetID() > c.DeliveryID {
			c.DeliveryID = d.GetID()
			c.LastFailed = at
			c.StatusCode, c.Status = d.GetStatusCode(), d.GetStatus()
			c.Event, c.Action = d.GetEvent(), d.GetAction()
			c.InstallationID, c.RepositoryID = d.GetInstallationID(), d.GetRepositoryID()
		}
	}
	sel := Selection{Skipped: map[Reason]int{}}
	var eligible []Candidate
	for _, g := range order {
		gr := groups[g]
		k := known[g]
		gr.c.Asked = k.Asked
		switch {
		case gr.ok:
			sel.Skipped[ReasonSucceeded]++
		case !gr.inRange:
			sel.Skipped[ReasonTooOld]++
		case k.Received:
			sel.Skipped[ReasonReceived]++
		case k.Asked > 0 && gr.c.DeliveryID <= k.LastAskedID && p.Now.Sub(k.LastAsked) < p.PendingTimeout:
			sel.Skipped[ReasonPending]++
		case p.MaxAttempts > 0 && k.Asked >= p.MaxAttempts:
			sel.Skipped[ReasonGaveUp]++
		default:
			eligible = append(eligible, gr.c)
		}
	}
	slices.SortStableFunc(eligible, func(a, b Candidate) int {
		if c := a.FirstFailed.Compare(b.FirstFailed); c != 0 {
			return c
		}
		return cmp.Compare(a.DeliveryID, b.DeliveryID)
	})
	if p.Max > 0 && len(eligible) > p.Max {
		sel.Deferred = eligible[p.Max:]
		sel.Skipped[ReasonDeferred] = len(sel.Deferred)
		eligible = eligible[:p.Max]
	}
	sel.Candidates = eligible
	return sel
}
