package githubfake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-github/v62/github"
)

// receiver is a webhook endpoint that checks signatures and fails on demand.
type receiver struct {
	secret string
	mu     sync.Mutex
	fail   bool
	got    []string // delivery GUIDs accepted
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write(body)
	if r.Header.Get("X-Hub-Signature-256") != "sha256="+hex.EncodeToString(mac.Sum(nil)) || r.Header.Get("X-GitHub-Event") == "" {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.fail {
		http.Error(w, "redis down", http.StatusServiceUnavailable)
		return
	}
	rc.got = append(rc.got, r.Header.Get("X-GitHub-Delivery"))
	w.WriteHeader(http.StatusAccepted)
}

func TestWebhookDeliveriesAndRedelivery(t *testing.T) {
	t.Parallel()
	rc := &receiver{secret: "s3cret", fail: true}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	f := newFixture(t, Options{WebhookURL: hook.URL, WebhookSecret: "s3cret"})
	ctx := context.Background()
	payload := []byte(`{"action":"opened","number":1,"installation":{"id":1},"repository":{"id":5}}`)

	failed, err := f.srv.SendWebhook(ctx, "pull_request", payload)
	if err != nil {
		t.Fatal(err)
	}
	if failed.GetStatusCode() != http.StatusServiceUnavailable || failed.GetAction() != "opened" || failed.GetInstallationID() != 1 {
		t.Fatalf("failed delivery = %+v", failed)
	}
	rc.mu.Lock()
	rc.fail = false
	rc.mu.Unlock()
	ok, err := f.srv.SendWebhook(ctx, "issue_comment", []byte(`{"action":"created"}`))
	if err != nil || ok.GetStatusCode() != http.StatusAccepted || ok.GetStatus() != "OK" {
		t.Fatalf("delivery = %+v, %v", ok, err)
	}
	if _, err := f.srv.RecordDelivery("pull_request", []byte(`{"action":"synchronize"}`), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.SendWebhook(ctx, "x", []byte("not json")); err == nil {
		t.Fatal("non-JSON payload accepted")
	}

	app := f.appClient(t)
	var all []*github.HookDelivery
	opts := &github.ListCursorOptions{PerPage: 2}
	for {
		page, resp, err := app.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	if len(all) != 3 || all[0].GetAction() != "synchronize" || all[0].GetStatusCode() != 0 || all[2].GetID() != failed.GetID() {
		t.Fatalf("deliveries = %v", all)
	}

	full, _, err := app.Apps.GetHookDelivery(ctx, failed.GetID())
	if err != nil || full.Request == nil || string(*full.Request.RawPayload) != string(payload) ||
		full.Request.Headers["X-GitHub-Event"] != "pull_request" {
		t.Fatalf("delivery detail = %+v, %v", full, err)
	}

	_, _, err = app.Apps.RedeliverHookDelivery(ctx, failed.GetID())
	var accepted *github.AcceptedError
	if err != nil && !errors.As(err, &accepted) {
		t.Fatal(err)
	}
	if got := f.srv.Redeliveries(); len(got) != 1 || got[0] != failed.GetID() {
		t.Fatalf("redeliveries = %v", got)
	}
	rc.mu.Lock()
	got := append([]string(nil), rc.got...)
	rc.mu.Unlock()
	if len(got) != 2 || got[1] != failed.GetGUID() {
		t.Fatalf("receiver got %v, want the redelivered %s last", got, failed.GetGUID())
	}
	ds := f.srv.Deliveries()
	if last := ds[len(ds)-1]; !last.GetRedelivery() || last.GetStatusCode() != http.StatusAccepted {
		t.Fatalf("redelivery record = %+v", last)
	}

	// Deliveries need the app JWT, not an installation token.
	_, resp, err := f.client(t, nil).Apps.ListHookDeliveries(ctx, nil)
	if got := statusOf(t, resp, err); got != http.StatusUnauthorized {
		t.Fatalf("deliveries with a token: status %d", got)
	}
}
