package tasks

import (
	"errors"
	"fmt"
)

// validator is a payload that can say whether it is complete.
type validator interface{ Validate() error }

// ErrInvalidPayload wraps what Validate finds missing.
var ErrInvalidPayload = errors.New("invalid task payload")

func (r Repo) validate() error {
	if r.Owner == "" || r.Name == "" {
		return fmt.Errorf("%w: no repository owner or name", ErrInvalidPayload)
	}
	return nil
}

// Validate reports what a review task lacks: repository, pull request
// number, head SHA or installation.
func (p *ReviewPayload) Validate() error {
	if err := p.Repo.validate(); err != nil {
		return err
	}
	if p.PR.Number <= 0 || p.PR.HeadSHA == "" || p.InstallationID <= 0 {
		return fmt.Errorf("%w: review of %s lacks the pull request, its head or the installation", ErrInvalidPayload, p.Repo.FullName)
	}
	return nil
}

// Validate reports what a command task lacks: repository, pull request,
// installation, sender or a known command.
func (p *CommandPayload) Validate() error {
	if err := p.Repo.validate(); err != nil {
		return err
	}
	if p.PRNumber <= 0 || p.InstallationID <= 0 || p.Sender == "" {
		return fmt.Errorf("%w: command on %s lacks the pull request, the installation or the sender", ErrInvalidPayload, p.Repo.FullName)
	}
	switch p.Command {
	case CommandFix, CommandReview, CommandHelp:
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", ErrInvalidPayload, p.Command)
}

// Validate reports a negative look-back.
func (p *RedeliverPayload) Validate() error {
	if p.SinceSeconds < 0 {
		return fmt.Errorf("%w: negative since_seconds", ErrInvalidPayload)
	}
	return nil
}

// Validate reports what a cleanup task lacks: repository and pull request.
func (p *CleanupPayload) Validate() error {
	if err := p.Repo.validate(); err != nil {
		return err
	}
	if p.Repo.ID <= 0 || p.PRNumber <= 0 {
		return fmt.Errorf("%w: cleanup of %s lacks the repository id or the pull request", ErrInvalidPayload, p.Repo.FullName)
	}
	return nil
}
