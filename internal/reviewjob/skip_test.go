package reviewjob

import (
	"testing"

	"github.com/symposium-dev/symposium/internal/config"
)

func TestSkipReason(t *testing.T) {
	off, drafts := config.DefaultRepo(), config.DefaultRepo()
	no := false
	off.Review.Enabled = &no
	drafts.Review.Drafts = true
	tests := []struct {
		name        string
		cfg         *config.Repo
		draft, full bool
		skip        bool
	}{
		{"defaults", config.DefaultRepo(), false, false, false},
		{"turned off", off, false, false, true},
		{"turned off, even when asked", off, false, true, true},
		{"draft", config.DefaultRepo(), true, false, true},
		{"draft, asked for", config.DefaultRepo(), true, true, false},
		{"draft, repo reviews drafts", drafts, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := skipReason(tt.cfg, tt.draft, tt.full); (got != "") != tt.skip {
				t.Errorf("skipReason = %q, want skip %v", got, tt.skip)
			}
		})
	}
}
