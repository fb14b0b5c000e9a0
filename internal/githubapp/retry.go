package githubapp

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"

	"github.com/symposium-dev/symposium/internal/queue"
)

// permanentError marks an error a retry cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one a retry cannot fix (a pull request GitHub gave
// no clone URL for, a configuration that cannot be read); nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent is the one retry policy of Symposium's tasks: errors marked
// Permanent or wrapping asynq.SkipRetry, and GitHub's 4xx answers other than
// rate limits (429, and *RateLimitError) and 409 conflicts, cannot be fixed
// by a retry; everything else — 5xx, network, Redis, git and cargo failures
// — can.
func IsPermanent(err error) bool {
	var pe permanentError
	if errors.As(err, &pe) || errors.Is(err, asynq.SkipRetry) {
		return true
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return false
	}
	var ger *github.ErrorResponse
	if errors.As(err, &ger) && ger.Response != nil {
		code := ger.Response.StatusCode
		return code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusConflict
	}
	return false
}

// RetryDelay is the asynq RetryDelayFunc of Symposium's workers: a GitHub
// rate limit waits until the limit resets (plus a little jitter); anything
// else backs off as queue.RetryDelay does.
func RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter() + time.Duration(rand.Int64N(int64(time.Second)*5))
	}
	return queue.RetryDelay(n, err, t)
}
