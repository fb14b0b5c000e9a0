package githubfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
	ghv88 "github.com/google/go-github/v88/github"
)

func TestAppEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{AppID: 42, AppSlug: "symposium", InstallationID: 7})
	ctx := context.Background()
	app := f.appClient(t)
	a, _, err := app.Apps.Get(ctx, "")
	if err != nil || a.GetID() != 42 || a.GetSlug() != "symposium" {
		t.Fatalf("Apps.Get = %v, %v", a, err)
	}
	insts, _, err := app.Apps.ListInstallations(ctx, nil)
	if err != nil || len(insts) != 1 || insts[0].GetID() != 7 {
		t.Fatalf("ListInstallations = %v, %v", insts, err)
	}
	inst, _, err := app.Apps.FindRepositoryInstallation(ctx, "octo-org", "hello")
	if err != nil || inst.GetID() != 7 {
		t.Fatalf("FindRepositoryInstallation = %v, %v", inst, err)
	}
	tok, _, err := app.Apps.CreateInstallationToken(ctx, 7, &github.InstallationTokenOptions{
		Repositories: []string{"hello"},
		Permissions:  &github.InstallationPermissions{Contents: github.String("read")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.GetExpiresAt().Before(time.Now().Add(50*time.Minute)) || len(tok.Repositories) != 1 ||
		tok.GetPermissions().GetContents() != "read" || tok.GetPermissions().GetPullRequests() != "" {
		t.Fatalf("narrowed token = %+v", tok)
	}
	// A token cannot do app things.
	c := github.NewTokenClient(ctx, tok.GetToken())
	c, _ = c.WithEnterpriseURLs(f.srv.URL(), f.srv.URL())
	_, resp, err := c.Apps.Get(ctx, "")
	if got := statusOf(t, resp, err); got != http.StatusUnauthorized {
		t.Fatalf("token on /app: status %d", got)
	}
}

func TestJWTVerification(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{AppID: 42})
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sign := func(key *rsa.PrivateKey, method jwt.SigningMethod, claims jwt.RegisteredClaims) string {
		var k any = key
		if method == jwt.SigningMethodHS256 {
			k = []byte("secret")
		}
		s, err := jwt.NewWithClaims(method, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := jwt.RegisteredClaims{Issuer: "42", IssuedAt: jwt.NewNumericDate(now.Add(-30 * time.Second)), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}
	tests := []struct {
		name string
		jwt  string
		want int
	}{
		{"good", sign(f.srv.key, jwt.SigningMethodRS256, good), http.StatusOK},
		{"other key", sign(otherKey, jwt.SigningMethodRS256, good), http.StatusUnauthorized},
		{"HS256", sign(nil, jwt.SigningMethodHS256, good), http.StatusUnauthorized},
		{"wrong issuer", sign(f.srv.key, jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: "43", IssuedAt: good.IssuedAt, ExpiresAt: good.ExpiresAt}), http.StatusUnauthorized},
		{"expired", sign(f.srv.key, jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: "42", IssuedAt: jwt.NewNumericDate(now.Add(-time.Hour)), ExpiresAt: jwt.NewNumericDate(now.Add(-50 * time.Minute))}), http.StatusUnauthorized},
		{"too long", sign(f.srv.key, jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: "42", IssuedAt: good.IssuedAt, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}), http.StatusUnauthorized},
		{"no iat", sign(f.srv.key, jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: "42", ExpiresAt: good.ExpiresAt}), http.StatusUnauthorized},
		{"garbage", "not-a-jwt", http.StatusUnauthorized},
		{"none", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL()+"/app/installations/"+strconv.FormatInt(f.srv.InstallationID(), 10)+"/access_tokens", nil)
			if tt.jwt != "" {
				req.Header.Set("Authorization", "Bearer "+tt.jwt)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := tt.want
			if want == http.StatusOK {
				want = http.StatusCreated
			}
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d", resp.StatusCode, want)
			}
		})
	}

	// ghinstallation with a key the fake does not know fails the exchange.
	atr := ghinstallation.NewAppsTransportFromPrivateKey(http.DefaultTransport, 42, otherKey)
	atr.BaseURL = f.srv.APIURL()
	itr := ghinstallation.NewFromAppsTransport(atr, f.srv.InstallationID())
	if _, err := itr.Token(context.Background()); err == nil {
		t.Fatal("token exchange with an unknown key succeeded")
	}
}

func TestTokenScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	ctx := context.Background()
	other, err := BuildRepo(ctx, t.TempDir()+"/other.git", RepoSpec{Base: map[string]string{"a": "a\n"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.srv.AddRepo("octo-org", "other", other.BareDir); err != nil {
		t.Fatal(err)
	}
	readOnly := f.client(t, &ghv88.InstallationTokenOptions{
		Repositories: []string{"hello"},
		Permissions:  &ghv88.InstallationPermissions{Contents: ghv88.Ptr("read"), PullRequests: ghv88.Ptr("read")},
	})
	if _, _, err := readOnly.PullRequests.Get(ctx, "octo-org", "hello", 1); err != nil {
		t.Fatalf("read PR with read token: %v", err)
	}
	_, resp, err := readOnly.PullRequests.CreateReview(ctx, "octo-org", "hello", 1, &github.PullRequestReviewRequest{
		Event: github.String("COMMENT"), Body: github.String("hi"),
	})
	if got := statusOf(t, resp, err); got != http.StatusForbidden {
		t.Fatalf("review with read token: status %d", got)
	}
	_, resp, err = readOnly.Repositories.Get(ctx, "octo-org", "other")
	if got := statusOf(t, resp, err); got != http.StatusForbidden {
		t.Fatalf("repo outside the token's repositories: status %d", got)
	}
	full := f.client(t, nil)
	if _, _, err := full.Repositories.Get(ctx, "octo-org", "other"); err != nil {
		t.Fatalf("full token: %v", err)
	}

	// Asking for more than the installation has, or for an unknown repository, is a 422.
	app := f.appClient(t)
	_, resp, err = app.Apps.CreateInstallationToken(ctx, f.srv.InstallationID(), &github.InstallationTokenOptions{
		Permissions: &github.InstallationPermissions{Administration: github.String("write")},
	})
	if got := statusOf(t, resp, err); got != http.StatusUnprocessableEntity {
		t.Fatalf("over-broad permissions: status %d", got)
	}
	_, resp, err = app.Apps.CreateInstallationToken(ctx, f.srv.InstallationID(), &github.InstallationTokenOptions{Repositories: []string{"nope"}})
	if got := statusOf(t, resp, err); got != http.StatusUnprocessableEntity {
		t.Fatalf("unknown repository: status %d", got)
	}

	// No token, a bad token, a revoked token.
	anon, _ := github.NewClient(nil).WithEnterpriseURLs(f.srv.URL(), f.srv.URL())
	_, resp, err = anon.PullRequests.Get(ctx, "octo-org", "hello", 1)
	if got := statusOf(t, resp, err); got != http.StatusUnauthorized {
		t.Fatalf("no token: status %d", got)
	}
	tok := f.srv.IssueToken(nil, nil)
	c, _ := github.NewClient(nil).WithAuthToken(tok).WithEnterpriseURLs(f.srv.URL(), f.srv.URL())
	if _, _, err := c.PullRequests.Get(ctx, "octo-org", "hello", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apps.RevokeInstallationToken(ctx); err != nil {
		t.Fatal(err)
	}
	_, resp, err = c.PullRequests.Get(ctx, "octo-org", "hello", 1)
	if got := statusOf(t, resp, err); got != http.StatusUnauthorized {
		t.Fatalf("revoked token: status %d", got)
	}
}
