package githubapp

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/observe"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	requests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_github_requests_total",
		Help: "GitHub API requests by method, route template and status (\"error\" when no response came).",
	}, []string{"method", "route", "status"})
	requestDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "symposium_github_request_duration_seconds",
		Help:    "Duration of GitHub API requests by method and route template.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	rateLimitRemaining = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "symposium_github_rate_limit_remaining",
		Help: "Requests left in the current GitHub rate-limit window, by resource, as last reported.",
	}, []string{"resource"})
	retries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_github_retries_total",
		Help: "GitHub API requests retried, by reason.",
	}, []string{"reason"})
)

// WithLogContext returns a context whose GitHub calls are logged with the
// repository ("owner/name") and pull request number they concern: the
// observe.Fields of ctx, which every log line written with ctx carries.
func WithLogContext(ctx context.Context, repo string, pr int) context.Context {
	return observe.With(ctx, observe.Fields{Repo: repo, PR: pr})
}

type attemptKey struct{}

func withAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// observingTransport logs and counts every request that goes on the wire,
// including installation token requests. It never logs headers or bodies.
type observingTransport struct {
	next         http.RoundTripper
	logger       *slog.Logger
	installation int64
}

// RoundTrip implements http.RoundTripper.
func (t *observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)

	route := routeTemplate(req.URL.Path)
	status := "error"
	attrs := []slog.Attr{
		slog.Int64("installation", t.installation),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Duration("duration", elapsed),
	}
	if f := observe.FieldsOf(req.Context()); f.Repo != "" || f.PR != 0 {
		// Said here too, for loggers not wrapped by observe.NewHandler.
		if f.Repo != "" {
			attrs = append(attrs, slog.String("repo", f.Repo))
		}
		if f.PR != 0 {
			attrs = append(attrs, slog.Int("pr", f.PR))
		}
	}
	if n, ok := req.Context().Value(attemptKey{}).(int); ok && n > 1 {
		attrs = append(attrs, slog.Int("attempt", n))
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		status = strconv.Itoa(resp.StatusCode)
		attrs = append(attrs,
			slog.Int("status", resp.StatusCode),
			slog.String("request_id", resp.Header.Get("X-GitHub-Request-Id")))
		if rem := resp.Header.Get("X-RateLimit-Remaining"); rem != "" {
			attrs = append(attrs, slog.String("rate_limit_remaining", rem))
			if n, convErr := strconv.ParseFloat(rem, 64); convErr == nil {
				resource := resp.Header.Get("X-RateLimit-Resource")
				if resource == "" {
					resource = resourceOf(req.URL.Path)
				}
				rateLimitRemaining.WithLabelValues(resource).Set(n)
			}
		}
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	}
	requests.WithLabelValues(req.Method, route, status).Inc()
	requestDuration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
	t.logger.LogAttrs(req.Context(), level, "github api call", attrs...)
	return resp, err
}

var (
	shaSegment = regexp.MustCompile(`^[0-9a-f]{40}$`)
	numSegment = regexp.MustCompile(`^[0-9]+$`)
)

// routeTemplate turns a request path into a low-cardinality route for
// metrics: /repos/o/r/pulls/7/reviews → /repos/{owner}/{repo}/pulls/{n}/reviews.
func routeTemplate(path string) string {
	path = strings.TrimPrefix(path, "/api/v3")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return "/"
	}
	out := make([]string, 0, len(segs))
	for i := 0; i < len(segs); i++ {
		s := segs[i]
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		switch {
		case i == 1 && (segs[0] == "repos" || segs[0] == "users" || segs[0] == "orgs"):
			out = append(out, "{owner}")
		case i == 2 && segs[0] == "repos":
			out = append(out, "{repo}")
		case prev == "contents" || (prev == "git" && (s == "ref" || s == "refs")) || prev == "branches":
			// Everything after these is a path or a ref of any depth.
			if prev == "git" {
				out = append(out, s)
			}
			out = append(out, "{path}")
			i = len(segs)
		case prev == "collaborators" || prev == "commits" || prev == "apps":
			out = append(out, "{name}")
		case numSegment.MatchString(s):
			out = append(out, "{n}")
		case shaSegment.MatchString(s):
			out = append(out, "{sha}")
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}
