package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/symposium-dev/symposium/internal/config"
	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
	"github.com/symposium-dev/symposium/internal/redeliver"
)

// redeliverFlags are the flags of `symposium redeliver` itself; the rest
// are the worker's settings (app id, key, API URL, Redis), read by config.
type redeliverFlags struct {
	since  time.Duration
	dryRun bool
	max    int
}

func (f *redeliverFlags) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("redeliver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&f.since, "since", redeliver.DefaultSince, "look at deliveries made this long ago or later (GitHub keeps 3 days)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "list what would be redelivered, ask GitHub for nothing")
	fs.IntVar(&f.max, "max", redeliver.DefaultMaxPerRun, "redeliver at most this many deliveries")
	return fs
}

// splitRedeliverArgs separates the command's own flags from the settings.
func splitRedeliverArgs(args []string, own *flag.FlagSet) (mine, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := own.Lookup(name)
		if !strings.HasPrefix(a, "-") || f == nil {
			rest = append(rest, a)
			continue
		}
		mine = append(mine, a)
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !isBool && i+1 < len(args) {
			i++
			mine = append(mine, args[i])
		}
	}
	return mine, rest
}

// runRedeliver asks GitHub to redeliver the app's failed webhook deliveries
// of the last --since, as the periodic redeliver task does.
func runRedeliver(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f redeliverFlags
	own := f.flagSet(stderr)
	mine, rest := splitRedeliverArgs(args, own)
	for _, a := range rest {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintln(stderr, "Usage: symposium redeliver [--since 6h] [--dry-run] [--max N] [settings]")
			fmt.Fprintln(stderr, "\nAsks GitHub to redeliver the app's webhook deliveries that failed and were not")
			fmt.Fprintln(stderr, "handled since (the periodic redeliver task does the same).\n\nFlags:")
			own.PrintDefaults()
			fmt.Fprintln(stderr)
		}
	}
	if err := own.Parse(mine); err != nil {
		return errUsage
	}
	if f.since <= 0 || f.max <= 0 {
		fmt.Fprintln(stderr, "--since and --max must be positive")
		return errUsage
	}
	cfg, err := loadConfig(config.RoleWorker, "redeliver", rest, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr).With("component", "redeliver")
	conn, err := queue.Open(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("%s: %w", config.EnvRedisURL, err)
	}
	defer conn.Close()
	cc, err := githubapp.NewClientCreator(githubapp.Config{
		AppID: cfg.AppID, PrivateKey: cfg.PrivateKey, BaseURL: cfg.APIURL, Logger: log,
	})
	if err != nil {
		return err
	}
	r := redeliver.New(cc.AppClient().Apps, redeliver.NewStore(conn.Redis()), redeliver.Options{MaxPerRun: f.max, Logger: log})
	rep, runErr := r.Run(ctx, time.Now().Add(-f.since), f.dryRun)
	if errors.Is(runErr, redeliver.ErrBusy) {
		return fmt.Errorf("%w (the periodic task, or another `symposium redeliver`); try again in a minute", runErr)
	}
	if rep != nil {
		printRedeliverReport(ctx, stdout, r, rep)
	}
	return runErr
}

// printRedeliverReport prints the candidates, with the repository and pull
// request each one is about, then the counts.
func printRedeliverReport(ctx context.Context, w io.Writer, r *redeliver.Redeliverer, rep *redeliver.Report) {
	verb := "redelivery requested"
	if rep.DryRun {
		verb = "would redeliver"
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	if len(rep.Selection.Candidates) > 0 {
		fmt.Fprintln(tw, "DELIVERY\tEVENT\tABOUT\tLAST STATUS\tATTEMPTS\tFIRST FAILED\tRESULT")
	}
	for _, c := range rep.Selection.Candidates {
		result := verb
		if err, ok := rep.Errors[c.GUID]; ok {
			result = "error: " + err.Error()
		}
		event := c.Event
		if c.Action != "" {
			event += "." + c.Action
		}
		status := c.Status
		if c.StatusCode != 0 {
			status = fmt.Sprintf("%d %s", c.StatusCode, c.Status)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.GUID, event, describeDelivery(ctx, r, c.DeliveryID),
			status, c.Attempts, c.FirstFailed.Local().Format(time.DateTime), result)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d deliveries listed since %s (%d pages", rep.Listed, rep.Since.Local().Format(time.DateTime), rep.Pages)
	if rep.Truncated {
		fmt.Fprint(w, ", stopped at the page limit: older deliveries were not looked at")
	}
	fmt.Fprintf(w, "); %d failed and not handled since: %d selected", rep.Failed, len(rep.Selection.Candidates))
	for _, reason := range []redeliver.Reason{redeliver.ReasonReceived, redeliver.ReasonPending, redeliver.ReasonGaveUp, redeliver.ReasonDeferred} {
		if n := rep.Selection.Skipped[reason]; n > 0 {
			fmt.Fprintf(w, ", %d %s", n, strings.ReplaceAll(string(reason), "_", " "))
		}
	}
	fmt.Fprintln(w)
}

// describeDelivery names the repository and pull request or issue a
// delivery is about, from its payload; "" when GitHub does not say.
func describeDelivery(ctx context.Context, r *redeliver.Redeliverer, id int64) string {
	d, err := r.Describe(ctx, id)
	if err != nil || d.Request == nil || d.Request.RawPayload == nil {
		return "-"
	}
	var p struct {
		Number     int `json:"number"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
		Issue struct {
			Number int `json:"number"`
		} `json:"issue"`
		CheckRun struct {
			HeadSHA string `json:"head_sha"`
		} `json:"check_run"`
	}
	if json.Unmarshal(*d.Request.RawPayload, &p) != nil || p.Repository.FullName == "" {
		return "-"
	}
	switch {
	case p.Number != 0:
		return fmt.Sprintf("%s#%d", p.Repository.FullName, p.Number)
	case p.Issue.Number != 0:
		return fmt.Sprintf("%s#%d", p.Repository.FullName, p.Issue.Number)
	case len(p.CheckRun.HeadSHA) >= 12:
		return p.Repository.FullName + "@" + p.CheckRun.HeadSHA[:12]
	}
	return p.Repository.FullName
}
