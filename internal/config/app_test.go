package config

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	key := testKey(t)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		role    Role
		env     map[string]string
		args    []string
		wantErr string // substring; "" = valid
		check   func(t *testing.T, a *App)
	}{
		{name: "webhook minimal", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s", EnvRedisURL: "redis://r:6379/1"},
			check: func(t *testing.T, a *App) {
				if a.Listen != ":8080" || a.MaxRetry != 5 || a.TaskTimeout != 30*time.Minute || len(a.WebhookSecrets()) != 1 {
					t.Errorf("%+v", a)
				}
			}},
		{name: "webhook needs secret", role: RoleWebhook, env: map[string]string{EnvRedisURL: "redis://r"}, wantErr: EnvWebhookSecret},
		{name: "webhook needs Redis", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s"}, wantErr: EnvRedisURL},
		{name: "webhook ignores app settings", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s", EnvRedisURL: "rediss://r:6380", EnvAppID: "junk"}},
		{name: "flag overrides env", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s", EnvRedisURL: "redis://r", EnvListen: ":1"},
			args: []string{"--listen", ":2", "--review-drafts"},
			check: func(t *testing.T, a *App) {
				if a.Listen != ":2" || !a.ReviewDrafts {
					t.Errorf("%+v", a)
				}
			}},
		{name: "rotation", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "new", EnvWebhookSecretPrevious: "old", EnvRedisURL: "redis://r"},
			check: func(t *testing.T, a *App) {
				if s := a.WebhookSecrets(); len(s) != 2 || string(s[0]) != "new" {
					t.Errorf("%q", s)
				}
			}},
		{name: "bad Redis scheme", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s", EnvRedisURL: "http://r"}, wantErr: EnvRedisURL},
		{name: "sentinel", role: RoleWebhook, env: map[string]string{EnvWebhookSecret: "s", EnvRedisURL: "redis+sentinel://a:26379,b:26379?master_name=m"}},
		{name: "serve local", role: RoleServe, env: map[string]string{EnvWebhookSecret: "s"},
			check: func(t *testing.T, a *App) {
				if a.HasGitHubApp() || a.RedisURL != "" || a.Concurrency != 2 {
					t.Errorf("%+v", a)
				}
			}},
		{name: "serve partial app", role: RoleServe, env: map[string]string{EnvWebhookSecret: "s", EnvAppID: "12"}, wantErr: EnvPrivateKey},
		{name: "worker full", role: RoleWorker, env: map[string]string{EnvAppID: "12", EnvPrivateKey: strings.ReplaceAll(key, "\n", `\n`), EnvRedisURL: "redis://r", EnvConcurrency: "8", EnvAPIURL: "https://ghe.example/api/v3"},
			check: func(t *testing.T, a *App) {
				if !a.HasGitHubApp() || a.Concurrency != 8 || a.APIURL != "https://ghe.example/api/v3/" {
					t.Errorf("%v", a)
				}
			}},
		{name: "worker key file", role: RoleWorker, env: map[string]string{EnvAppID: "12", EnvPrivateKeyFile: keyFile, EnvRedisURL: "redis://r"}},
		{name: "worker both keys", role: RoleWorker, env: map[string]string{EnvAppID: "12", EnvPrivateKeyFile: keyFile, EnvPrivateKey: key, EnvRedisURL: "redis://r"}, wantErr: "not both"},
		{name: "worker bad key", role: RoleWorker, env: map[string]string{EnvAppID: "12", EnvPrivateKey: "SECRETJUNK", EnvRedisURL: "redis://r"}, wantErr: EnvPrivateKey + ": not a PEM"},
		{name: "worker bad id", role: RoleWorker, env: map[string]string{EnvAppID: "x", EnvPrivateKey: key, EnvRedisURL: "redis://r"}, wantErr: EnvAppID + " (--app-id)"},
		{name: "worker bad concurrency", role: RoleWorker, env: map[string]string{EnvAppID: "1", EnvPrivateKey: key, EnvRedisURL: "redis://r", EnvConcurrency: "0"}, wantErr: EnvConcurrency},
		{name: "worker bad API URL", role: RoleWorker, env: map[string]string{EnvAppID: "1", EnvPrivateKey: key, EnvRedisURL: "redis://r", EnvAPIURL: "ghe"}, wantErr: EnvAPIURL},
		{name: "worker needs app", role: RoleWorker, env: map[string]string{EnvRedisURL: "redis://r"}, wantErr: EnvAppID},
		{name: "bad duration", role: RoleServe, env: map[string]string{EnvWebhookSecret: "s", EnvTaskTimeout: "soon"}, wantErr: EnvTaskTimeout},
		{name: "bad bool", role: RoleServe, env: map[string]string{EnvWebhookSecret: "s", EnvReviewDrafts: "maybe"}, wantErr: EnvReviewDrafts},
		{name: "stray argument", role: RoleServe, env: map[string]string{EnvWebhookSecret: "s"}, args: []string{"now"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Load(tt.role, string(tt.role), tt.args, env(tt.env), io.Discard)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v; want one containing %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "SECRETJUNK"):
				t.Fatalf("error quotes the secret: %v", err)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	for _, role := range []Role{RoleServe, RoleWebhook, RoleWorker} {
		var b strings.Builder
		_, err := Load(role, string(role), []string{"--help"}, env(nil), &b)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s --help: %v", role, err)
		}
		for _, s := range Settings(role) {
			if !strings.Contains(b.String(), s.Env) {
				t.Errorf("%s --help lacks %s:\n%s", role, s.Env, b.String())
			}
		}
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	a, err := Load(RoleServe, "serve", nil, env(map[string]string{
		EnvWebhookSecret: "hunter2-current", EnvWebhookSecretPrevious: "hunter2-previous",
		EnvRedisURL: "redis://user:hunter2-redis@r:6379/0",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s := a.String(); strings.Contains(s, "hunter2") {
		t.Errorf("secret in %s", s)
	}
}
