// Package tasks defines the work items that flow from the webhook receiver to
// the workers through asynq: their type names, queues, payloads and ids.
//
// It is the one place both sides agree on; it has no side effects.
package tasks

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Task type names, as stored in Redis.
const (
	// TypeReview reviews one head SHA of one pull request.
	TypeReview = "symposium:review"
	// TypeCommand runs a `/symposium <command>` from a PR comment or a check run action.
	TypeCommand = "symposium:command"
	// TypeRedeliver asks GitHub to redeliver webhook deliveries that failed.
	TypeRedeliver = "symposium:redeliver"
	// TypeCleanup removes the build caches of a closed pull request.
	TypeCleanup = "symposium:cleanup"
)

// Queue names. Commands are what a person is waiting for, so they go first.
const (
	QueueCommands    = "commands"
	QueueReviews     = "reviews"
	QueueMaintenance = "maintenance"
)

// QueuePriorities is the weighted queue configuration shared by every worker.
var QueuePriorities = map[string]int{
	QueueCommands:    6,
	QueueReviews:     3,
	QueueMaintenance: 1,
}

// PayloadVersion is the version written into every payload. A worker refuses
// payloads whose version it does not know instead of guessing.
const PayloadVersion = 1

// Repo identifies a repository as the webhook named it.
type Repo struct {
	ID       int64  `json:"id"`
	Owner    string `json:"owner"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
}

// PullRequest identifies the pull request a task works on.
type PullRequest struct {
	Number  int    `json:"number"`
	HeadSHA string `json:"head_sha"`
	HeadRef string `json:"head_ref,omitempty"`
	BaseRef string `json:"base_ref,omitempty"`
	BaseSHA string `json:"base_sha,omitempty"`
	// HeadRepo is the full name of the repository the head branch lives in;
	// it differs from the base repository for pull requests from forks.
	HeadRepo            string `json:"head_repo,omitempty"`
	Draft               bool   `json:"draft,omitempty"`
	MaintainerCanModify bool   `json:"maintainer_can_modify,omitempty"`
	Author              string `json:"author,omitempty"`
}

// ReviewPayload is the payload of a TypeReview task.
type ReviewPayload struct {
	Version        int         `json:"version"`
	DeliveryID     string      `json:"delivery_id"`
	Event          string      `json:"event"`
	Action         string      `json:"action"`
	InstallationID int64       `json:"installation_id"`
	Repo           Repo        `json:"repo"`
	PR             PullRequest `json:"pull_request"`
	// Full asks for a full review that ignores what earlier reviews posted
	// (set by `/symposium review` and by re-requested check runs).
	Full bool `json:"full,omitempty"`
	// CheckRunID is set when the task comes from a re-requested check run.
	CheckRunID int64 `json:"check_run_id,omitempty"`
}

// Command names accepted after `/symposium`.
const (
	CommandFix    = "fix"
	CommandReview = "review"
	CommandHelp   = "help"
)

// CommandPayload is the payload of a TypeCommand task.
type CommandPayload struct {
	Version        int    `json:"version"`
	DeliveryID     string `json:"delivery_id"`
	Event          string `json:"event"`
	InstallationID int64  `json:"installation_id"`
	Repo           Repo   `json:"repo"`
	// PRNumber is the pull request the command is about. The worker reads
	// the current head from GitHub: the comment does not carry it.
	PRNumber int `json:"pr_number"`
	// PR is filled when the event carries the pull request (check runs).
	PR *PullRequest `json:"pull_request,omitempty"`
	// Command is fix, review or help. An unknown command is sent as help,
	// with the word the user typed in Unknown.
	Command string `json:"command"`
	Unknown string `json:"unknown,omitempty"`
	Args    string `json:"args,omitempty"`
	// CommentID is the comment that carried the command (0 for check run actions).
	CommentID int64  `json:"comment_id,omitempty"`
	Sender    string `json:"sender"`
	SenderID  int64  `json:"sender_id,omitempty"`
	// SenderType is "User" or "Bot", as GitHub says.
	SenderType string `json:"sender_type,omitempty"`
	// CheckRunID is set for a check run requested_action.
	CheckRunID int64 `json:"check_run_id,omitempty"`
}

// RedeliverPayload is the payload of a TypeRedeliver task.
type RedeliverPayload struct {
	Version int `json:"version"`
	// SinceSeconds bounds how far back deliveries are looked at.
	SinceSeconds int64 `json:"since_seconds"`
}

// CleanupPayload is the payload of a TypeCleanup task.
type CleanupPayload struct {
	Version        int    `json:"version"`
	DeliveryID     string `json:"delivery_id"`
	InstallationID int64  `json:"installation_id"`
	Repo           Repo   `json:"repo"`
	PRNumber       int    `json:"pr_number"`
}

// ReviewTaskID is the task id of a review: one task per repository, pull
// request and head SHA, so several deliveries for one head make one task.
func ReviewTaskID(repoID int64, pr int, headSHA string) string {
	return fmt.Sprintf("review:%d:%d:%s", repoID, pr, headSHA)
}

// CommandTaskID is the task id of a command, derived from the delivery that
// carried it, so a redelivered webhook does not run a command twice.
func CommandTaskID(deliveryID string) string {
	return "command:" + deliveryID
}

// CleanupTaskID is the task id of a cleanup, derived from the delivery that
// closed the pull request.
func CleanupTaskID(deliveryID string) string {
	return "cleanup:" + deliveryID
}

// LogHeaders are the asynq task headers that carry log context from the
// receiver to the worker.
const (
	HeaderDelivery     = "delivery"
	HeaderInstallation = "installation"
	HeaderRepo         = "repo"
	HeaderPR           = "pr"
	HeaderHeadSHA      = "head_sha"
)

// Marshal encodes a payload, stamping the current version.
func Marshal(v any) ([]byte, error) {
	switch p := v.(type) {
	case *ReviewPayload:
		p.Version = PayloadVersion
	case *CommandPayload:
		p.Version = PayloadVersion
	case *RedeliverPayload:
		p.Version = PayloadVersion
	case *CleanupPayload:
		p.Version = PayloadVersion
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode task payload: %w", err)
	}
	return b, nil
}

// Unmarshal decodes a payload, rejects versions this build does not know
// and, for the task payloads, what Validate finds missing.
func Unmarshal(data []byte, v any) error {
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("decode task payload: %w", err)
	}
	if head.Version != PayloadVersion {
		return fmt.Errorf("decode task payload: version %d, this build knows %d", head.Version, PayloadVersion)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode task payload: %w", err)
	}
	if p, ok := v.(validator); ok {
		return p.Validate()
	}
	return nil
}

// SplitFullName splits "owner/name".
func SplitFullName(full string) (owner, name string, ok bool) {
	owner, name, ok = strings.Cut(full, "/")
	return owner, name, ok && owner != "" && name != ""
}
