package githubapp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"

	"github.com/symposium-dev/symposium/review"
)

const (
	testAppID   = 42
	testInstall = 7
	secretToken = "ghs_SECRETinstallationTOKEN123"
	headSHA     = "0123456789abcdef0123456789abcdef01234567"
)

// miniGitHub is just enough of GitHub's REST API for these tests. It checks
// the app JWT against the app's public key and the installation token.
type miniGitHub struct {
	t   *testing.T
	key *rsa.PrivateKey
	srv *httptest.Server

	mu            sync.Mutex
	tokenRequests []map[string]any
	checkRuns     []*github.CheckRun
	patches       []map[string]any
	reviews       []map[string]any
	offDiffLines  map[int]bool
	reviewBodies  []*github.PullRequestReview
	comments      []*github.PullRequestComment
	requests      []string
}

// testKey is one app key shared by the tests: generating one is slow.
var testKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

func newMiniGitHub(t *testing.T) *miniGitHub {
	t.Helper()
	key, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	g := &miniGitHub{t: t, key: key, offDiffLines: map[int]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", g.appOnly(g.accessToken))
	mux.HandleFunc("GET /app", g.appOnly(func(w http.ResponseWriter, r *http.Request) {
		writeJSONResponse(w, 200, map[string]any{"id": testAppID, "slug": "symposium"})
	}))
	mux.HandleFunc("GET /repos/o/r/commits/{sha}/check-runs", g.installOnly(g.listCheckRuns))
	mux.HandleFunc("POST /repos/o/r/check-runs", g.installOnly(g.createCheckRun))
	mux.HandleFunc("PATCH /repos/o/r/check-runs/{id}", g.installOnly(g.updateCheckRun))
	mux.HandleFunc("POST /repos/o/r/pulls/1/reviews", g.installOnly(g.createReview))
	mux.HandleFunc("GET /repos/o/r/pulls/1/reviews", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		writeJSONResponse(w, 200, g.reviewBodies)
	}))
	mux.HandleFunc("GET /repos/o/r/pulls/1/comments", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		writeJSONResponse(w, 200, g.comments)
	}))
	mux.HandleFunc("GET /repos/o/r/pulls/1/files", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		writeJSONResponse(w, 200, []map[string]any{{
			"filename": "src/lib.rs",
			"patch":    "@@ -1,2 +1,3 @@\n fn a() {}\n+fn b() {}\n fn c() {}\n@@ -10,2 +11,3 @@\n x\n+y\n z",
		}})
	}))
	mux.HandleFunc("GET /repos/o/r/pulls/1", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		writeJSONResponse(w, 200, map[string]any{"number": 1, "head": map[string]any{"sha": headSHA}})
	}))
	mux.HandleFunc("GET /repos/o/r/collaborators/{user}/permission", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("user") {
		case "maint":
			writeJSONResponse(w, 200, map[string]any{"permission": "write", "user": map[string]any{"login": "maint", "role_name": "maintain"}})
		case "reader":
			writeJSONResponse(w, 200, map[string]any{"permission": "read", "user": map[string]any{"login": "reader"}})
		default:
			writeJSONResponse(w, 404, map[string]any{"message": "Not Found"})
		}
	}))
	mux.HandleFunc("GET /repos/o/r/contents/{path...}", g.installOnly(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("path") != ".github/symposium.toml" || r.URL.Query().Get("ref") != "main" {
			writeJSONResponse(w, 404, map[string]any{"message": "Not Found"})
			return
		}
		writeJSONResponse(w, 200, map[string]any{
			"type": "file", "encoding": "base64", "size": 13,
			"content": base64.StdEncoding.EncodeToString([]byte("filter = \"x\"\n")),
		})
	}))
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.requests = append(g.requests, r.Method+" "+r.URL.Path)
		g.mu.Unlock()
		w.Header().Set("X-GitHub-Request-Id", "REQ-"+strconv.Itoa(len(g.requests)))
		w.Header().Set("X-RateLimit-Remaining", "4999")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *miniGitHub) keyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(g.key)})
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (g *miniGitHub) appOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		claims := &jwt.RegisteredClaims{}
		_, err := jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
			if tok.Method != jwt.SigningMethodRS256 {
				return nil, fmt.Errorf("alg %v", tok.Header["alg"])
			}
			return &g.key.PublicKey, nil
		})
		if !ok || err != nil || claims.Issuer != strconv.Itoa(testAppID) {
			writeJSONResponse(w, 401, map[string]any{"message": "A JSON web token could not be decoded"})
			return
		}
		h(w, r)
	}
}

func (g *miniGitHub) installOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "token "+secretToken {
			writeJSONResponse(w, 401, map[string]any{"message": "Bad credentials"})
			return
		}
		h(w, r)
	}
}

func (g *miniGitHub) accessToken(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != strconv.Itoa(testInstall) {
		writeJSONResponse(w, 404, map[string]any{"message": "Not Found"})
		return
	}
	var opts map[string]any
	_ = json.NewDecoder(r.Body).Decode(&opts)
	g.mu.Lock()
	g.tokenRequests = append(g.tokenRequests, opts)
	g.mu.Unlock()
	writeJSONResponse(w, 201, map[string]any{"token": secretToken, "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
}

func (g *miniGitHub) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var runs []*github.CheckRun
	for _, run := range g.checkRuns {
		if run.GetHeadSHA() == r.PathValue("sha") && run.GetName() == r.URL.Query().Get("check_name") {
			runs = append(runs, run)
		}
	}
	writeJSONResponse(w, 200, map[string]any{"total_count": len(runs), "check_runs": runs})
}

func (g *miniGitHub) createCheckRun(w http.ResponseWriter, r *http.Request) {
	var opts github.CreateCheckRunOptions
	_ = json.NewDecoder(r.Body).Decode(&opts)
	g.mu.Lock()
	defer g.mu.Unlock()
	run := &github.CheckRun{ID: ptr(int64(100 + len(g.checkRuns))), Name: &opts.Name, HeadSHA: &opts.HeadSHA, ExternalID: opts.ExternalID, Status: opts.Status}
	g.checkRuns = append(g.checkRuns, run)
	writeJSONResponse(w, 201, run)
}

func (g *miniGitHub) updateCheckRun(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	if out, ok := body["output"].(map[string]any); ok {
		if anns, ok := out["annotations"].([]any); ok && len(anns) > 50 {
			writeJSONResponse(w, 422, map[string]any{"message": "Only 50 annotations may be sent at a time"})
			return
		}
	}
	g.mu.Lock()
	g.patches = append(g.patches, body)
	g.mu.Unlock()
	id, _ := strconv.Atoi(r.PathValue("id"))
	writeJSONResponse(w, 200, map[string]any{"id": id})
}

func (g *miniGitHub) createReview(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	comments, _ := body["comments"].([]any)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range comments {
		line := int(c.(map[string]any)["line"].(float64))
		if g.offDiffLines[line] {
			writeJSONResponse(w, 422, map[string]any{"message": "Unprocessable Entity",
				"errors": []string{"Pull request review thread line must be part of the diff"}})
			return
		}
	}
	g.reviews = append(g.reviews, body)
	writeJSONResponse(w, 200, map[string]any{"id": 900 + len(g.reviews), "body": body["body"]})
}

func newTestCreator(t *testing.T, g *miniGitHub, logs *bytes.Buffer) *ClientCreator {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cc, err := NewClientCreator(Config{
		AppID: testAppID, PrivateKey: g.keyPEM(), BaseURL: g.srv.URL,
		Transport: TransportOptions{WriteInterval: -1, RetryBase: time.Millisecond},
		Logger:    logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

func testRepo(t *testing.T, g *miniGitHub, logs *bytes.Buffer) Repo {
	t.Helper()
	client, err := newTestCreator(t, g, logs).InstallationClient(testInstall)
	if err != nil {
		t.Fatal(err)
	}
	return Repo{Client: client, Owner: "o", Name: "r"}
}

func TestInstallationClientAuthAndLogs(t *testing.T) {
	g := newMiniGitHub(t)
	var logs bytes.Buffer
	cc := newTestCreator(t, g, &logs)
	client, err := cc.InstallationClient(testInstall)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := cc.InstallationClient(testInstall)
	if again != client {
		t.Error("installation client is not cached")
	}
	repo := Repo{Client: client, Owner: "o", Name: "r"}
	ctx := WithLogContext(context.Background(), "o/r", 1)
	for range 3 {
		if same, cur, err := repo.HeadIs(ctx, 1, headSHA); err != nil || !same || cur != headSHA {
			t.Fatalf("HeadIs = %v %q %v", same, cur, err)
		}
	}
	if n := len(g.tokenRequests); n != 1 {
		t.Errorf("%d token requests for 3 calls, want 1 (cached)", n)
	}
	login, err := cc.BotLogin(ctx)
	if err != nil || login != "symposium[bot]" {
		t.Errorf("BotLogin = %q, %v", login, err)
	}
	tok, err := cc.RepositoryToken(ctx, testInstall, "r", false)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value() != secretToken || time.Until(tok.ExpiresAt) < 50*time.Minute {
		t.Errorf("token expiry %v", tok.ExpiresAt)
	}
	last := g.tokenRequests[len(g.tokenRequests)-1]
	if fmt.Sprint(last["repositories"]) != "[r]" || fmt.Sprint(last["permissions"]) != "map[contents:read]" {
		t.Errorf("narrowed token request = %v", last)
	}
	slog.New(slog.NewTextHandler(&logs, nil)).Info("minted", "token", tok)
	if s := fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok); strings.Contains(s, secretToken) {
		t.Errorf("token formats as itself: %s", s)
	}

	out := logs.String()
	if strings.Contains(out, secretToken) || strings.Contains(out, "Bearer") {
		t.Fatalf("logs carry a credential:\n%s", out)
	}
	for _, want := range []string{"installation=7", "repo=o/r", "pr=1", "method=GET", "path=/repos/o/r/pulls/1", "status=200", "request_id=REQ-", "path=/app/installations/7/access_tokens"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
}

func TestBadConfig(t *testing.T) {
	g := newMiniGitHub(t)
	for name, cfg := range map[string]Config{
		"no app id":   {PrivateKey: g.keyPEM()},
		"bad key":     {AppID: 1, PrivateKey: []byte("nope")},
		"bad baseurl": {AppID: 1, PrivateKey: g.keyPEM(), BaseURL: "::"},
	} {
		if _, err := NewClientCreator(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestStartCheckRunReusesByExternalID(t *testing.T) {
	g := newMiniGitHub(t)
	repo := testRepo(t, g, nil)
	ctx := context.Background()
	first, err := repo.StartCheckRun(ctx, headSHA, "review:1:1:"+headSHA)
	if err != nil {
		t.Fatal(err)
	}
	again, err := repo.StartCheckRun(ctx, headSHA, "review:1:1:"+headSHA)
	if err != nil {
		t.Fatal(err)
	}
	if again.GetID() != first.GetID() || len(g.checkRuns) != 1 {
		t.Errorf("retry made a new check run: %d vs %d, %d runs", again.GetID(), first.GetID(), len(g.checkRuns))
	}
	other, err := repo.StartCheckRun(ctx, headSHA, "review:1:1:other")
	if err != nil || other.GetID() == first.GetID() {
		t.Errorf("another task reused the check run: %v", err)
	}
	if first.GetStatus() != "in_progress" {
		t.Errorf("status = %q", first.GetStatus())
	}
}

func TestCompleteCheckRunBatchesAnnotations(t *testing.T) {
	tests := []struct {
		annotations, posted int
		wantPatches         []int // annotations per PATCH
		wantFirstLine       int   // the first annotation sent
	}{
		{0, 0, []int{0}, 0},
		{50, 0, []int{50}, 1},
		{51, 0, []int{50, 1}, 1},
		{120, 0, []int{50, 50, 20}, 1},
		// A retry after the first batch went: the rest only.
		{120, 50, []int{50, 20}, 51},
		{120, 120, []int{0}, 0},
		{10, 500, []int{0}, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d-posted-%d", tc.annotations, tc.posted), func(t *testing.T) {
			g := newMiniGitHub(t)
			repo := testRepo(t, g, nil)
			var anns []*github.CheckRunAnnotation
			for i := range tc.annotations {
				anns = append(anns, &github.CheckRunAnnotation{
					Path: ptr("src/lib.rs"), StartLine: ptr(i + 1), EndLine: ptr(i + 1),
					AnnotationLevel: ptr("warning"), Message: ptr("m"),
				})
			}
			err := repo.CompleteCheckRun(context.Background(), 100, CheckRunResult{
				Conclusion: "neutral", Title: "3 findings", Summary: "summary", Annotations: anns, AnnotationsPosted: tc.posted,
				Actions: []*github.CheckRunAction{{Label: "Apply fixes", Description: "Push a commit with the fixes", Identifier: "apply_fixes"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.patches) != len(tc.wantPatches) {
				t.Fatalf("%d PATCHes, want %d", len(g.patches), len(tc.wantPatches))
			}
			for i, p := range g.patches {
				out := p["output"].(map[string]any)
				anns, _ := out["annotations"].([]any)
				if len(anns) != tc.wantPatches[i] {
					t.Errorf("PATCH %d has %d annotations, want %d", i, len(anns), tc.wantPatches[i])
				}
				if i == 0 && len(anns) > 0 {
					if line := anns[0].(map[string]any)["start_line"]; line != float64(tc.wantFirstLine) {
						t.Errorf("first annotation sent is line %v, want %d", line, tc.wantFirstLine)
					}
				}
				if out["title"] != "3 findings" || out["summary"] != "summary" {
					t.Errorf("PATCH %d output = %v", i, out)
				}
				last := i == len(g.patches)-1
				_, hasConclusion := p["conclusion"]
				_, hasActions := p["actions"]
				_, hasStatus := p["status"]
				if last != hasConclusion || last != hasActions || last != hasStatus {
					t.Errorf("PATCH %d: conclusion %v, actions %v, status %v; want them only on the last", i, hasConclusion, hasActions, hasStatus)
				}
			}
		})
	}
}

func TestCompleteCheckRunNeutralisesAnnotations(t *testing.T) {
	g := newMiniGitHub(t)
	repo := testRepo(t, g, nil)
	hostile := "@org/team see #12 <!-- symposium:fp=abc -->"
	ann := &github.CheckRunAnnotation{
		Path: ptr("src/@x/#1.rs"), StartLine: ptr(1), EndLine: ptr(1), AnnotationLevel: ptr("failure"),
		Title: ptr("rustc: " + hostile), Message: ptr(hostile), RawDetails: ptr(hostile),
	}
	err := repo.CompleteCheckRun(context.Background(), 100, CheckRunResult{
		Conclusion: "neutral", Title: "title " + hostile, Summary: "summary", Annotations: []*github.CheckRunAnnotation{ann},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := g.patches[0]["output"].(map[string]any)
	sent := out["annotations"].([]any)[0].(map[string]any)
	for _, v := range []any{out["title"], sent["title"], sent["message"], sent["raw_details"]} {
		s, _ := v.(string)
		if strings.Contains(s, "@o") || strings.Contains(s, "#1") || strings.Contains(s, "<!--") || !strings.Contains(s, "org/team") {
			t.Errorf("sent %q", s)
		}
	}
	if sent["path"] != "src/@x/#1.rs" {
		t.Errorf("path changed to %v", sent["path"])
	}
	if ann.GetMessage() != hostile {
		t.Error("the caller's annotation was modified")
	}
}

func TestCompleteCheckRunValidates(t *testing.T) {
	g := newMiniGitHub(t)
	repo := testRepo(t, g, nil)
	act := func(id string) *github.CheckRunAction {
		return &github.CheckRunAction{Label: "l", Description: "d", Identifier: id}
	}
	bad := map[string]CheckRunResult{
		"conclusion":    {Conclusion: "great", Title: "t", Summary: "s"},
		"no summary":    {Conclusion: "success", Title: "t"},
		"four actions":  {Conclusion: "success", Title: "t", Summary: "s", Actions: []*github.CheckRunAction{act("a"), act("b"), act("c"), act("d")}},
		"long label":    {Conclusion: "success", Title: "t", Summary: "s", Actions: []*github.CheckRunAction{{Label: strings.Repeat("x", 21), Description: "d", Identifier: "i"}}},
		"bad level":     {Conclusion: "success", Title: "t", Summary: "s", Annotations: []*github.CheckRunAnnotation{{Path: ptr("a"), StartLine: ptr(1), EndLine: ptr(1), Message: ptr("m"), AnnotationLevel: ptr("error")}}},
		"huge summary":  {Conclusion: "success", Title: "t", Summary: strings.Repeat("x", 70000)},
		"no annot line": {Conclusion: "success", Title: "t", Summary: "s", Annotations: []*github.CheckRunAnnotation{{Path: ptr("a"), Message: ptr("m"), AnnotationLevel: ptr("notice")}}},
	}
	for name, res := range bad {
		if err := repo.CompleteCheckRun(context.Background(), 100, res); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if len(g.patches) != 0 {
		t.Errorf("invalid results were sent: %d PATCHes", len(g.patches))
	}
}

func TestCreateReviewMovesOffDiffComments(t *testing.T) {
	onDiff := ReviewComment{Path: "src/lib.rs", Line: 2, Side: review.SideRight, Body: "b is unused\n" + review.Marker("fp1")}
	multi := ReviewComment{Path: "src/lib.rs", StartLine: 11, Line: 13, Side: review.SideRight, Body: "multi\n" + review.Marker("fp2")}
	offDiff := ReviewComment{Path: "src/lib.rs", Line: 7, Side: review.SideRight, Body: "far away\n" + review.Marker("fp3")}
	spansHunks := ReviewComment{Path: "src/lib.rs", StartLine: 2, Line: 12, Side: review.SideRight, Body: "two hunks\n" + review.Marker("fp4")}

	tests := []struct {
		name        string
		comments    []ReviewComment
		offDiff     []int // lines our fake GitHub refuses
		wantInline  int
		wantMoved   int
		wantPosts   int // review POSTs that succeeded
		wantInBody  []string
		wantOffBody []string
	}{
		{"all on the diff", []ReviewComment{onDiff, multi}, nil, 2, 0, 1, nil, []string{"fp1", "fp2"}},
		{"one off the diff", []ReviewComment{onDiff, offDiff, multi}, []int{7}, 2, 1, 1, []string{"fp3", "far away", "`src/lib.rs`**, line 7"}, []string{"fp1"}},
		{"spanning two hunks", []ReviewComment{onDiff, spansHunks}, []int{12}, 1, 1, 1, []string{"fp4", "lines 2–12"}, nil},
		{"GitHub disagrees with the hunks", []ReviewComment{onDiff}, []int{2}, 0, 1, 1, []string{"fp1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newMiniGitHub(t)
			for _, l := range tc.offDiff {
				g.offDiffLines[l] = true
			}
			repo := testRepo(t, g, nil)
			out, err := repo.CreateReview(context.Background(), 1, ReviewDraft{CommitID: headSHA, Body: "Summary", Comments: tc.comments})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Inline) != tc.wantInline || len(out.Moved) != tc.wantMoved {
				t.Errorf("inline %d moved %d, want %d %d", len(out.Inline), len(out.Moved), tc.wantInline, tc.wantMoved)
			}
			if len(g.reviews) != tc.wantPosts {
				t.Fatalf("%d reviews posted, want %d", len(g.reviews), tc.wantPosts)
			}
			posted := g.reviews[0]
			body, _ := posted["body"].(string)
			if posted["event"] != "COMMENT" || posted["commit_id"] != headSHA || !strings.HasPrefix(body, "Summary") {
				t.Errorf("posted review = %v", posted)
			}
			for _, s := range tc.wantInBody {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			if tc.wantMoved > 0 {
				fps := review.ParseMarkers(body)
				for _, c := range out.Moved {
					if want := review.ParseMarkers(c.Body); len(want) != 1 || !slices.Contains(fps, want[0]) {
						t.Errorf("body's marker %v lacks the moved comment's %v", fps, want)
					}
				}
			}
			for _, s := range tc.wantOffBody {
				if strings.Contains(body, s) {
					t.Errorf("body has %q:\n%s", s, body)
				}
			}
			comments, _ := posted["comments"].([]any)
			if len(comments) != tc.wantInline {
				t.Errorf("%d inline comments sent, want %d", len(comments), tc.wantInline)
			}
			for _, c := range comments {
				m := c.(map[string]any)
				_, hasStart := m["start_line"]
				_, hasStartSide := m["start_side"]
				if hasStart != hasStartSide || (hasStart && m["start_line"].(float64) >= m["line"].(float64)) {
					t.Errorf("comment %v: start_line/start_side inconsistent", m)
				}
			}
		})
	}
}

func TestCreateReviewRejectsBadInput(t *testing.T) {
	g := newMiniGitHub(t)
	repo := testRepo(t, g, nil)
	bad := map[string]ReviewDraft{
		"no commit": {Body: "x"},
		"empty":     {CommitID: headSHA},
		"bad side":  {CommitID: headSHA, Comments: []ReviewComment{{Path: "a", Line: 1, Side: "MIDDLE", Body: "b"}}},
		"start>end": {CommitID: headSHA, Comments: []ReviewComment{{Path: "a", Line: 1, StartLine: 3, Side: "RIGHT", Body: "b"}}},
	}
	for name, d := range bad {
		if _, err := repo.CreateReview(context.Background(), 1, d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPostedFingerprints(t *testing.T) {
	g := newMiniGitHub(t)
	g.comments = []*github.PullRequestComment{
		{User: &github.User{Login: ptr("symposium[bot]")}, Body: ptr("x\n" + review.Marker("aaa"))},
		{User: &github.User{Login: ptr("mallory")}, Body: ptr("fake\n" + review.Marker("bbb"))},
	}
	g.reviewBodies = []*github.PullRequestReview{
		{User: &github.User{Login: ptr("symposium[bot]")}, Body: ptr("summary\n" + review.Marker("ccc", "ddd"))},
		// A marker quoted from PR text, not on the last line, counts for nothing.
		{User: &github.User{Login: ptr("symposium[bot]")}, Body: ptr("error: " + review.Marker("eee") + "\nmore text")},
	}
	repo := testRepo(t, g, nil)
	got, err := repo.PostedFingerprints(context.Background(), 1, "symposium[bot]")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got["aaa"] || !got["ccc"] || !got["ddd"] || got["bbb"] {
		t.Errorf("fingerprints = %v, want aaa ccc ddd only", got)
	}
}

func TestRepoReads(t *testing.T) {
	g := newMiniGitHub(t)
	repo := testRepo(t, g, nil)
	ctx := context.Background()
	for user, want := range map[string]string{"maint": "maintain", "reader": "read", "stranger": "none"} {
		got, err := repo.Permission(ctx, user)
		if err != nil || got != want {
			t.Errorf("Permission(%s) = %q, %v; want %q", user, got, err, want)
		}
	}
	if !CanWrite("maintain") || CanWrite("read") || CanWrite("triage") {
		t.Error("CanWrite is wrong")
	}
	data, found, err := repo.FileContents(ctx, ".github/symposium.toml", "main")
	if err != nil || !found || string(data) != "filter = \"x\"\n" {
		t.Errorf("FileContents = %q %v %v", data, found, err)
	}
	if _, found, err := repo.FileContents(ctx, ".github/symposium.toml", "other"); err != nil || found {
		t.Errorf("missing file: found %v, err %v", found, err)
	}
	if err := repo.React(ctx, 5, "party"); err == nil {
		t.Error("unknown reaction accepted")
	}
}
