package main

import (
	"context"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// pendingRunner is a sandbox.Runner still being made: sandbox.New probes
// the host (cgroups, one bwrap start) while the review's first git steps
// run. Run waits for it.
type pendingRunner struct {
	done  chan struct{}
	inner sandbox.Runner
	err   error
}

// startRunner calls newRunner in the background.
func startRunner(newRunner func() (sandbox.Runner, error)) *pendingRunner {
	p := &pendingRunner{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.inner, p.err = newRunner()
	}()
	return p
}

// wait returns newRunner's error once it returned.
func (p *pendingRunner) wait() error {
	<-p.done
	return p.err
}

// Run implements sandbox.Runner.
func (p *pendingRunner) Run(ctx context.Context, cmd sandbox.Command) (sandbox.Result, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return sandbox.Result{}, ctx.Err()
	}
	if p.err != nil {
		return sandbox.Result{}, p.err
	}
	return p.inner.Run(ctx, cmd)
}
