package githubfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v62/github"
	ghv88 "github.com/google/go-github/v88/github"
)

const testRepo = "octo-org/hello"

// twentyLines is a file whose lines 2 and 18 change between base and head,
// so the diff has two hunks (new lines 1-5 and 15-20) and line 10 is outside it.
func twentyLines(changed map[int]string) string {
	var b strings.Builder
	for i := 1; i <= 20; i++ {
		if c, ok := changed[i]; ok {
			b.WriteString(c + "\n")
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// testKeyPEM is one app key shared by the tests (RSA key generation is slow).
var testKeyPEM = sync.OnceValue(func() []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return encodeKeyPEM(key)
})

type fixture struct {
	srv   *Server
	built *BuiltRepo
	pr    *github.PullRequest
}

// newFixture starts a fake with octo-org/hello and PR #1 (feature → main).
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	ctx := context.Background()
	built, err := BuildRepo(ctx, filepath.Join(t.TempDir(), "hello.git"), RepoSpec{
		Base: map[string]string{"src/lib.rs": twentyLines(nil), "README.md": "hello\n", "gone.txt": "bye\n"},
		Head: map[string]string{
			"src/lib.rs": twentyLines(map[int]string{2: "line two", 18: "line eighteen"}),
			"src/new.rs": "fn new() {}\n",
		},
		HeadDelete: []string{"gone.txt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.PrivateKeyPEM == nil {
		opts.PrivateKeyPEM = testKeyPEM()
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if err := srv.AddRepo("octo-org", "hello", built.BareDir); err != nil {
		t.Fatal(err)
	}
	pr, err := srv.AddPullRequest(testRepo, PullRequest{Title: "Add things", Author: "alice", HeadRef: "feature"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, built: built, pr: pr}
}

// client is a go-github client authenticated as the installation through
// ghinstallation, exactly as the bot builds it.
func (f *fixture) client(t *testing.T, tokenOpts *ghv88.InstallationTokenOptions) *github.Client {
	t.Helper()
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, f.srv.AppID(), f.srv.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = f.srv.APIURL()
	itr := ghinstallation.NewFromAppsTransport(atr, f.srv.InstallationID())
	itr.InstallationTokenOptions = tokenOpts
	c, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(f.srv.URL(), f.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// appClient is a go-github client authenticated as the app (JWT).
func (f *fixture) appClient(t *testing.T) *github.Client {
	t.Helper()
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, f.srv.AppID(), f.srv.PrivateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	atr.BaseURL = f.srv.APIURL()
	c, err := github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(f.srv.APIURL(), f.srv.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// statusOf returns the HTTP status of a go-github error response.
func statusOf(t *testing.T, resp *github.Response, err error) int {
	t.Helper()
	if resp == nil {
		t.Fatalf("no response: %v", err)
	}
	return resp.StatusCode
}
