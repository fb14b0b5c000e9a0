package githubfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v62/github"
)

// token is an installation access token and its scope.
type token struct {
	expires time.Time
	repos   map[string]bool // full names; nil = every repository of the installation
	perms   map[string]string
}

var levels = map[string]int{"none": 0, "read": 1, "write": 2, "admin": 3}

func encodeKeyPEM(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// bearer extracts the credential of an "Authorization: token X" or "Bearer X" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, prefix := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if v, ok := strings.CutPrefix(h, prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// verifyAppJWT checks the request's app JWT: RS256, signed by the app's key,
// iss = app id, iat and exp present, exp no more than 10 minutes after iat.
func (s *Server) verifyAppJWT(r *http.Request) error {
	raw := bearer(r)
	if raw == "" {
		return errors.New("no bearer token")
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Method.Alg() != jwt.SigningMethodRS256.Alg() {
			return nil, fmt.Errorf("unexpected signing method %q", t.Method.Alg())
		}
		return &s.key.PublicKey, nil
	})
	if err != nil {
		return fmt.Errorf("verify app JWT: %w", err)
	}
	switch {
	case claims.Issuer != strconv.FormatInt(s.opts.AppID, 10):
		return fmt.Errorf("'Issuer' claim ('iss') %q is not the app id", claims.Issuer)
	case claims.IssuedAt == nil:
		return errors.New("'Issued at' claim ('iat') is missing")
	case claims.ExpiresAt == nil:
		return errors.New("'Expiration time' claim ('exp') is missing")
	case claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 10*time.Minute:
		return errors.New("'Expiration time' claim ('exp') is too far in the future")
	}
	return nil
}

// requireApp authenticates the request as the app (JWT); it answers 401 otherwise.
func (s *Server) requireApp(w http.ResponseWriter, r *http.Request) bool {
	if err := s.verifyAppJWT(r); err != nil {
		s.log.Info("githubfake: app JWT rejected", "path", r.URL.Path, "error", err)
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return false
	}
	return true
}

// lookupToken returns the live installation token with this value.
func (s *Server) lookupToken(value string) (*token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	if !ok || time.Now().After(t.expires) {
		return nil, false
	}
	return t, true
}

// allows reports whether the token may act on the repository with one of the
// permissions at the given level ("read" or "write").
func (t *token) allows(fullName, level string, perms ...string) bool {
	if t.repos != nil && !t.repos[fullName] {
		return false
	}
	for _, p := range perms {
		if levels[t.perms[p]] >= levels[level] {
			return true
		}
	}
	return false
}

// authRepo authenticates an installation request on the repository of the
// path's {owner}/{repo}, with one of perms at level. It answers 401/403/404 and
// returns nil when the request may not proceed.
func (s *Server) authRepo(w http.ResponseWriter, r *http.Request, level string, perms ...string) *repo {
	tok, ok := s.lookupToken(bearer(r))
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return nil
	}
	rp := s.repo(r.PathValue("owner") + "/" + r.PathValue("repo"))
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil
	}
	if !tok.allows(rp.fullName, level, perms...) {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return nil
	}
	return rp
}

func (s *Server) appValue() *github.App {
	return &github.App{
		ID:          github.Int64(s.opts.AppID),
		Slug:        github.String(s.opts.AppSlug),
		NodeID:      github.String(fmt.Sprintf("A_%d", s.opts.AppID)),
		Name:        github.String(s.opts.AppSlug),
		Owner:       s.user(s.opts.InstallationAccount),
		HTMLURL:     github.String(s.htmlURL("/apps/%s", s.opts.AppSlug)),
		Permissions: permissionsValue(s.opts.Permissions),
		Events:      []string{"pull_request", "issue_comment", "check_run", "check_suite"},
		CreatedAt:   &github.Timestamp{Time: time.Unix(1700000000, 0).UTC()},
		UpdatedAt:   &github.Timestamp{Time: time.Unix(1700000000, 0).UTC()},
	}
}

func (s *Server) installationValue() *github.Installation {
	id := s.opts.InstallationID
	return &github.Installation{
		ID:                  github.Int64(id),
		AppID:               github.Int64(s.opts.AppID),
		AppSlug:             github.String(s.opts.AppSlug),
		Account:             s.user(s.opts.InstallationAccount),
		TargetType:          github.String("Organization"),
		RepositorySelection: github.String("all"),
		Permissions:         permissionsValue(s.opts.Permissions),
		Events:              []string{"pull_request", "issue_comment", "check_run", "check_suite"},
		AccessTokensURL:     github.String(s.apiURL("/app/installations/%d/access_tokens", id)),
		RepositoriesURL:     github.String(s.apiURL("/installation/repositories")),
		HTMLURL:             github.String(s.htmlURL("/organizations/%s/settings/installations/%d", s.opts.InstallationAccount, id)),
		CreatedAt:           &github.Timestamp{Time: time.Unix(1700000000, 0).UTC()},
	}
}

// permissionsValue converts a permission map to go-github's struct through JSON,
// whose field names are GitHub's permission names.
func permissionsValue(perms map[string]string) *github.InstallationPermissions {
	b, _ := json.Marshal(perms)
	var p github.InstallationPermissions
	_ = json.Unmarshal(b, &p)
	return &p
}

func (s *Server) handleGetApp(w http.ResponseWriter, r *http.Request) {
	if s.requireApp(w, r) {
		writeJSON(w, http.StatusOK, s.appValue())
	}
}

func (s *Server) handleListInstallations(w http.ResponseWriter, r *http.Request) {
	if s.requireApp(w, r) {
		writeJSON(w, http.StatusOK, paginate(w, r, []*github.Installation{s.installationValue()}))
	}
}

func (s *Server) handleGetInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	if r.PathValue("id") != strconv.FormatInt(s.opts.InstallationID, 10) {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.installationValue())
}

func (s *Server) handleRepoInstallation(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	if s.repo(r.PathValue("owner")+"/"+r.PathValue("repo")) == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.installationValue())
}

// tokenRequest is the body of POST /app/installations/{id}/access_tokens.
type tokenRequest struct {
	Repositories  []string          `json:"repositories"`
	RepositoryIDs []int64           `json:"repository_ids"`
	Permissions   map[string]string `json:"permissions"`
}

func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	if !s.requireApp(w, r) {
		return
	}
	if r.PathValue("id") != strconv.FormatInt(s.opts.InstallationID, 10) {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var req tokenRequest
	if r.ContentLength != 0 {
		if !decodeBody(w, r, &req) {
			return
		}
	}
	perms := map[string]string{}
	for k, v := range s.opts.Permissions {
		perms[k] = v
	}
	if len(req.Permissions) > 0 {
		perms = map[string]string{}
		for k, v := range req.Permissions {
			if _, known := levels[v]; !known || levels[v] > levels[s.opts.Permissions[k]] {
				writeValidation(w, "The permissions requested are not granted to this installation.")
				return
			}
			perms[k] = v
		}
		if _, ok := perms["metadata"]; !ok {
			perms["metadata"] = "read"
		}
	}
	var repos map[string]bool
	var repoValues []*github.Repository
	if len(req.Repositories) > 0 || len(req.RepositoryIDs) > 0 {
		repos = map[string]bool{}
		for _, name := range req.Repositories {
			rp := s.repoByName(name)
			if rp == nil {
				writeValidation(w, "There is at least one repository that does not exist or is not accessible to the parent installation.")
				return
			}
			repos[rp.fullName] = true
		}
		for _, id := range req.RepositoryIDs {
			rp := s.repoByID(id)
			if rp == nil {
				writeValidation(w, "There is at least one repository that does not exist or is not accessible to the parent installation.")
				return
			}
			repos[rp.fullName] = true
		}
		for name := range repos {
			repoValues = append(repoValues, s.repoValue(s.repo(name)))
		}
		slices.SortFunc(repoValues, func(a, b *github.Repository) int { return strings.Compare(a.GetFullName(), b.GetFullName()) })
	}
	buf := make([]byte, 18)
	_, _ = rand.Read(buf)
	value := "ghs_" + hex.EncodeToString(buf)
	expires := time.Now().Add(s.opts.TokenTTL).Truncate(time.Second).UTC()
	s.mu.Lock()
	s.tokens[value] = &token{expires: expires, repos: repos, perms: perms}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, &github.InstallationToken{
		Token:        github.String(value),
		ExpiresAt:    &github.Timestamp{Time: expires},
		Permissions:  permissionsValue(perms),
		Repositories: repoValues,
	})
}

// IssueToken mints an installation token directly (no JWT exchange), for tests
// and tools that need one without a client. Empty repos means every repository;
// nil perms means the installation's permissions.
func (s *Server) IssueToken(repos []string, perms map[string]string) string {
	if perms == nil {
		perms = s.opts.Permissions
	}
	var scope map[string]bool
	if len(repos) > 0 {
		scope = map[string]bool{}
		for _, r := range repos {
			scope[r] = true
		}
	}
	buf := make([]byte, 18)
	_, _ = rand.Read(buf)
	value := "ghs_" + hex.EncodeToString(buf)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[value] = &token{expires: time.Now().Add(s.opts.TokenTTL), repos: scope, perms: perms}
	return value
}

// RevokeToken makes an installation token invalid (as DELETE /installation/token does).
func (s *Server) RevokeToken(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, value)
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	value := bearer(r)
	if _, ok := s.lookupToken(value); !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	s.RevokeToken(value)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleInstallationRepos(w http.ResponseWriter, r *http.Request) {
	tok, ok := s.lookupToken(bearer(r))
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	var list []*github.Repository
	for _, rp := range s.allRepos() {
		if tok.repos == nil || tok.repos[rp.fullName] {
			list = append(list, s.repoValue(rp))
		}
	}
	page := paginate(w, r, list)
	writeJSON(w, http.StatusOK, &github.ListRepositories{TotalCount: github.Int(len(list)), Repositories: page})
}

// Tokens returns the installation tokens that are currently valid (issued
// and not revoked), for tests that assert a token leaks nowhere.
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tokens))
	for v := range s.tokens {
		out = append(out, v)
	}
	return out
}
