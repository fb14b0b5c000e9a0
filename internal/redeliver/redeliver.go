// Package redeliver recovers webhook deliveries that failed. GitHub does not
// retry a delivery our receiver did not accept (it was down, Redis was down,
// it answered 5xx); this package lists the app's recent deliveries, finds the
// failed ones nobody handled since, and asks GitHub to redeliver them:
// bounded per run, de-duplicated through Redis, one run at a time.
//
// It runs as the asynq task tasks.TypeRedeliver (see Schedule) and by hand as
// `symposium redeliver --since 6h`.
package redeliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// GitHub is the part of the GitHub API redelivery uses; the app client's
// Apps service (*github.AppsService, authenticated with the app JWT)
// implements it.
type GitHub interface {
	ListHookDeliveries(ctx context.Context, opts *github.ListCursorOptions) ([]*github.HookDelivery, *github.Response, error)
	GetHookDelivery(ctx context.Context, deliveryID int64) (*github.HookDelivery, *github.Response, error)
	RedeliverHookDelivery(ctx context.Context, deliveryID int64) (*github.HookDelivery, *github.Response, error)
}

// Defaults of Options.
const (
	DefaultSince          = 6 * time.Hour
	DefaultMaxPerRun      = 50
	DefaultMaxAttempts    = 3
	DefaultPendingTimeout = 30 * time.Minute
	DefaultMaxPages       = 50
	DefaultLockTTL        = 10 * time.Minute
	perPage               = 100
)

// Options tune a Redeliverer; zero fields take the defaults above.
type Options struct {
	// Since is how far back a task without SinceSeconds looks.
	Since time.Duration
	// MaxPerRun bounds the redeliveries asked for in one run.
	MaxPerRun int
	// MaxAttempts bounds how often one GUID is asked for.
	MaxAttempts int
	// PendingTimeout is how long a redelivery we asked for may take to
	// appear before we ask again.
	PendingTimeout time.Duration
	// MaxPages bounds the pages of 100 deliveries listed in one run.
	MaxPages int
	// LockTTL bounds how long one run holds the lock.
	LockTTL time.Duration
	// Logger defaults to slog.Default(); a task's logger comes from ctx
	// (see LoggerFromContext).
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&o.Since, DefaultSince)
	def(&o.MaxPerRun, DefaultMaxPerRun)
	def(&o.MaxAttempts, DefaultMaxAttempts)
	defDur(&o.PendingTimeout, DefaultPendingTimeout)
	def(&o.MaxPages, DefaultMaxPages)
	defDur(&o.LockTTL, DefaultLockTTL)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Redeliverer finds failed deliveries and asks GitHub to redeliver them.
type Redeliverer struct {
	gh    GitHub
	store *Store
	opts  Options
	// LoggerFromContext, when set, returns the logger of a task's ctx (the
	// worker's task logger); nil uses Options.Logger.
	LoggerFromContext func(context.Context) *slog.Logger
}

// New returns a Redeliverer.
func New(gh GitHub, store *Store, opts Options) *Redeliverer {
	return &Redeliverer{gh: gh, store: store, opts: opts.withDefaults()}
}

// Report is what one run found and did.
type Report struct {
	// Since is the bound the run used.
	Since time.Time
	// Listed is the number of attempts listed; Truncated is set when the
	// listing stopped at Options.MaxPages before reaching Since.
	Listed    int
	Pages     int
	Truncated bool
	// Failed is the number of GUIDs with failed attempts and no success.
	Failed int
	// Selection holds the candidates, the deferred ones and the skip counts.
	Selection Selection
	// Requested are the candidates GitHub accepted to redeliver (none in a
	// dry run); Errors the ones it refused, by GUID.
	Requested []Candidate
	Errors    map[string]error
	DryRun    bool
}

// Redeliver runs once for a task; it implements worker.Redeliverer. Another
// run in progress is not an error: this one has nothing to add.
func (r *Redeliverer) Redeliver(ctx context.Context, p tasks.RedeliverPayload) error {
	since := r.opts.Since
	if p.SinceSeconds > 0 {
		since = time.Duration(p.SinceSeconds) * time.Second
	}
	_, err := r.Run(ctx, r.opts.Now().Add(-since), false)
	if errors.Is(err, ErrBusy) {
		r.logger(ctx).Info("redeliver: another run is in progress; nothing to do")
		return nil
	}
	return err
}

func (r *Redeliverer) logger(ctx context.Context) *slog.Logger {
	if r.LoggerFromContext != nil {
		return r.LoggerFromContext(ctx)
	}
	return r.opts.Logger
}

// Run lists the deliveries since the bound, selects the failed ones not yet
// handled and, unless dryRun, asks GitHub to redeliver them. Errors asking
// for one delivery are in Report.Errors and make Run return an error after
// trying the others.
func (r *Redeliverer) Run(ctx context.Context, since time.Time, dryRun bool) (*Report, error) {
	log := r.logger(ctx).With("component", "redeliver")
	rep := &Report{Since: since, DryRun: dryRun, Errors: map[string]error{}}
	if !dryRun {
		unlock, err := r.store.Lock(ctx, r.opts.LockTTL)
		if err != nil {
			runs.WithLabelValues(outcomeOf(err)).Inc()
			return nil, err
		}
		defer unlock()
	}
	err := r.run(ctx, log, rep)
	runs.WithLabelValues(outcomeOf(err)).Inc()
	if err == nil && !dryRun {
		lastSuccess.SetToCurrentTime()
	}
	return rep, err
}

func outcomeOf(err error) string {
	switch {
	case err == nil:
		return "done"
	case errors.Is(err, ErrBusy):
		return "busy"
	}
	return "error"
}

func (r *Redeliverer) run(ctx context.Context, log *slog.Logger, rep *Report) error {
	list, err := r.list(ctx, rep)
	if err != nil {
		return err
	}
	if rep.Truncated {
		log.Warn("redeliver: listing stopped before reaching the bound; older failures are not looked at",
			"pages", rep.Pages, "since", rep.Since)
	}
	failed := FailedGUIDs(list, rep.Since)
	rep.Failed = len(failed)
	known, err := r.store.Known(ctx, failed)
	if err != nil {
		return err
	}
	now := r.opts.Now()
	rep.Selection = Select(list, known, Policy{
		Since: rep.Since, Now: now, Max: r.opts.MaxPerRun,
		MaxAttempts: r.opts.MaxAttempts, PendingTimeout: r.opts.PendingTimeout,
	})
	for reason, n := range rep.Selection.Skipped {
		skipped.WithLabelValues(string(reason)).Add(float64(n))
	}
	log.Info("redeliver: deliveries listed", "since", rep.Since, "listed", rep.Listed, "pages", rep.Pages,
		"failed", rep.Failed, "selected", len(rep.Selection.Candidates), "skipped", rep.Selection.Skipped, "dry_run", rep.DryRun)
	if n := rep.Selection.Skipped[ReasonGaveUp]; n > 0 {
		log.Warn("redeliver: failed deliveries given up after the maximum attempts; see the app's Recent Deliveries",
			"count", n, "max_attempts", r.opts.MaxAttempts)
	}
	for _, c := range rep.Selection.Candidates {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
		attrs := []any{"delivery", c.GUID, "hook_delivery_id", c.DeliveryID, "event", c.Event, "action", c.Action,
			"installation", c.InstallationID, "repository_id", c.RepositoryID, "status_code", c.StatusCode,
			"status", c.Status, "attempts", c.Attempts, "asked_before", c.Asked, "first_failed", c.FirstFailed}
		if rep.DryRun {
			log.Info("redeliver: would ask GitHub to redeliver", attrs...)
			continue
		}
		if err := r.store.MarkAsked(ctx, c.GUID, c.DeliveryID, now); err != nil {
			return err
		}
		if err := r.ask(ctx, c.DeliveryID); err != nil {
			requests.WithLabelValues("error").Inc()
			rep.Errors[c.GUID] = err
			log.Warn("redeliver: GitHub refused to redeliver", append(attrs, "err", err)...)
			continue
		}
		requests.WithLabelValues("requested").Inc()
		rep.Requested = append(rep.Requested, c)
		log.Info("redeliver: asked GitHub to redeliver", attrs...)
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("redeliver: GitHub refused %d of %d redeliveries (first: %w)",
			len(rep.Errors), len(rep.Selection.Candidates), firstError(rep))
	}
	return nil
}

func firstError(rep *Report) error {
	for _, c := range rep.Selection.Candidates {
		if err, ok := rep.Errors[c.GUID]; ok {
			return err
		}
	}
	return nil
}

// list pages through the app's deliveries, newest first, until one is older
// than the bound, the pages run out or MaxPages is reached.
func (r *Redeliverer) list(ctx context.Context, rep *Report) ([]*github.HookDelivery, error) {
	var out []*github.HookDelivery
	opts := &github.ListCursorOptions{PerPage: perPage}
	for {
		page, resp, err := r.gh.ListHookDeliveries(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list the app's webhook deliveries (page %d): %w", rep.Pages+1, err)
		}
		rep.Pages++
		out = append(out, page...)
		rep.Listed += len(page)
		reached := false
		for _, d := range page {
			if d.GetDeliveredAt().Time.Before(rep.Since) {
				reached = true
			}
		}
		if reached || resp == nil || resp.Cursor == "" || len(page) == 0 {
			return out, nil
		}
		if rep.Pages >= r.opts.MaxPages {
			rep.Truncated = true
			return out, nil
		}
		opts = &github.ListCursorOptions{PerPage: perPage, Cursor: resp.Cursor}
	}
}

// ask asks GitHub to redeliver one delivery; GitHub answers 202 Accepted,
// which go-github reports as an *AcceptedError.
func (r *Redeliverer) ask(ctx context.Context, deliveryID int64) error {
	_, _, err := r.gh.RedeliverHookDelivery(ctx, deliveryID)
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		return fmt.Errorf("redeliver webhook delivery %d: %w", deliveryID, err)
	}
	return nil
}

// Describe fetches one delivery with its request, to show what a candidate
// carries (repository and pull request) before it is redelivered.
func (r *Redeliverer) Describe(ctx context.Context, deliveryID int64) (*github.HookDelivery, error) {
	d, _, err := r.gh.GetHookDelivery(ctx, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("get webhook delivery %d: %w", deliveryID, err)
	}
	return d, nil
}
