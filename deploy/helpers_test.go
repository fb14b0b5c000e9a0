package deploy_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/symposium-dev/symposium/internal/config"
)

// roleEnv checks that env names only settings role reads, and that the
// configuration it makes loads: config.Load accepts it. privateKeyFile, when
// the deploy file names one, is replaced by a generated key, since the real
// one is a secret that no file in the repository holds.
func roleEnv(t *testing.T, where string, role config.Role, env map[string]string) {
	t.Helper()
	known := map[string]bool{}
	for _, s := range config.Settings(role) {
		known[s.Env] = true
	}
	for name := range env {
		if !known[name] {
			t.Errorf("%s: %s sets %s, which `symposium %s` does not read", where, role, name, role)
		}
	}
	getenv := func(key string) string {
		if key == config.EnvPrivateKeyFile && env[key] != "" {
			return testKeyFile(t)
		}
		return env[key]
	}
	if _, err := config.Load(role, "symposium "+string(role), nil, getenv, io.Discard); err != nil {
		t.Errorf("%s: the settings it gives `symposium %s` do not load: %v", where, role, err)
	}
}

var (
	keyOnce sync.Once
	keyPEM  []byte
	keyErr  error
)

// testKeyFile writes a throwaway RSA key, as the GitHub App's would be.
func testKeyFile(t *testing.T) string {
	t.Helper()
	keyOnce.Do(func() {
		var k *rsa.PrivateKey
		k, keyErr = rsa.GenerateKey(rand.Reader, 2048)
		if keyErr == nil {
			keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		}
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// hasAll reports which of want are missing from have.
func missing(have []string, want ...string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimRight(dir, "/")+"/")
}
