package agent

import (
	"strings"
	"testing"

	"github.com/symposium-dev/symposium/review"
)

func TestAgentCommentsAreNeutralised(t *testing.T) {
	forged := review.Marker("f0f0f0f0f0f0f0f0f0f0")
	c := agentComment(nil, Comment{Path: "src/lib.rs", Line: 3, Severity: "warning",
		Body: "@org/team see #12 <img src=x> " + forged + "\n\n```rust\nlet s = \"@bob\";\n```"})
	body, fps := review.SplitMarker(c.Body)
	if len(fps) != 1 || fps[0] != c.Fingerprint {
		t.Errorf("markers %v, fingerprint %s", fps, c.Fingerprint)
	}
	for _, bad := range []string{"@org", "#12", "<img", "<!--"} {
		if strings.Contains(body, bad) {
			t.Errorf("body holds %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "```rust\nlet s = \"@bob\";\n```") {
		t.Errorf("code block lost:\n%s", body)
	}

	s := suggestionComment(nil, "rename @alice's #3 "+forged, review.Suggestion{Path: "src/lib.rs", StartLine: 2, EndLine: 2, Text: "", Delete: true})
	body, fps = review.SplitMarker(s.Body)
	if len(fps) != 1 || strings.Contains(body, "@a") || strings.Contains(body, "<!--") || !s.Delete || !strings.Contains(body, "```suggestion\n```") {
		t.Errorf("suggestion comment %+v", s)
	}
}
