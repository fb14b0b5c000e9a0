package scan

import (
	"context"

	"github.com/google/go-github/v62/github"
)

func calls(ctx context.Context, c *github.Client) {
	c.Checks.CreateCheckRun(ctx, "o", "r", github.CreateCheckRunOptions{})
	c.PullRequests.Get(ctx, "o", "r", 1)
	c.Organizations.IsMember(ctx, "o", "u")
}
