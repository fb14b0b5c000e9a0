package githubfake

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-github/v62/github"
)

func annotations(n int) []*github.CheckRunAnnotation {
	var out []*github.CheckRunAnnotation
	for i := 1; i <= n; i++ {
		out = append(out, &github.CheckRunAnnotation{
			Path: github.String("src/lib.rs"), StartLine: github.Int(i), EndLine: github.Int(i),
			AnnotationLevel: github.String("warning"), Message: github.String(fmt.Sprintf("finding %d", i)),
		})
	}
	return out
}

func TestCheckRuns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	head := f.built.HeadSHA
	cr, _, err := c.Checks.CreateCheckRun(ctx, "octo-org", "hello", github.CreateCheckRunOptions{
		Name: "Symposium", HeadSHA: head, ExternalID: github.String("task-1"), Status: github.String("in_progress"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if cr.GetStatus() != "in_progress" || cr.GetExternalID() != "task-1" || len(cr.PullRequests) != 1 {
		t.Fatalf("created = %+v", cr)
	}
	for i := 0; i < 2; i++ {
		_, _, err = c.Checks.UpdateCheckRun(ctx, "octo-org", "hello", cr.GetID(), github.UpdateCheckRunOptions{
			Name:   "Symposium",
			Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(50)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	done, _, err := c.Checks.UpdateCheckRun(ctx, "octo-org", "hello", cr.GetID(), github.UpdateCheckRunOptions{
		Name: "Symposium", Conclusion: github.String("neutral"),
		Actions: []*github.CheckRunAction{{Label: "Apply fixes", Description: "Push a fix commit", Identifier: "fix"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetStatus() != "completed" || done.GetConclusion() != "neutral" || done.CompletedAt == nil ||
		done.GetOutput().GetAnnotationsCount() != 100 {
		t.Fatalf("completed = %+v", done)
	}
	if got := f.srv.Annotations(testRepo, cr.GetID()); len(got) != 100 {
		t.Fatalf("annotations = %d", len(got))
	}
	if got := f.srv.CheckRunActions(testRepo, cr.GetID()); len(got) != 1 || got[0].Identifier != "fix" {
		t.Fatalf("actions = %v", got)
	}
	list, _, err := c.Checks.ListCheckRunsForRef(ctx, "octo-org", "hello", "feature", &github.ListCheckRunsOptions{CheckName: github.String("Symposium")})
	if err != nil || list.GetTotal() != 1 || list.CheckRuns[0].GetID() != cr.GetID() {
		t.Fatalf("list = %+v, %v", list, err)
	}
	list, _, err = c.Checks.ListCheckRunsForRef(ctx, "octo-org", "hello", head, &github.ListCheckRunsOptions{CheckName: github.String("other")})
	if err != nil || list.GetTotal() != 0 {
		t.Fatalf("list by other name = %+v, %v", list, err)
	}
	got, _, err := c.Checks.GetCheckRun(ctx, "octo-org", "hello", cr.GetID())
	if err != nil || got.GetConclusion() != "neutral" {
		t.Fatalf("get = %+v, %v", got, err)
	}
}

func TestCheckRunValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	c := f.client(t, nil)
	head := f.built.HeadSHA
	out := func(n int) *github.CheckRunOutput {
		return &github.CheckRunOutput{Title: github.String("t"), Summary: github.String("s"), Annotations: annotations(n)}
	}
	tests := []struct {
		name string
		opts github.CreateCheckRunOptions
		want int
	}{
		{"ok", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Output: out(50)}, http.StatusCreated},
		{"51 annotations", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Output: out(51)}, http.StatusUnprocessableEntity},
		{"bad status", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Status: github.String("running")}, http.StatusUnprocessableEntity},
		{"bad conclusion", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Conclusion: github.String("great")}, http.StatusUnprocessableEntity},
		{"completed without conclusion", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Status: github.String("completed")}, http.StatusUnprocessableEntity},
		{"unknown sha", github.CreateCheckRunOptions{Name: "S", HeadSHA: "0123456789012345678901234567890123456789"}, http.StatusUnprocessableEntity},
		{"no name", github.CreateCheckRunOptions{HeadSHA: head}, http.StatusUnprocessableEntity},
		{"output without summary", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Output: &github.CheckRunOutput{Title: github.String("t")}}, http.StatusUnprocessableEntity},
		{"bad annotation level", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Output: &github.CheckRunOutput{
			Title: github.String("t"), Summary: github.String("s"),
			Annotations: []*github.CheckRunAnnotation{{Path: github.String("a"), StartLine: github.Int(1), EndLine: github.Int(1), AnnotationLevel: github.String("error"), Message: github.String("m")}},
		}}, http.StatusUnprocessableEntity},
		{"four actions", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Actions: []*github.CheckRunAction{
			{Label: "a", Description: "a", Identifier: "a"}, {Label: "b", Description: "b", Identifier: "b"},
			{Label: "c", Description: "c", Identifier: "c"}, {Label: "d", Description: "d", Identifier: "d"},
		}}, http.StatusUnprocessableEntity},
		{"label too long", github.CreateCheckRunOptions{Name: "S", HeadSHA: head, Actions: []*github.CheckRunAction{
			{Label: "a label that is far too long", Description: "a", Identifier: "a"},
		}}, http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := c.Checks.CreateCheckRun(ctx, "octo-org", "hello", tt.opts)
			if got := statusOf(t, resp, err); got != tt.want {
				t.Fatalf("status %d, want %d (%v)", got, tt.want, err)
			}
		})
	}
	if n := len(f.srv.CheckRuns(testRepo)); n != 1 {
		t.Fatalf("%d check runs stored, want 1", n)
	}
}
