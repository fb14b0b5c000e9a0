package commandjob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/symposium-dev/symposium/internal/redislock"
)

// lockPR waits for the pull request's fix lock and holds it, renewing its
// lease, until unlock is called: two fix commands on one pull request run
// one after the other, so the second sees the first one's commit. The
// returned context ends if the lease is lost.
func (c *Commander) lockPR(ctx context.Context, j *job) (unlock func(), _ context.Context, err error) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return redislock.Lock{
		Redis: c.opts.Redis,
		Key:   fmt.Sprintf("%sfix:lock:%d:%d", c.opts.KeyPrefix, j.p.Repo.ID, j.p.PRNumber),
		Owner: hex.EncodeToString(b),
		Lease: c.opts.LockLease,
		Name:  "the pull request's fix lock",
		Log:   j.log,
		OnWait: func() {
			j.log.Info("another fix of this pull request is running: waiting for it")
		},
	}.Hold(ctx)
}
