package githubfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/google/uuid"
)

// webhookClient posts deliveries; GitHub gives a receiver 10 seconds.
var webhookClient = &http.Client{Timeout: 10 * time.Second}

// delivery is a webhook delivery the fake made (or recorded), guarded by Server.mu.
type delivery struct {
	v       *github.HookDelivery // without Request/Response
	headers map[string]string
	payload json.RawMessage
	respHdr map[string]string
	resp    []byte
}

// SendWebhook delivers an event to the webhook URL as GitHub does (signed with
// X-Hub-Signature-256, X-GitHub-Event, X-GitHub-Delivery, ...) and records the
// delivery with the receiver's status code, so a failed one can be listed and
// redelivered. A delivery that fails (connection refused, non-2xx) is not an
// error: its StatusCode tells (0 when the receiver could not be reached). The
// error reports only an invalid payload or a missing webhook URL.
func (s *Server) SendWebhook(ctx context.Context, event string, payload []byte) (*github.HookDelivery, error) {
	if !json.Valid(payload) {
		return nil, errors.New("githubfake: webhook payload is not JSON")
	}
	return s.deliver(ctx, event, payload, uuid.NewString(), false)
}

// RecordDelivery records a delivery without sending it, with the given status
// code (0 = could not connect), e.g. one GitHub failed to deliver while the receiver was down.
func (s *Server) RecordDelivery(event string, payload []byte, statusCode int) (*github.HookDelivery, error) {
	if !json.Valid(payload) {
		return nil, errors.New("githubfake: webhook payload is not JSON")
	}
	guid := uuid.NewString()
	d := s.newDelivery(event, payload, guid, false, s.webhookHeaders(event, guid, payload))
	s.finishDelivery(d, statusCode, nil, nil, 0)
	return clone(d.v), nil
}

func (s *Server) webhookHeaders(event, guid string, payload []byte) map[string]string {
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	h := map[string]string{
		"Accept":                                 "*/*",
		"Content-Type":                           "application/json",
		"User-Agent":                             "GitHub-Hookshot/fake",
		"X-GitHub-Event":                         event,
		"X-GitHub-Delivery":                      guid,
		"X-GitHub-Hook-ID":                       strconv.FormatInt(s.opts.AppID+100000, 10),
		"X-GitHub-Hook-Installation-Target-ID":   strconv.FormatInt(s.opts.AppID, 10),
		"X-GitHub-Hook-Installation-Target-Type": "integration",
	}
	if secret != "" {
		m256 := hmac.New(sha256.New, []byte(secret))
		m256.Write(payload)
		h["X-Hub-Signature-256"] = "sha256=" + hex.EncodeToString(m256.Sum(nil))
		m1 := hmac.New(sha1.New, []byte(secret))
		m1.Write(payload)
		h["X-Hub-Signature"] = "sha1=" + hex.EncodeToString(m1.Sum(nil))
	}
	return h
}

func (s *Server) newDelivery(event string, payload []byte, guid string, redelivery bool, headers map[string]string) *delivery {
	var meta struct {
		Action       string `json:"action"`
		Installation struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(payload, &meta)
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &github.HookDelivery{
		ID:          github.Int64(s.newID()),
		GUID:        github.String(guid),
		DeliveredAt: &github.Timestamp{Time: time.Now().UTC().Truncate(time.Second)},
		Redelivery:  github.Bool(redelivery),
		Event:       github.String(event),
	}
	if meta.Action != "" {
		v.Action = github.String(meta.Action)
	}
	if meta.Installation.ID != 0 {
		v.InstallationID = github.Int64(meta.Installation.ID)
	}
	if meta.Repository.ID != 0 {
		v.RepositoryID = github.Int64(meta.Repository.ID)
	}
	d := &delivery{v: v, headers: headers, payload: append(json.RawMessage(nil), payload...)}
	s.deliveries = append(s.deliveries, d)
	return d
}

func (s *Server) finishDelivery(d *delivery, code int, respHdr http.Header, body []byte, took time.Duration) {
	status := "OK"
	switch {
	case code == 0:
		status = "failed to connect to host"
	case code < 200 || code > 299:
		status = fmt.Sprintf("Invalid HTTP Response: %d", code)
	}
	hdr := map[string]string{}
	for k := range respHdr {
		hdr[strings.ToLower(k)] = respHdr.Get(k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.v.StatusCode, d.v.Status = github.Int(code), github.String(status)
	secs := took.Seconds()
	d.v.Duration = &secs
	d.respHdr, d.resp = hdr, body
}

func (s *Server) deliver(ctx context.Context, event string, payload []byte, guid string, redelivery bool) (*github.HookDelivery, error) {
	s.mu.Lock()
	target := s.webhookURL
	s.mu.Unlock()
	if target == "" {
		return nil, errors.New("githubfake: no webhook URL configured (Options.WebhookURL or SetWebhook)")
	}
	headers := s.webhookHeaders(event, guid, payload)
	d := s.newDelivery(event, payload, guid, redelivery, headers)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("githubfake: webhook request: %w", err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := webhookClient.Do(req)
	if err != nil {
		s.log.Info("githubfake: webhook delivery failed", "event", event, "delivery", guid, "error", err)
		s.finishDelivery(d, 0, nil, nil, time.Since(start))
		return clone(d.v), nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	s.finishDelivery(d, resp.StatusCode, resp.Header, body, time.Since(start))
	return clone(d.v), nil
}

// fullDelivery is the delivery with its request and response (caller holds s.mu).
func (d *delivery) full() *github.HookDelivery {
	v := clone(d.v)
	payload := append(json.RawMessage(nil), d.payload...)
	v.Request = &github.HookRequest{Headers: d.headers, RawPayload: &payload}
	quoted, _ := json.Marshal(string(d.resp))
	resp := json.RawMessage(quoted)
	v.Response = &github.HookResponse{Headers: d.respHdr, RawPayload: &resp}
	return v
}

// Deliveries returns every delivery made or recorded, oldest first, with request and response.
func (s *Server) Deliveries() []*github.HookDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*github.HookDelivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		out = append(out, d.full())
	}
	return out
}

// Redeliveries returns the ids of the deliveries whose redelivery was requested, in order.
func (s *Server) Redeliveries() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.redelivered...)
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	q := r.URL.Query()
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	var before int64 = -1
	if c := q.Get("cursor"); c != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(c, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(c, "v1_") {
			writeInvalidField(w, "HookDelivery", "cursor", c)
			return
		}
		before = id
	}
	s.mu.Lock()
	var list []*github.HookDelivery
	var next int64
	for i := len(s.deliveries) - 1; i >= 0; i-- { // newest first
		v := s.deliveries[i].v
		if before >= 0 && v.GetID() > before {
			continue
		}
		if len(list) == perPage {
			next = v.GetID()
			break
		}
		list = append(list, clone(v))
	}
	s.mu.Unlock()
	if next != 0 {
		q2 := url.Values{"per_page": {strconv.Itoa(perPage)}, "cursor": {fmt.Sprintf("v1_%d", next)}}
		u := url.URL{Scheme: "http", Host: r.Host, Path: apiPrefix + r.URL.Path, RawQuery: q2.Encode()}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	if list == nil {
		list = []*github.HookDelivery{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) lookupDelivery(r *http.Request) *delivery {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		if d.v.GetID() == id {
			return d
		}
	}
	return nil
}

func (s *Server) handleGetDelivery(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	d := s.lookupDelivery(r)
	if d == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	v := d.full()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// handleRedeliver records the request and, when a webhook URL is configured,
// resends the delivery (same GUID, redelivery true) before answering 202.
func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	d := s.lookupDelivery(r)
	if d == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	s.redelivered = append(s.redelivered, d.v.GetID())
	event, guid, payload, target := d.v.GetEvent(), d.v.GetGUID(), d.payload, s.webhookURL
	s.mu.Unlock()
	if target != "" {
		if _, err := s.deliver(context.WithoutCancel(r.Context()), event, payload, guid, true); err != nil {
			s.log.Error("githubfake: redelivery", "delivery", guid, "error", err)
		}
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}
