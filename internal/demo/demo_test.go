package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/symposium-dev/symposium/internal/githubfake"
)

// TestRunBundledSample runs the whole demo (embedded Redis, real cargo in
// the sandbox) and checks the JSON contract and the readable output.
func TestRunBundledSample(t *testing.T) {
	mode := os.Getenv("SYMPOSIUM_SANDBOX")
	if mode == "" {
		mode = "bwrap"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	posted, err := Run(ctx, Options{Sandbox: mode, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := posted.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		CheckRun struct {
			Name       string `json:"name"`
			Status     string `json:"status"`
			Conclusion string `json:"conclusion"`
			Output     struct {
				Annotations []map[string]any `json:"annotations"`
			} `json:"output"`
		} `json:"check_run"`
		Review struct {
			Event    string `json:"event"`
			CommitID string `json:"commit_id"`
		} `json:"review"`
		Comments []struct {
			Path string `json:"path"`
			Line int    `json:"line"`
			Body string `json:"body"`
		} `json:"comments"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, buf.String())
	}
	if got.CheckRun.Name != "Symposium" || got.CheckRun.Status != "completed" || got.CheckRun.Conclusion != "neutral" || len(got.CheckRun.Output.Annotations) != 4 {
		t.Errorf("check run: %+v", got.CheckRun)
	}
	if got.Review.Event != "COMMENT" || len(got.Review.CommitID) != 40 || len(got.Comments) != 2 {
		t.Errorf("review %+v with %d comments", got.Review, len(got.Comments))
	}
	if got.Comments[0].Path != "src/lib.rs" || got.Comments[0].Line != 17 || !strings.Contains(got.Comments[0].Body, "```suggestion\n    if items.is_empty() {\n```") {
		t.Errorf("first comment: %+v", got.Comments[0])
	}
	var text bytes.Buffer
	if err := posted.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`CHECK RUN "Symposium": neutral`, "REVIEW (COMMENT)", "COMMENT 1/2 on src/lib.rs:17", "[Apply fixes] (fix)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
}

func TestSampleHasBothSides(t *testing.T) {
	for _, side := range []string{"base", "head"} {
		files, err := SampleFiles(side)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := files["Cargo.toml"]; !ok {
			t.Errorf("%s: no Cargo.toml in %v", side, files)
		}
	}
}

func TestBuildFromLocalRejectsSameCommit(t *testing.T) {
	ctx := context.Background()
	bare := t.TempDir() + "/sample.git"
	built, err := BuildSample(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildFromLocal(ctx, bare, built.HeadSHA, built.HeadSHA, t.TempDir()+"/x.git"); err == nil {
		t.Error("same base and head accepted")
	}
	if _, err := BuildFromLocal(ctx, bare, "--upload-pack=x", "feature", t.TempDir()+"/y.git"); err == nil {
		t.Error("option-like revision accepted")
	}
	got, err := BuildFromLocal(ctx, bare, "main", "feature", t.TempDir()+"/z.git")
	if err != nil || got.BaseSHA != built.BaseSHA || got.HeadSHA != built.HeadSHA {
		t.Errorf("BuildFromLocal: %+v, %v", got, err)
	}
}

// TestRunSeveralHeads pushes two heads of a local repository: the second
// fixes len_zero, so the final threads show it resolved and manual_find open.
func TestRunSeveralHeads(t *testing.T) {
	mode := os.Getenv("SYMPOSIUM_SANDBOX")
	if mode == "" {
		mode = "bwrap"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	local := t.TempDir() + "/local.git"
	built, err := BuildSample(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	head, err := SampleFiles("head")
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(head["src/lib.rs"], "items.len() == 0", "items.is_empty()", 1)
	second, err := githubfake.Commit(ctx, local, "feature", map[string]string{"src/lib.rs": fixed}, nil, "is_empty")
	if err != nil {
		t.Fatal(err)
	}
	posted, err := Run(ctx, Options{RepoDir: local, Base: "main", Heads: []string{built.HeadSHA, second}, Sandbox: mode, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := posted.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Threads []map[string]any `json:"threads"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Threads) != 2 {
		t.Fatalf("threads: %v", got.Threads)
	}
	for _, th := range got.Threads {
		if len(th) != 6 {
			t.Errorf("thread fields: %v, want path, line, rule, body, resolved, outdated", th)
		}
	}
	lenZero, find := got.Threads[0], got.Threads[1]
	if lenZero["rule"] != "clippy::len_zero" || lenZero["line"] != 17.0 || lenZero["path"] != "src/lib.rs" ||
		lenZero["resolved"] != true || lenZero["outdated"] != true {
		t.Errorf("len_zero thread: %v", lenZero)
	}
	if find["rule"] != "clippy::manual_find" || find["resolved"] != false || find["outdated"] != false ||
		!strings.Contains(find["body"].(string), "```suggestion") {
		t.Errorf("manual_find thread: %v", find)
	}
}

func TestRuleOf(t *testing.T) {
	for body, want := range map[string]string{
		"**warning** (clippy): length comparison — [`clippy::len_zero`](https://x/y#len_zero)\n\nmore":      "clippy::len_zero",
		"**error** (rustc): mismatched types — [`E0308`](https://doc.rust-lang.org/error_codes/E0308.html)": "E0308",
		"**warning** (rustc): unused variable — `unused_variables`\n":                                       "unused_variables",
		"**note** (agent): no rule here\n":                                                                  "",
	} {
		if got := ruleOf(body); got != want {
			t.Errorf("ruleOf(%q) = %q, want %q", body, got, want)
		}
	}
}
