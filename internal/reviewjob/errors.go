package reviewjob

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/internal/queue"
)

// outcome is what the worker should do about an error.
type outcome int

const (
	// transient errors are retried with backoff.
	transient outcome = iota
	// permanent errors are reported on the check run and not retried.
	permanent
	// superseded work stops quietly: a newer head is reviewed instead.
	superseded
)

// permanentError marks an error a retry cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// classify sorts an error: GitHub's 4xx answers (other than rate limits and
// 409 conflicts) and errors marked permanent are permanent; rate limits,
// 5xx, network, Redis, git and cargo failures are transient.
func classify(err error) outcome {
	var pe permanentError
	if errors.As(err, &pe) || errors.Is(err, asynq.SkipRetry) {
		return permanent
	}
	var rl *githubapp.RateLimitError
	if errors.As(err, &rl) {
		return transient
	}
	var ger *github.ErrorResponse
	if errors.As(err, &ger) && ger.Response != nil {
		code := ger.Response.StatusCode
		switch {
		case code >= 500, code == http.StatusTooManyRequests, code == http.StatusConflict:
			return transient
		case code >= 400:
			return permanent
		}
	}
	return transient
}

// RetryDelay is the asynq RetryDelayFunc for Symposium's workers: a GitHub
// rate limit waits until the limit resets (plus a little jitter); anything
// else backs off as queue.RetryDelay does.
func RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	var rl *githubapp.RateLimitError
	if errors.As(err, &rl) {
		d := rl.RetryAfter()
		return d + time.Duration(rand.Int64N(int64(time.Second)*5))
	}
	return queue.RetryDelay(n, err, t)
}
