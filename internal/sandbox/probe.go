package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Mechanism names what bounds the whole command tree of r's commands (the
// Mechanism* constants), or "" for a Runner not made by New.
func Mechanism(r Runner) string {
	if rr, ok := r.(*runner); ok {
		return rr.mechanism
	}
	return ""
}

var mechanismLogged sync.Map

func logMechanism(m string, why error) {
	if _, seen := mechanismLogged.LoadOrStore(m, true); seen {
		return
	}
	limitMechanism.WithLabelValues(m).Set(1)
	if why != nil {
		slog.Info("sandbox: command limits", "mechanism", m, "no_cgroup", why.Error())
		return
	}
	slog.Info("sandbox: command limits", "mechanism", m)
}

// probes caches, per bwrap binary and mechanism, whether bwrap works here:
// the probe costs a sandbox start, so it runs once per process.
var probes sync.Map // string -> *probeResult

type probeResult struct {
	once sync.Once
	err  error
}

func (r *runner) probeOnce() error {
	v, _ := probes.LoadOrStore(r.bwrap+"\x00"+r.mechanism, &probeResult{})
	p := v.(*probeResult)
	p.once.Do(func() { p.err = r.probe() })
	return p.err
}

// probe checks that bwrap can create its namespaces on this host.
func (r *runner) probe() error {
	res, err := r.Run(context.Background(), Command{Args: []string{"true"}, Timeout: 30 * time.Second})
	if err != nil {
		return fmt.Errorf("sandbox: bwrap does not work on this host: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("sandbox: bwrap does not work on this host (user namespaces disabled?): exit %d: %s",
			res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
