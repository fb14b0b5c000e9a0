package agent

import "github.com/symposium-dev/symposium/review"

// FindingsAsDiagnostics turns the findings of a review.Result into the
// diagnostics a Request and AugmentInput.Baseline take: one primary span
// each, with the finding's rule, severity and message.
func FindingsAsDiagnostics(fs []review.Finding) []review.Diagnostic {
	out := make([]review.Diagnostic, 0, len(fs))
	for _, f := range fs {
		end := f.EndLine
		if end < f.Line {
			end = f.Line
		}
		out = append(out, review.Diagnostic{
			Source: f.Source, Rule: f.Rule, Severity: f.Severity, Message: f.Message,
			Spans: []review.Span{{Path: f.Path, LineStart: f.Line, LineEnd: end, Primary: true}},
		})
	}
	return out
}
