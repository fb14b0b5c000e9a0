package deploy_test

import (
	"path"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/symposium-dev/symposium/internal/config"
)

// TestAdvisoryDBKeptUpdated: both deployments keep a checkout of the
// RustSec advisory database up to date with a scheduled pull, where the
// worker's SYMPOSIUM_ADVISORY_DB points.
func TestAdvisoryDBKeptUpdated(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	updater, err := p.GetService("advisory-db")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.Join(updater.Command, " ")
	if !strings.Contains(script, "rustsec/advisory-db") || !strings.Contains(script, "pull") || !strings.Contains(script, "sleep") {
		t.Errorf("compose advisory-db does not pull the database on a schedule: %q", script)
	}
	worker, err := p.GetService("worker")
	if err != nil {
		t.Fatal(err)
	}
	db := worker.Environment[config.EnvAdvisoryDB]
	if db == nil || !strings.Contains(script, *db) {
		t.Errorf("compose worker: %s=%v is not where advisory-db writes", config.EnvAdvisoryDB, db)
	}
	shared := false
	for _, wv := range worker.Volumes {
		for _, uv := range updater.Volumes {
			if wv.Source == uv.Source && wv.Target == uv.Target && db != nil && strings.HasPrefix(*db, wv.Target+"/") {
				shared = true
			}
		}
	}
	if !shared {
		t.Error("compose: the worker does not share advisory-db's volume")
	}

	k := loadKube(t)
	for _, d := range k.deployments {
		spec := d.Spec.Template.Spec
		c := spec.Containers[0]
		if len(c.Args) != 1 || c.Args[0] != string(config.RoleWorker) {
			continue
		}
		var dbPath string
		for _, e := range c.Env {
			if e.Name == config.EnvAdvisoryDB {
				dbPath = e.Value
			}
		}
		var sidecar *corev1.Container
		for i := range spec.InitContainers {
			ic := &spec.InitContainers[i]
			if ic.RestartPolicy != nil && *ic.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				sidecar = ic
			}
		}
		if sidecar == nil || dbPath == "" {
			t.Fatalf("%s: want a sidecar pulling the advisory database and %s set", d.Name, config.EnvAdvisoryDB)
		}
		if s := strings.Join(sidecar.Args, " "); !strings.Contains(s, "rustsec/advisory-db") || !strings.Contains(s, dbPath) || !strings.Contains(s, "sleep") {
			t.Errorf("%s: the sidecar does not pull into %s on a schedule: %q", d.Name, dbPath, s)
		}
		if sc := sidecar.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sidecar.Resources.Limits.Cpu().IsZero() {
			t.Errorf("%s: the sidecar needs a locked-down security context and limits", d.Name)
		}
		mounted := false
		for _, m := range c.VolumeMounts {
			for _, sm := range sidecar.VolumeMounts {
				if m.Name == sm.Name && m.ReadOnly && strings.HasPrefix(dbPath, path.Clean(m.MountPath)+"/") {
					mounted = true
				}
			}
		}
		if !mounted {
			t.Errorf("%s: the worker does not read the sidecar's volume (read-only) at %s", d.Name, dbPath)
		}
	}
}
