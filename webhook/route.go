package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gojson "github.com/goccy/go-json"
	"github.com/symposium-dev/symposium/internal/tasks"
)

// Outcome says what the receiver does with a verified delivery.
type Outcome string

// The outcomes of routing.
const (
	// OutcomeIgnored: nothing to do (unknown event, unhandled action, ...).
	OutcomeIgnored Outcome = "ignored"
	// OutcomePong answers GitHub's ping.
	OutcomePong Outcome = "pong"
	// OutcomeLogged: installation changes, logged and counted only.
	OutcomeLogged Outcome = "logged"
	// OutcomeReview queues one review task per pull request.
	OutcomeReview Outcome = "review"
	// OutcomeCommand queues one command task.
	OutcomeCommand Outcome = "command"
	// OutcomeCleanup queues the removal of a closed pull request's caches.
	OutcomeCleanup Outcome = "cleanup"
)

// Decision is what Route makes of a delivery.
type Decision struct {
	Outcome Outcome
	// Action is the payload's action, "" when it has none.
	Action string
	// Reason says why a delivery is ignored.
	Reason string
	// Reviews are the review tasks to queue (OutcomeReview).
	Reviews []*tasks.ReviewPayload
	// Rerun asks to delete finished review tasks with the same ids first:
	// a person asked for the head to be reviewed again.
	Rerun bool
	// Command is the command task to queue (OutcomeCommand).
	Command *tasks.CommandPayload
	// Cleanup is the cleanup task to queue (OutcomeCleanup).
	Cleanup *tasks.CleanupPayload
	// LogAttrs describe a logged delivery.
	LogAttrs []any
}

// RouteOptions tune routing.
type RouteOptions struct {
	// ReviewDrafts reviews draft pull requests too.
	ReviewDrafts bool
}

// ErrBadPayload wraps every error Route returns: the payload cannot be
// parsed or lacks a field the task needs.
var ErrBadPayload = errors.New("bad payload")

func badPayload(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadPayload, fmt.Sprintf(format, args...))
}

// payload is the part of a webhook payload the receiver reads. Decoding
// only these fields keeps a delivery from failing on a field it never uses.
type payload struct {
	Action       string     `json:"action"`
	Repository   *ghRepo    `json:"repository"`
	Installation *ghInstall `json:"installation"`
	Sender       ghUser     `json:"sender"`
	PullRequest  *ghPR      `json:"pull_request"`
	Issue        *ghIssue   `json:"issue"`
	Comment      *ghComment `json:"comment"`
	CheckRun     *ghCheck   `json:"check_run"`
	CheckSuite   *ghCheck   `json:"check_suite"`
	Requested    *ghAction  `json:"requested_action"`
	Repositories []ghRepo   `json:"repositories"`
	Added        []ghRepo   `json:"repositories_added"`
	Removed      []ghRepo   `json:"repositories_removed"`
}

type ghUser struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

type ghRepo struct {
	ID       int64  `json:"id"`
	FullName string `json:"full_name"`
}

type ghInstall struct {
	ID      int64  `json:"id"`
	Account ghUser `json:"account"`
}

type ghRef struct {
	Ref  string  `json:"ref"`
	SHA  string  `json:"sha"`
	Repo *ghRepo `json:"repo"`
}

type ghPR struct {
	Number              int    `json:"number"`
	Draft               bool   `json:"draft"`
	MaintainerCanModify bool   `json:"maintainer_can_modify"`
	User                ghUser `json:"user"`
	Head                ghRef  `json:"head"`
	Base                ghRef  `json:"base"`
}

type ghIssue struct {
	Number int `json:"number"`
	// PullRequest is present (not null) when the issue is a pull request.
	PullRequest *json.RawMessage `json:"pull_request"`
}

type ghComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

type ghCheck struct {
	ID           int64  `json:"id"`
	HeadSHA      string `json:"head_sha"`
	PullRequests []ghPR `json:"pull_requests"`
}

type ghAction struct {
	Identifier string `json:"identifier"`
}

// Route turns a verified delivery into a decision. It is pure: no I/O.
func Route(event, deliveryID string, body []byte, opts RouteOptions) (Decision, error) {
	switch event {
	case "ping":
		return Decision{Outcome: OutcomePong}, nil
	case "pull_request", "issue_comment", "check_run", "check_suite", "installation", "installation_repositories":
	default:
		return Decision{Outcome: OutcomeIgnored, Reason: "event not handled"}, nil
	}
	var e payload
	// go-json validates the whole body as encoding/json does, with the same
	// errors, an order of magnitude faster on a 30 KB pull_request payload
	// (the receiver's largest cost per delivery: see BenchmarkRoute).
	if err := gojson.Unmarshal(body, &e); err != nil {
		return Decision{}, badPayload("invalid JSON: %v", err)
	}
	switch event {
	case "pull_request":
		return routePullRequest(&e, deliveryID, opts)
	case "issue_comment":
		return routeIssueComment(&e, deliveryID)
	case "check_run":
		return routeCheckRun(&e, deliveryID)
	case "check_suite":
		return routeCheckSuite(&e, deliveryID)
	case "installation":
		return Decision{Outcome: OutcomeLogged, Action: e.Action, LogAttrs: []any{
			"installation", e.installationID(), "account", e.account(),
			"repositories", repoNames(e.Repositories), "sender", e.Sender.Login,
		}}, nil
	default: // installation_repositories
		return Decision{Outcome: OutcomeLogged, Action: e.Action, LogAttrs: []any{
			"installation", e.installationID(), "account", e.account(),
			"added", repoNames(e.Added), "removed", repoNames(e.Removed), "sender", e.Sender.Login,
		}}, nil
	}
}

func (e *payload) installationID() int64 {
	if e.Installation == nil {
		return 0
	}
	return e.Installation.ID
}

func (e *payload) account() string {
	if e.Installation == nil {
		return ""
	}
	return e.Installation.Account.Login
}

func routePullRequest(e *payload, deliveryID string, opts RouteOptions) (Decision, error) {
	d := Decision{Action: e.Action}
	switch d.Action {
	case "opened", "reopened", "synchronize", "ready_for_review", "closed":
	default:
		return ignore(d, "action not handled"), nil
	}
	c, err := commonFields(e)
	if err != nil {
		return Decision{}, err
	}
	pr := e.PullRequest
	if d.Action == "closed" && pr != nil && pr.Number > 0 {
		d.Outcome, d.Cleanup = OutcomeCleanup, &tasks.CleanupPayload{
			DeliveryID: deliveryID, InstallationID: c.installation, Repo: c.repo, PRNumber: pr.Number}
		return d, nil
	}
	if pr == nil || pr.Number <= 0 || pr.Head.SHA == "" {
		return Decision{}, badPayload("missing pull_request.number or pull_request.head.sha")
	}
	if pr.Draft && !opts.ReviewDrafts {
		return ignore(d, "draft pull request (set SYMPOSIUM_REVIEW_DRAFTS=true to review drafts)"), nil
	}
	out := c.pullRequest(pr, pr.Head.SHA)
	out.Draft, out.MaintainerCanModify, out.Author = pr.Draft, pr.MaintainerCanModify, pr.User.Login
	if pr.Head.Repo != nil {
		out.HeadRepo = pr.Head.Repo.FullName
	}
	p := &tasks.ReviewPayload{
		DeliveryID:     deliveryID,
		Event:          "pull_request",
		Action:         d.Action,
		InstallationID: c.installation,
		Repo:           c.repo,
		PR:             out,
	}
	d.Outcome, d.Reviews = OutcomeReview, []*tasks.ReviewPayload{p}
	return d, nil
}

func routeIssueComment(e *payload, deliveryID string) (Decision, error) {
	d := Decision{Action: e.Action}
	if d.Action != "created" {
		return ignore(d, "action not handled"), nil
	}
	if e.Issue == nil || e.Comment == nil {
		return Decision{}, badPayload("missing issue or comment")
	}
	if e.Issue.PullRequest == nil {
		return ignore(d, "comment on an issue, not a pull request"), nil
	}
	if e.Sender.Type == "Bot" {
		return ignore(d, "comment by a bot"), nil
	}
	cmd, ok := ParseCommand(e.Comment.Body)
	if !ok {
		return ignore(d, "no /symposium command"), nil
	}
	c, err := commonFields(e)
	if err != nil {
		return Decision{}, err
	}
	if e.Issue.Number <= 0 || e.Comment.ID == 0 {
		return Decision{}, badPayload("missing issue.number or comment.id")
	}
	d.Outcome = OutcomeCommand
	d.Command = &tasks.CommandPayload{
		DeliveryID:     deliveryID,
		Event:          "issue_comment",
		InstallationID: c.installation,
		Repo:           c.repo,
		PRNumber:       e.Issue.Number,
		Command:        cmd.Name,
		Unknown:        cmd.Unknown,
		Args:           cmd.Args,
		CommentID:      e.Comment.ID,
		Sender:         e.Sender.Login,
		SenderID:       e.Sender.ID,
		SenderType:     e.Sender.Type,
	}
	return d, nil
}

func routeCheckRun(e *payload, deliveryID string) (Decision, error) {
	d := Decision{Action: e.Action}
	if d.Action != "rerequested" && d.Action != "requested_action" {
		return ignore(d, "action not handled"), nil
	}
	c, err := commonFields(e)
	if err != nil {
		return Decision{}, err
	}
	run := e.CheckRun
	if run == nil || run.ID == 0 || run.HeadSHA == "" {
		return Decision{}, badPayload("missing check_run.id or check_run.head_sha")
	}
	if len(run.PullRequests) == 0 {
		return ignore(d, "check run is not on a pull request of this repository"), nil
	}
	if err := checkNumbers(run.PullRequests); err != nil {
		return Decision{}, err
	}
	if d.Action == "rerequested" {
		d.Outcome, d.Rerun = OutcomeReview, true
		for i := range run.PullRequests {
			p := c.rerunReview(&run.PullRequests[i], "check_run", deliveryID, run.HeadSHA)
			p.CheckRunID = run.ID
			d.Reviews = append(d.Reviews, p)
		}
		return d, nil
	}
	if e.Requested == nil || e.Requested.Identifier == "" {
		return Decision{}, badPayload("missing requested_action.identifier")
	}
	name, unknown := tasks.CommandHelp, ""
	switch id := strings.ToLower(e.Requested.Identifier); id {
	case tasks.CommandFix, tasks.CommandReview, tasks.CommandHelp:
		name = id
	default:
		unknown = truncate(e.Requested.Identifier, maxUnknownBytes)
	}
	first := &run.PullRequests[0]
	pr := c.pullRequest(first, run.HeadSHA)
	d.Outcome = OutcomeCommand
	d.Command = &tasks.CommandPayload{
		DeliveryID:     deliveryID,
		Event:          "check_run",
		InstallationID: c.installation,
		Repo:           c.repo,
		PRNumber:       first.Number,
		PR:             &pr,
		Command:        name,
		Unknown:        unknown,
		Sender:         e.Sender.Login,
		SenderID:       e.Sender.ID,
		SenderType:     e.Sender.Type,
		CheckRunID:     run.ID,
	}
	return d, nil
}

func routeCheckSuite(e *payload, deliveryID string) (Decision, error) {
	d := Decision{Action: e.Action}
	if d.Action != "rerequested" {
		return ignore(d, "action not handled"), nil
	}
	c, err := commonFields(e)
	if err != nil {
		return Decision{}, err
	}
	suite := e.CheckSuite
	if suite == nil || suite.HeadSHA == "" {
		return Decision{}, badPayload("missing check_suite.head_sha")
	}
	if len(suite.PullRequests) == 0 {
		return ignore(d, "check suite is not on a pull request of this repository"), nil
	}
	if err := checkNumbers(suite.PullRequests); err != nil {
		return Decision{}, err
	}
	d.Outcome, d.Rerun = OutcomeReview, true
	for i := range suite.PullRequests {
		d.Reviews = append(d.Reviews, c.rerunReview(&suite.PullRequests[i], "check_suite", deliveryID, suite.HeadSHA))
	}
	return d, nil
}

// common holds what every task of a delivery shares.
type common struct {
	repo         tasks.Repo
	installation int64
}

func commonFields(e *payload) (common, error) {
	r := e.Repository
	if r == nil || r.ID == 0 || r.FullName == "" {
		return common{}, badPayload("missing repository.id or repository.full_name")
	}
	owner, name, ok := tasks.SplitFullName(r.FullName)
	if !ok {
		return common{}, badPayload("repository.full_name %q is not owner/name", truncate(r.FullName, 100))
	}
	if e.installationID() == 0 {
		return common{}, badPayload("missing installation.id (is the webhook configured on the GitHub App?)")
	}
	return common{
		repo:         tasks.Repo{ID: r.ID, Owner: owner, Name: name, FullName: r.FullName},
		installation: e.installationID(),
	}, nil
}

// pullRequest converts the fields every pull request listing carries. The
// head repository's full name is known only when it is this repository
// (check runs list a head repository by id and name only).
func (c common) pullRequest(pr *ghPR, headSHA string) tasks.PullRequest {
	out := tasks.PullRequest{
		Number:  pr.Number,
		HeadSHA: headSHA,
		HeadRef: pr.Head.Ref,
		BaseRef: pr.Base.Ref,
		BaseSHA: pr.Base.SHA,
	}
	if pr.Head.Repo != nil && pr.Head.Repo.ID == c.repo.ID {
		out.HeadRepo = c.repo.FullName
	}
	return out
}

// rerunReview is the full review a person asked for by re-running a check.
func (c common) rerunReview(pr *ghPR, event, deliveryID, headSHA string) *tasks.ReviewPayload {
	return &tasks.ReviewPayload{
		DeliveryID:     deliveryID,
		Event:          event,
		Action:         "rerequested",
		InstallationID: c.installation,
		Repo:           c.repo,
		PR:             c.pullRequest(pr, headSHA),
		Full:           true,
	}
}

func ignore(d Decision, reason string) Decision {
	d.Outcome, d.Reason = OutcomeIgnored, reason
	return d
}

func repoNames(rs []ghRepo) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.FullName)
	}
	return out
}

func checkNumbers(prs []ghPR) error {
	for _, pr := range prs {
		if pr.Number <= 0 {
			return badPayload("missing pull_requests[].number")
		}
	}
	return nil
}
