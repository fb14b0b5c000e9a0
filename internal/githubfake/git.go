package githubfake

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// git runs the git CLI in dir and returns its stdout.
func (s *Server) git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.opts.GitBinary, append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// gitCredential extracts an installation token from a git request: Basic auth
// (any user, usually x-access-token, with the token as password) or a
// Bearer/token Authorization header (http.extraHeader).
func gitCredential(r *http.Request) string {
	if _, pass, ok := r.BasicAuth(); ok {
		return pass
	}
	return bearer(r)
}

// serveGit serves /<owner>/<repo>.git/... through `git http-backend`.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 3)
	if len(parts) < 3 || !strings.HasSuffix(parts[1], ".git") {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fullName := parts[0] + "/" + strings.TrimSuffix(parts[1], ".git")
	rest := "/" + parts[2]
	rp := s.repo(fullName)
	if rp == nil {
		http.Error(w, "Repository not found.", http.StatusNotFound)
		return
	}
	push := r.URL.Query().Get("service") == "git-receive-pack" || strings.HasSuffix(rest, "/git-receive-pack")
	level := "read"
	if push {
		level = "write"
	}
	tok, ok := s.lookupToken(gitCredential(r))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		http.Error(w, "Invalid username or token. Password authentication is not supported for Git operations.", http.StatusUnauthorized)
		return
	}
	if !tok.allows(fullName, level, "contents") && !(push && s.maintainerCanPush(tok, fullName)) {
		http.Error(w, fmt.Sprintf("Permission to %s.git denied to %s.", fullName, s.BotLogin()), http.StatusForbidden)
		return
	}
	gitPath, err := exec.LookPath(s.opts.GitBinary)
	if err != nil {
		http.Error(w, "git not found", http.StatusInternalServerError)
		return
	}
	abs, err := filepath.Abs(rp.bareDir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	r2 := r.Clone(r.Context())
	r2.Header.Del("Authorization")
	h := &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + filepath.Dir(abs),
			"GIT_HTTP_EXPORT_ALL=1",
			"REMOTE_USER=" + s.BotLogin(),
			// GitHub serves partial clones (--filter=blob:none): so does the fake.
			"GIT_CONFIG_COUNT=3",
			"GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=true",
			"GIT_CONFIG_KEY_1=uploadpack.allowAnySHA1InWant", "GIT_CONFIG_VALUE_1=true",
			"GIT_CONFIG_KEY_2=uploadpack.allowFilter", "GIT_CONFIG_VALUE_2=true",
		},
		InheritEnv: []string{"PATH", "HOME"},
	}
	// cgi.Handler passes the URL path as PATH_INFO: rewrite it onto the bare
	// directory's name, relative to GIT_PROJECT_ROOT.
	r2.URL.Path = "/" + filepath.Base(abs) + rest
	h.ServeHTTP(w, r2)
	if push {
		if err := s.syncPullHeads(r.Context(), fullName); err != nil {
			s.log.Error("githubfake: update pull request heads after push", "repo", fullName, "error", err)
		}
	}
}
