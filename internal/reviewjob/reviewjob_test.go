package reviewjob

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
	"github.com/hibiken/asynq"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/review"
)

func ghError(code int) error {
	return &github.ErrorResponse{Response: &http.Response{StatusCode: code}, Message: http.StatusText(code)}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want outcome
	}{
		{"server error", fmt.Errorf("post: %w", ghError(502)), transient},
		{"rate limit", &githubapp.RateLimitError{Reset: time.Now().Add(time.Minute)}, transient},
		{"too many requests", ghError(429), transient},
		{"not found", fmt.Errorf("get: %w", ghError(404)), permanent},
		{"validation", ghError(422), permanent},
		{"marked permanent", permanentError(errors.New("no clone URL")), permanent},
		{"skip retry", fmt.Errorf("x: %w", asynq.SkipRetry), permanent},
		{"network", errors.New("dial tcp: connection refused"), transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRetryDelayHonoursRateLimit(t *testing.T) {
	err := fmt.Errorf("review: %w", &githubapp.RateLimitError{Reset: time.Now().Add(10 * time.Minute)})
	if d := RetryDelay(0, err, nil); d < 9*time.Minute || d > 11*time.Minute {
		t.Errorf("rate-limit delay %s, want about 10m", d)
	}
	if d := RetryDelay(0, errors.New("boom"), nil); d < 15*time.Second || d > 20*time.Second {
		t.Errorf("ordinary first delay %s, want 15s plus jitter", d)
	}
}

func TestSplitPostedAndNote(t *testing.T) {
	cs := []review.Comment{{Fingerprint: "a"}, {Fingerprint: "b"}, {Fingerprint: "c"}}
	fresh, repeated := splitPosted(cs, map[string]bool{"b": true})
	if len(fresh) != 2 || len(repeated) != 1 || repeated[0].Fingerprint != "b" {
		t.Fatalf("fresh %v repeated %v", fresh, repeated)
	}
	if got := withIncrementalNote("S\n", 2, 0); got != "S\n" {
		t.Errorf("no repeat: %q", got)
	}
	if got := withIncrementalNote("S\n", 2, 1); !strings.Contains(got, "1 of the 3 inline findings were already reported") {
		t.Errorf("note: %q", got)
	}
}

func TestDraftComments(t *testing.T) {
	got := draftComments([]review.Comment{
		{Path: "a.rs", Line: 4, StartLine: 4, Side: "RIGHT", Body: "x"},
		{Path: "a.rs", Line: 9, StartLine: 6, Body: "y"},
	})
	if got[0].StartLine != 0 || got[1].StartLine != 6 || got[1].Side != review.SideRight {
		t.Errorf("draft comments: %+v", got)
	}
}

func TestCheckRunResult(t *testing.T) {
	sugg := "x"
	c := Conclusions{}.withDefaults()
	tests := []struct {
		name           string
		res            review.Result
		wantConclusion string
		wantActions    int
	}{
		{"clean", review.Result{}, "success", 0},
		{"findings with a fix", review.Result{
			Findings: []review.Finding{{Path: "a.rs", Line: 3, Severity: review.SeverityWarning, Message: "m", Source: review.SourceClippy, Rule: "clippy::len_zero"}},
			Comments: []review.Comment{{Suggestion: &sugg}},
		}, "neutral", 1},
		{"compile error on diff", review.Result{
			CompileErrorOnDiff: true,
			Findings:           []review.Finding{{Path: "a.rs", Line: 3, Severity: review.SeverityError, Message: "m"}},
		}, "failure", 0},
		// Nothing analysed (the manifest is a link) is not clean.
		{"incomplete, nothing found", review.Result{Incomplete: "`Cargo.toml` is a symbolic link: not followed"}, "neutral", 0},
		// The fetch failed because of the pull request: its finding is an
		// error, but no compiler error; the review is incomplete.
		{"incomplete with a finding", review.Result{
			Incomplete: "cargo could not fetch the dependencies",
			Findings:   []review.Finding{{Path: "Cargo.toml", Line: 9, Severity: review.SeverityError, Source: "cargo", Rule: "cargo::fetch-failed", Message: "duplicate key"}},
		}, "neutral", 0},
		{"incomplete with a compiler error on the diff", review.Result{
			Incomplete: "clippy's output exceeded 64 MB", CompileErrorOnDiff: true,
			Findings: []review.Finding{{Path: "a.rs", Line: 3, Severity: review.SeverityError, Message: "m"}},
		}, "failure", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRunResult(tt.res, "summary", "", 0, 0, c)
			if got.Conclusion != tt.wantConclusion || len(got.Actions) != tt.wantActions {
				t.Errorf("conclusion %q actions %d, want %q %d", got.Conclusion, len(got.Actions), tt.wantConclusion, tt.wantActions)
			}
			if tt.res.Incomplete != "" && !tt.res.CompileErrorOnDiff && !strings.HasPrefix(got.Title, "Incomplete review") {
				t.Errorf("title %q of an incomplete review", got.Title)
			}
			if len(got.Annotations) != len(tt.res.Findings) {
				t.Errorf("annotations %d, want %d", len(got.Annotations), len(tt.res.Findings))
			}
			if tt.wantActions > 0 && got.Actions[0].Identifier != FixActionID {
				t.Errorf("action id %q", got.Actions[0].Identifier)
			}
		})
	}
}

func TestAnnotationsLevelsAndIgnored(t *testing.T) {
	got := annotations([]review.Finding{
		{Path: "a.rs", Line: 1, EndLine: 2, Severity: review.SeverityError, Message: "e"},
		{Path: "a.rs", Line: 5, Severity: review.SeverityNote, Message: "n"},
		{Path: "gen.rs", Line: 5, Severity: review.SeverityWarning, Message: "w", Ignored: true},
	})
	if len(got) != 2 || got[0].GetAnnotationLevel() != "failure" || got[0].GetEndLine() != 2 ||
		got[1].GetAnnotationLevel() != "notice" || got[1].GetEndLine() != 5 {
		t.Errorf("annotations: %v", got)
	}
}

func TestNewRequiresRedis(t *testing.T) {
	_, err := New(Options{Clients: &githubapp.ClientCreator{}, Redis: nil})
	if err == nil {
		t.Fatal("New without Redis succeeded")
	}
}

// An incomplete review never concludes Clean, even when an operator
// configures the conclusions.
func TestCheckRunResultIncompleteConclusion(t *testing.T) {
	c := Conclusions{Clean: "success", Findings: "success", Incomplete: "action_required"}.withDefaults()
	if got := checkRunResult(review.Result{Incomplete: "x"}, "s", "", 0, 0, c); got.Conclusion != "action_required" {
		t.Errorf("conclusion %q, want the configured Incomplete", got.Conclusion)
	}
	if _, err := New(Options{Clients: &githubapp.ClientCreator{}, Conclusions: Conclusions{Incomplete: "pending"}}); err == nil {
		t.Error("New accepted a bad Incomplete conclusion")
	}
}

// A failed task's summary shows neither the data dir nor the temporary
// dir, however cargo or git named them.
func TestPublicError(t *testing.T) {
	data := "/var/lib/sym data"
	err := fmt.Errorf("cargo fetch in %s/src/1-2: %w", data, errors.New("mkdir "+os.TempDir()+"/x: no space left on device"))
	got := PublicError(err, data)
	if strings.Contains(got, data) || strings.Contains(got, os.TempDir()+"/") || !strings.Contains(got, "<data>/src/1-2") {
		t.Errorf("PublicError = %q", got)
	}
}
