package deploy_test

import (
	"context"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/symposium-dev/symposium/internal/config"
)

const composeFile = "docker-compose.yml"

// composeEnv stands in for deploy/.env.
var composeEnv = []string{"GITHUB_APP_ID=123456", "GITHUB_WEBHOOK_SECRET=test-secret"}

// loadCompose loads the Compose file as `docker compose config` does:
// compose-go is the loader Docker Compose uses, and it validates against the
// Compose specification's JSON schema, interpolates and normalises.
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory("."), cli.WithEnv(env), cli.WithName("symposium"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return opts.LoadProject(ctx)
}

func TestComposeLoads(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	names := p.ServiceNames()
	slices.Sort(names)
	if want := []string{"advisory-db", "redis", "webhook", "worker"}; !slices.Equal(names, want) {
		t.Errorf("services %v, want %v", names, want)
	}
}

func TestComposeRequiresSecrets(t *testing.T) {
	for _, drop := range []string{"GITHUB_APP_ID", "GITHUB_WEBHOOK_SECRET"} {
		env := slices.DeleteFunc(slices.Clone(composeEnv), func(e string) bool { return strings.HasPrefix(e, drop+"=") })
		_, err := loadCompose(t, env)
		if err == nil || !strings.Contains(err.Error(), drop) {
			t.Errorf("without %s: error %v, want one naming it", drop, err)
		}
	}
}

func TestComposeServices(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	redis, err := p.GetService("redis")
	if err != nil {
		t.Fatal(err)
	}
	cmd := strings.Join(redis.Command, " ")
	if !strings.Contains(cmd, "--appendonly yes") || !strings.Contains(cmd, "--maxmemory-policy noeviction") {
		t.Errorf("redis runs %q: want persistence (--appendonly yes) and noeviction", cmd)
	}
	if !slices.ContainsFunc(redis.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Type == "volume" && v.Target == "/data" }) {
		t.Error("redis keeps /data in no named volume")
	}
	if redis.HealthCheck == nil {
		t.Error("redis has no health check")
	}

	for _, role := range []config.Role{config.RoleWebhook, config.RoleWorker} {
		s, err := p.GetService(string(role))
		if err != nil {
			t.Fatal(err)
		}
		where := composeFile + " " + s.Name
		if len(s.Command) != 1 || s.Command[0] != string(role) {
			t.Errorf("%s: command %q, want [%s]", where, s.Command, role)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: not built from deploy/Dockerfile", where)
		}
		if dep, ok := s.DependsOn["redis"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s: want depends_on redis: service_healthy", where)
		}
		hc := s.HealthCheck
		if hc == nil || len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("%s: no exec-form health check", where)
		} else {
			want := map[config.Role]string{config.RoleWebhook: "GET /readyz", config.RoleWorker: "GET /healthz"}[role]
			if !strings.Contains(strings.Join(hc.Test, " "), want) {
				t.Errorf("%s: health check %q does not ask for %s", where, hc.Test, want)
			}
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", where, k)
				continue
			}
			env[k] = *v
		}
		if port := strings.TrimPrefix(env[config.EnvListen], ":"); port != "8080" {
			t.Errorf("%s: %s=%q, want :8080 (the health check's port)", where, config.EnvListen, env[config.EnvListen])
		}
		roleEnv(t, where, role, env)
		if role == config.RoleWorker {
			checkComposeWorker(t, p, s, env)
		}
	}
}

func checkComposeWorker(t *testing.T, p *types.Project, s types.ServiceConfig, env map[string]string) {
	key := env[config.EnvPrivateKeyFile]
	if len(s.Secrets) != 1 || key != path.Join("/run/secrets", s.Secrets[0].Source) {
		t.Errorf("worker: %s=%q, want the mounted secret /run/secrets/NAME", config.EnvPrivateKeyFile, key)
	} else if _, ok := p.Secrets[s.Secrets[0].Source]; !ok {
		t.Errorf("worker: secret %s is not declared", s.Secrets[0].Source)
	}
	if m := missing(s.SecurityOpt, "seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"); len(m) > 0 {
		t.Errorf("worker: bubblewrap needs security_opt %q", m)
	}
	if s.Privileged || len(s.CapAdd) > 0 {
		t.Error("worker: must not be privileged or add capabilities")
	}
	if s.Deploy == nil || s.Deploy.Resources.Limits == nil ||
		s.Deploy.Resources.Limits.NanoCPUs < 2 || s.Deploy.Resources.Limits.MemoryBytes < 4<<30 {
		t.Error("worker: want resource limits of at least 2 CPUs and 4 GiB for cargo")
	}
	if !slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/var/lib/symposium" }) {
		t.Error("worker: /var/lib/symposium (checkouts, cargo cache) is not a volume")
	}
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= 30*time.Second {
		t.Error("worker: stop_grace_period must exceed the default shutdown timeout, 30s")
	}
	if len(s.Ports) > 0 {
		t.Error("worker: publishes ports, which breaks --scale worker=N")
	}
}

// TestDockerComposeConfig runs `docker compose config` too when the Compose
// plugin is installed (it needs no Docker engine).
func TestDockerComposeConfig(t *testing.T) {
	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Log("docker compose is not installed: the file was checked with compose-go only")
		return
	}
	cmd := exec.Command("docker", "compose", "-f", composeFile, "config", "-q")
	cmd.Env = append(cmd.Environ(), composeEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker compose config: %v\n%s", err, out)
	}
}
