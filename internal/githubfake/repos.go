package githubfake

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// repo is a repository of the model. Its fields are guarded by Server.mu.
type repo struct {
	id            int64
	owner, name   string
	fullName      string
	bareDir       string
	defaultBranch string
	private       bool
	roles         map[string]string // user → admin|maintain|write|triage|read|none
	pulls         map[int]*pull
	nextNumber    int

	reviews        []*review
	reviewComments []*reviewComment
	checkRuns      []*checkRun
	issueComments  []*issueComment
	reactions      map[int64][]*github.Reaction // by issue comment id
}

// AddRepo registers a bare git repository as owner/name. The repository's
// default branch is the branch its HEAD points at.
func (s *Server) AddRepo(owner, name, bareGitDir string) error {
	if owner == "" || name == "" || strings.ContainsAny(owner+name, "/ ") {
		return fmt.Errorf("githubfake: invalid repository name %q/%q", owner, name)
	}
	head, err := s.git(context.Background(), bareGitDir, "symbolic-ref", "--short", "HEAD")
	if err != nil {
		return fmt.Errorf("githubfake: add repo %s/%s: %w", owner, name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	full := owner + "/" + name
	if _, dup := s.repos[full]; dup {
		return fmt.Errorf("githubfake: repository %s already added", full)
	}
	s.repos[full] = &repo{
		id: s.newID(), owner: owner, name: name, fullName: full, bareDir: bareGitDir,
		defaultBranch: strings.TrimSpace(string(head)),
		roles:         map[string]string{}, pulls: map[int]*pull{}, nextNumber: 1,
		reactions: map[int64][]*github.Reaction{},
	}
	return nil
}

// SetRepoPrivate marks a repository private (non-collaborators then have no access).
func (s *Server) SetRepoPrivate(fullName string, private bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return fmt.Errorf("githubfake: no repository %s", fullName)
	}
	rp.private = private
	return nil
}

// SetCollaboratorPermission gives user a role on the repository: admin,
// maintain, write, triage, read or none.
func (s *Server) SetCollaboratorPermission(fullName, user, role string) error {
	if !slices.Contains([]string{"admin", "maintain", "write", "triage", "read", "none"}, role) {
		return fmt.Errorf("githubfake: unknown role %q", role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok {
		return fmt.Errorf("githubfake: no repository %s", fullName)
	}
	rp.roles[user] = role
	return nil
}

func (s *Server) repo(fullName string) *repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repos[fullName]
}

// repoByName finds a repository by its short name (as token requests name them) or full name.
func (s *Server) repoByName(name string) *repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp, ok := s.repos[name]; ok {
		return rp
	}
	for _, rp := range s.repos {
		if rp.name == name {
			return rp
		}
	}
	return nil
}

func (s *Server) repoByID(id int64) *repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rp := range s.repos {
		if rp.id == id {
			return rp
		}
	}
	return nil
}

func (s *Server) allRepos() []*repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*repo
	for _, rp := range s.repos {
		out = append(out, rp)
	}
	slices.SortFunc(out, func(a, b *repo) int { return strings.Compare(a.fullName, b.fullName) })
	return out
}

// user builds a user value; logins ending in "[bot]" are bots.
func (s *Server) user(login string) *github.User {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	} else if login == s.opts.InstallationAccount {
		typ = "Organization"
	}
	var id int64
	for _, c := range login {
		id = id*31 + int64(c)
	}
	if id < 0 {
		id = -id
	}
	return &github.User{
		Login:   github.String(login),
		ID:      github.Int64(id%1_000_000_000 + 1),
		NodeID:  github.String("U_" + login),
		Type:    github.String(typ),
		HTMLURL: github.String(s.htmlURL("/%s", login)),
		URL:     github.String(s.apiURL("/users/%s", login)),
	}
}

func (s *Server) repoValue(rp *repo) *github.Repository {
	return &github.Repository{
		ID:            github.Int64(rp.id),
		NodeID:        github.String(fmt.Sprintf("R_%d", rp.id)),
		Name:          github.String(rp.name),
		FullName:      github.String(rp.fullName),
		Owner:         s.user(rp.owner),
		Private:       github.Bool(rp.private),
		Fork:          github.Bool(false),
		HTMLURL:       github.String(s.htmlURL("/%s", rp.fullName)),
		CloneURL:      github.String(s.CloneURL(rp.fullName)),
		URL:           github.String(s.apiURL("/repos/%s", rp.fullName)),
		DefaultBranch: github.String(rp.defaultBranch),
		Visibility:    github.String(map[bool]string{true: "private", false: "public"}[rp.private]),
		CreatedAt:     &github.Timestamp{Time: time.Unix(1700000000, 0).UTC()},
	}
}

func (s *Server) handleGetRepo(w http.ResponseWriter, r *http.Request) {
	if rp := s.authRepo(w, r, "read", "metadata"); rp != nil {
		writeJSON(w, http.StatusOK, s.repoValue(rp))
	}
}

// permissionLevel is GitHub's answer, which has role_name beside go-github v62's fields.
type permissionLevel struct {
	github.RepositoryPermissionLevel
	RoleName string `json:"role_name"`
}

func (s *Server) handleCollaboratorPermission(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "metadata")
	if rp == nil {
		return
	}
	login := r.PathValue("user")
	s.mu.Lock()
	role, ok := rp.roles[login]
	private := rp.private
	s.mu.Unlock()
	if !ok {
		role = "read"
		if private {
			role = "none"
		}
	}
	perm := map[string]string{"maintain": "write", "triage": "read"}[role]
	if perm == "" {
		perm = role
	}
	writeJSON(w, http.StatusOK, permissionLevel{
		RepositoryPermissionLevel: github.RepositoryPermissionLevel{Permission: github.String(perm), User: s.user(login)},
		RoleName:                  role,
	})
}

func (s *Server) handleContents(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "contents")
	if rp == nil {
		return
	}
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = rp.defaultBranch
	}
	p := strings.Trim(r.PathValue("path"), "/")
	ctx := r.Context()
	spec := ref + ":" + p
	typ, err := s.git(ctx, rp.bareDir, "cat-file", "-t", spec)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	switch strings.TrimSpace(string(typ)) {
	case "blob":
		data, err := s.git(ctx, rp.bareDir, "cat-file", "blob", spec)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		if strings.Contains(r.Header.Get("Accept"), ".raw") {
			w.Header().Set("Content-Type", "application/vnd.github.raw")
			_, _ = w.Write(data)
			return
		}
		sha, _ := s.git(ctx, rp.bareDir, "rev-parse", spec)
		writeJSON(w, http.StatusOK, s.contentValue(rp, ref, p, "file", strings.TrimSpace(string(sha)), data))
	case "tree":
		out, err := s.git(ctx, rp.bareDir, "ls-tree", "-z", spec)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		var entries []*github.RepositoryContent
		for _, line := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			meta, name, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			f := strings.Fields(meta)
			kind := map[string]string{"blob": "file", "tree": "dir", "commit": "submodule"}[f[1]]
			entries = append(entries, s.contentValue(rp, ref, path.Join(p, name), kind, f[2], nil))
		}
		writeJSON(w, http.StatusOK, entries)
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

func (s *Server) contentValue(rp *repo, ref, p, kind, sha string, data []byte) *github.RepositoryContent {
	c := &github.RepositoryContent{
		Type:    github.String(kind),
		Name:    github.String(path.Base(p)),
		Path:    github.String(p),
		SHA:     github.String(sha),
		URL:     github.String(s.apiURL("/repos/%s/contents/%s?ref=%s", rp.fullName, p, ref)),
		HTMLURL: github.String(s.htmlURL("/%s/blob/%s/%s", rp.fullName, ref, p)),
		GitURL:  github.String(s.apiURL("/repos/%s/git/blobs/%s", rp.fullName, sha)),
	}
	if kind == "file" {
		c.Size = github.Int(len(data))
		if data != nil {
			c.Encoding = github.String("base64")
			c.Content = github.String(wrap60(base64.StdEncoding.EncodeToString(data)))
		}
		c.DownloadURL = github.String(s.apiURL("/repos/%s/contents/%s?ref=%s", rp.fullName, p, ref))
	}
	return c
}

// wrap60 breaks base64 text into lines as GitHub does.
func wrap60(s string) string {
	var b strings.Builder
	for len(s) > 60 {
		b.WriteString(s[:60])
		b.WriteByte('\n')
		s = s[60:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	return b.String()
}
