package reviewjob

import (
	"errors"
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/internal/githubapp"
	"github.com/symposium-dev/symposium/review"
)

func thread(id string, resolved bool, comments ...githubapp.ThreadComment) githubapp.ReviewThread {
	return githubapp.ReviewThread{ID: id, IsResolved: resolved, Path: "src/lib.rs", Line: 7, Comments: comments}
}

func botSays(fps ...string) githubapp.ThreadComment {
	body := "**warning** (clippy): something\n"
	for _, fp := range fps {
		body += review.Marker(fp) + "\n"
	}
	return githubapp.ThreadComment{Author: "symposium", Body: body}
}

func TestPlanThreads(t *testing.T) {
	const bot = "symposium[bot]"
	person := githubapp.ThreadComment{Author: "alice", Body: "I will keep it"}
	threads := []githubapp.ReviewThread{
		{ID: "gone", Path: "src/lib.rs", OriginalLine: 9, IsOutdated: true, Comments: []githubapp.ThreadComment{botSays("a")}},
		thread("present", false, botSays("b")),
		thread("partly", false, botSays("a", "b")),
		thread("replied", false, botSays("c"), person),
		thread("bot-reply", false, botSays("d"), botSays()),
		thread("resolved", true, botSays("e")),
		thread("person", false, githubapp.ThreadComment{Author: "alice", Body: review.Marker("f")}),
		thread("no-marker", false, githubapp.ThreadComment{Author: "symposium", Body: "hello"}),
	}
	present := map[string]bool{"b": true}
	ids := func(ts []githubapp.ReviewThread) string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return strings.Join(out, ",")
	}
	p := planThreads(threads, bot, present, "")
	if got := ids(p.Resolve); got != "gone,bot-reply" {
		t.Errorf("resolve %q", got)
	}
	if got := ids(p.Replied); got != "replied" {
		t.Errorf("replied %q", got)
	}
	held := planThreads(threads, bot, present, "it does not compile")
	if len(held.Resolve)+len(held.Replied) != 0 || ids(held.Held) != "gone,replied,bot-reply" {
		t.Errorf("with a compile error: %+v", held)
	}
	// A review that could not analyse the head (its manifest is a link)
	// found nothing, but fixed nothing either.
	reasons := map[string]review.Result{
		"it does not compile":       {CompileError: true},
		"it was not fully analysed": {Incomplete: "`Cargo.toml` is a symbolic link: not followed"},
		"":                          {},
	}
	for want, res := range reasons {
		if got := holdReason(res); got != want {
			t.Errorf("holdReason(%+v) = %q, want %q", res, got, want)
		}
	}
	incomplete := planThreads(threads, bot, map[string]bool{}, holdReason(review.Result{Incomplete: "x"}))
	if len(incomplete.Resolve) != 0 || !strings.Contains(withLifecycleNote("x\n", incomplete), "but it was not fully analysed, so their threads stay open") {
		t.Errorf("incomplete review: %+v", incomplete)
	}

	note := withLifecycleNote("## Symposium review\n", p)
	for _, want := range []string{"### Fixed by this push", "- `src/lib.rs:9 (outdated)` **warning** (clippy): something", "- `src/lib.rs:7` **warning**", "left open because someone replied"} {
		if !strings.Contains(note, want) {
			t.Errorf("summary lacks %q:\n%s", want, note)
		}
	}
	if strings.Contains(note, "<!--") {
		t.Errorf("summary repeats a marker:\n%s", note)
	}
	failed := withLifecycleNote("x\n", threadPlan{Failed: p.Resolve, ReadErr: errors.New("boom")})
	if !strings.Contains(failed, "did not let Symposium resolve") || !strings.Contains(failed, "could not be read") || strings.Contains(failed, "boom") {
		t.Errorf("failures not reported (or the raw error leaked):\n%s", failed)
	}
	if got := withLifecycleNote("x\n", threadPlan{}); got != "x\n" {
		t.Errorf("nothing to say changed the summary: %q", got)
	}
}
