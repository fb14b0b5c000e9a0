// Package webhook is Symposium's front door: the HTTP handler that receives
// GitHub webhook deliveries, verifies their signature, routes them to tasks,
// de-duplicates them by delivery id and enqueues them, answering within
// milliseconds. It makes no GitHub API call and runs no cargo.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/symposium-dev/symposium/internal/metrics"
	"github.com/symposium-dev/symposium/internal/tasks"
	"golang.org/x/sync/semaphore"
)

// MaxBodyBytes is the largest delivery accepted: GitHub caps payloads at
// 25 MiB.
const MaxBodyBytes = 25 << 20

// maxDeliveryIDBytes bounds X-GitHub-Delivery (a GUID) before it becomes a
// Redis key.
const maxDeliveryIDBytes = 100

// DefaultRedisTimeout bounds the Redis work of one delivery.
const DefaultRedisTimeout = 5 * time.Second

// Queue is what the receiver needs from the queue; *queue.Queue implements it.
type Queue interface {
	// DeliverySeen reports whether a delivery id was recorded.
	DeliverySeen(ctx context.Context, deliveryID string) (bool, error)
	// RecordDelivery records a delivery id once its tasks are queued.
	RecordDelivery(ctx context.Context, deliveryID string) error
	// EnqueueReview queues a review; existing means a task with its id is
	// already there (not an error). rerun deletes a finished one first,
	// unless the same delivery queued it.
	EnqueueReview(ctx context.Context, p *tasks.ReviewPayload, rerun bool) (id string, existing bool, err error)
	// EnqueueCommand queues a command; existing as for EnqueueReview.
	EnqueueCommand(ctx context.Context, p *tasks.CommandPayload) (id string, existing bool, err error)
	// EnqueueCleanup queues the removal of a closed pull request's caches.
	EnqueueCleanup(ctx context.Context, p *tasks.CleanupPayload) (id string, existing bool, err error)
	// Ping checks that Redis answers.
	Ping(ctx context.Context) error
}

// Options configure a Handler.
type Options struct {
	// Secrets are the accepted webhook secrets, current first (a second
	// one during rotation). At least one is required.
	Secrets [][]byte
	// Queue receives the tasks.
	Queue Queue
	// Route tunes routing.
	Route RouteOptions
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// RedisTimeout bounds the Redis work of one delivery; default
	// DefaultRedisTimeout.
	RedisTimeout time.Duration
	// MaxUnauthenticatedBytes bounds the body bytes held, across all
	// deliveries being read at once, before their signature is checked;
	// default DefaultUnauthenticatedBytes, at least MaxBodyBytes+32 KiB.
	MaxUnauthenticatedBytes int64
	// BodyWait is how long a delivery waits for room in that budget before
	// it is answered 503; default DefaultBodyWait.
	BodyWait time.Duration
}

// Handler serves POST /webhook.
type Handler struct {
	opts Options
	log  *slog.Logger
	body bodyReader
}

// New returns a Handler.
func New(opts Options) (*Handler, error) {
	if len(opts.Secrets) == 0 {
		return nil, errors.New("webhook handler: no webhook secret")
	}
	for _, s := range opts.Secrets {
		if len(s) == 0 {
			return nil, errors.New("webhook handler: empty webhook secret")
		}
	}
	if opts.Queue == nil {
		return nil, errors.New("webhook handler: no queue")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RedisTimeout <= 0 {
		opts.RedisTimeout = DefaultRedisTimeout
	}
	if opts.MaxUnauthenticatedBytes == 0 {
		opts.MaxUnauthenticatedBytes = DefaultUnauthenticatedBytes
	}
	if floor := int64(MaxBodyBytes + chunkBytes); opts.MaxUnauthenticatedBytes < floor {
		return nil, fmt.Errorf("webhook handler: unauthenticated body budget %d bytes is below one largest delivery (%d)", opts.MaxUnauthenticatedBytes, floor)
	}
	if opts.BodyWait <= 0 {
		opts.BodyWait = DefaultBodyWait
	}
	return &Handler{opts: opts, log: opts.Logger, body: bodyReader{
		secrets: opts.Secrets,
		budget:  semaphore.NewWeighted(opts.MaxUnauthenticatedBytes),
		wait:    opts.BodyWait,
	}}, nil
}

// NewMux serves the receiver on POST /webhook next to /healthz, /readyz
// (Redis answers) and /metrics.
func NewMux(h *Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/webhook", h)
	metrics.Register(mux, h.opts.Queue.Ping, h.log)
	return mux
}

// Response is the JSON body of every answer of the receiver.
type Response struct {
	// Status is queued, duplicate, ignored, pong, logged or error.
	Status     string `json:"status"`
	DeliveryID string `json:"delivery_id,omitempty"`
	// TaskID is the task that holds the work (the first one when a
	// delivery queues several reviews, all listed in TaskIDs).
	TaskID  string   `json:"task_id,omitempty"`
	TaskIDs []string `json:"task_ids,omitempty"`
	// Reason explains an ignored delivery, an error or an existing task.
	Reason string `json:"reason,omitempty"`
}

// ServeHTTP handles one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	event, delivery := r.Header.Get(github.EventTypeHeader), r.Header.Get(github.DeliveryIDHeader)
	eventLabel := knownEvent(event)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, http.StatusMethodNotAllowed, Response{Status: "error", Reason: "use POST"}, eventLabel, "", "method_not_allowed")
		return
	}
	mac, ok := parseSignature(r.Header.Get(github.SHA256SignatureHeader))
	if !ok {
		h.unauthorized(w, r, delivery)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		h.answer(w, http.StatusRequestEntityTooLarge, Response{Status: "error", Reason: "body over 25 MiB"}, "unverified", "", "too_large")
		return
	}
	body, ok, err := h.body.readVerified(r.Context(), w, r.Body, mac)
	switch {
	case errors.Is(err, errTooLarge):
		h.answer(w, http.StatusRequestEntityTooLarge, Response{Status: "error", Reason: "body over 25 MiB"}, "unverified", "", "too_large")
		return
	case errors.Is(err, errBusy):
		h.log.WarnContext(r.Context(), "webhook delivery refused: too many unauthenticated body bytes in flight", "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", "1")
		h.answer(w, http.StatusServiceUnavailable, Response{Status: "error", Reason: "receiver busy, redeliver later"}, "unverified", "", "busy")
		return
	case err != nil:
		h.answer(w, http.StatusBadRequest, Response{Status: "error", Reason: "could not read body"}, "unverified", "", "bad_request")
		return
	case !ok:
		h.unauthorized(w, r, delivery)
		return
	}
	if event == "" || delivery == "" || len(delivery) > maxDeliveryIDBytes || !printable(delivery) {
		h.answer(w, http.StatusBadRequest, Response{Status: "error", Reason: "missing or invalid X-GitHub-Event or X-GitHub-Delivery"}, eventLabel, "", "bad_request")
		return
	}
	payload, err := payloadOf(r.Header.Get("Content-Type"), body)
	if err != nil {
		h.answer(w, http.StatusBadRequest, Response{Status: "error", DeliveryID: delivery, Reason: err.Error()}, eventLabel, "", "bad_request")
		return
	}
	d, err := Route(event, delivery, payload, h.opts.Route)
	if err != nil {
		h.log.WarnContext(r.Context(), "webhook payload rejected", "delivery", delivery, "event", event, "err", err)
		h.answer(w, http.StatusBadRequest, Response{Status: "error", DeliveryID: delivery, Reason: err.Error()}, eventLabel, "", "bad_request")
		return
	}
	action := actionLabel(d.Action)
	switch d.Outcome {
	case OutcomePong:
		h.answer(w, http.StatusOK, Response{Status: "pong", DeliveryID: delivery}, eventLabel, action, "pong")
	case OutcomeIgnored:
		h.log.DebugContext(r.Context(), "webhook delivery ignored", "delivery", delivery, "event", event, "action", d.Action, "reason", d.Reason)
		h.answer(w, http.StatusOK, Response{Status: "ignored", DeliveryID: delivery, Reason: d.Reason}, eventLabel, action, "ignored")
	case OutcomeLogged:
		h.log.InfoContext(r.Context(), "installation changed", append([]any{"delivery", delivery, "event", event, "action", d.Action}, d.LogAttrs...)...)
		h.answer(w, http.StatusOK, Response{Status: "logged", DeliveryID: delivery}, eventLabel, action, "logged")
	default:
		h.enqueue(r.Context(), w, delivery, event, d)
	}
}

// unauthorized answers a missing, malformed or wrong X-Hub-Signature-256.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request, delivery string) {
	h.log.WarnContext(r.Context(), "webhook signature rejected", "delivery", truncate(delivery, maxDeliveryIDBytes), "remote", r.RemoteAddr)
	h.answer(w, http.StatusUnauthorized, Response{Status: "error", Reason: "missing or wrong X-Hub-Signature-256 (sha256= and 64 lowercase hex digits)"}, "unverified", "", "unauthorized")
}

// enqueue queues the tasks of a delivery, then records its id. The order
// is what loses nothing: the mark that answers a redelivery "duplicate" is
// written only once every task is in Redis, and each task id is derived
// from the delivery or the head (tasks.ReviewTaskID, tasks.CommandTaskID),
// so a redelivery after any failure on the way finds the tasks already
// queued instead of queueing them twice. Redis failing answers 503.
func (h *Handler) enqueue(ctx context.Context, w http.ResponseWriter, delivery, event string, d Decision) {
	eventLabel, action := knownEvent(event), actionLabel(d.Action)
	ctx, cancel := context.WithTimeout(ctx, h.opts.RedisTimeout)
	defer cancel()
	start := time.Now()
	seen, err := h.opts.Queue.DeliverySeen(ctx, delivery)
	if err != nil {
		h.unavailable(ctx, w, delivery, event, d, err)
		return
	}
	if seen {
		h.log.InfoContext(ctx, "webhook delivery duplicate", "delivery", delivery, "event", event, "action", d.Action)
		h.answer(w, http.StatusOK, Response{Status: "duplicate", DeliveryID: delivery}, eventLabel, action, "duplicate")
		return
	}
	resp := Response{Status: "queued", DeliveryID: delivery}
	var existing []string
	add := func(id string, exists bool) {
		resp.TaskIDs = append(resp.TaskIDs, id)
		if exists {
			existing = append(existing, id)
		}
	}
	if d.Outcome == OutcomeCommand {
		id, exists, err := h.opts.Queue.EnqueueCommand(ctx, d.Command)
		if err != nil {
			h.unavailable(ctx, w, delivery, event, d, err)
			return
		}
		add(id, exists)
	}
	if d.Cleanup != nil {
		id, exists, err := h.opts.Queue.EnqueueCleanup(ctx, d.Cleanup)
		if err != nil {
			h.unavailable(ctx, w, delivery, event, d, err)
			return
		}
		add(id, exists)
	}
	for _, p := range d.Reviews {
		id, exists, err := h.opts.Queue.EnqueueReview(ctx, p, d.Rerun)
		if err != nil {
			h.unavailable(ctx, w, delivery, event, d, err)
			return
		}
		add(id, exists)
	}
	if err := h.opts.Queue.RecordDelivery(ctx, delivery); err != nil {
		h.unavailable(ctx, w, delivery, event, d, err)
		return
	}
	enqueueSeconds.Observe(time.Since(start).Seconds())
	resp.TaskID = resp.TaskIDs[0]
	if len(resp.TaskIDs) == 1 {
		resp.TaskIDs = nil
	}
	if len(existing) > 0 {
		resp.Reason = "task already queued or recently done for this head"
	}
	h.log.InfoContext(ctx, "webhook delivery queued", "delivery", delivery, "event", event, "action", d.Action,
		"task_id", resp.TaskID, "existing", len(existing) > 0, "outcome", string(d.Outcome))
	h.answer(w, http.StatusAccepted, resp, eventLabel, action, "queued")
}

func (h *Handler) unavailable(ctx context.Context, w http.ResponseWriter, delivery, event string, d Decision, err error) {
	h.log.ErrorContext(ctx, "webhook delivery not queued: Redis unavailable", "delivery", delivery, "event", event, "action", d.Action, "err", err)
	h.answer(w, http.StatusServiceUnavailable, Response{Status: "error", DeliveryID: delivery, Reason: "queue unavailable, redeliver later"},
		knownEvent(event), actionLabel(d.Action), "unavailable")
}

func (h *Handler) answer(w http.ResponseWriter, code int, resp Response, event, action, outcome string) {
	deliveries.WithLabelValues(event, action, outcome).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		h.log.Debug("write webhook response", "err", err)
	}
}

// payloadOf extracts the JSON payload: the body itself, or the payload
// field of a form-encoded body (the webhook's other content type).
func payloadOf(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType == "" {
		mt, err = "application/json", nil
	}
	if err != nil {
		return nil, errors.New("unparsable Content-Type")
	}
	switch mt {
	case "application/json":
		return body, nil
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil || !form.Has("payload") {
			return nil, errors.New("form body without a payload field")
		}
		return []byte(form.Get("payload")), nil
	}
	return nil, errors.New("unsupported Content-Type (use application/json)")
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}
