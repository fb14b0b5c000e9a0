package githubfake

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"github.com/google/go-github/v62/github"
)

// PullRequest seeds a pull request with AddPullRequest.
type PullRequest struct {
	// Number is the PR number; 0 takes the repository's next number.
	Number int
	Title  string
	Body   string
	// Author is the login of the user who opened it.
	Author string
	// HeadRef and BaseRef are branch names; BaseRef defaults to the default branch.
	HeadRef, BaseRef string
	// HeadSHA defaults to HeadRef's tip in the head repository; when set and
	// HeadRef does not exist there, the branch is created at HeadSHA.
	HeadSHA string
	// BaseSHA defaults to BaseRef's tip.
	BaseSHA string
	Draft   bool
	// HeadRepo is the full name of the fork the PR comes from (added with AddRepo);
	// empty means the base repository.
	HeadRepo            string
	MaintainerCanModify bool
	// State is "open" (default) or "closed".
	State string
}

// pull is a PR of the model, guarded by Server.mu.
type pull struct {
	PullRequest
	id                   int64
	createdAt, updatedAt time.Time
}

// AddPullRequest opens a pull request on the repository (full name) and
// creates refs/pull/<n>/head in it. It returns the PR as the API shows it.
func (s *Server) AddPullRequest(fullName string, pr PullRequest) (*github.PullRequest, error) {
	ctx := context.Background()
	rp := s.repo(fullName)
	if rp == nil {
		return nil, fmt.Errorf("githubfake: no repository %s", fullName)
	}
	if pr.HeadRepo == "" {
		pr.HeadRepo = fullName
	}
	head := s.repo(pr.HeadRepo)
	if head == nil {
		return nil, fmt.Errorf("githubfake: no head repository %s (add the fork with AddRepo)", pr.HeadRepo)
	}
	if pr.HeadRef == "" {
		return nil, fmt.Errorf("githubfake: pull request needs a HeadRef")
	}
	if pr.BaseRef == "" {
		pr.BaseRef = rp.defaultBranch
	}
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.Author == "" {
		pr.Author = "octocat"
	}
	var err error
	if pr.BaseSHA == "" {
		if pr.BaseSHA, err = s.revParse(ctx, rp.bareDir, "refs/heads/"+pr.BaseRef); err != nil {
			return nil, fmt.Errorf("githubfake: base of pull request: %w", err)
		}
	}
	if pr.HeadSHA == "" {
		if pr.HeadSHA, err = s.revParse(ctx, head.bareDir, "refs/heads/"+pr.HeadRef); err != nil {
			return nil, fmt.Errorf("githubfake: head of pull request: %w", err)
		}
	} else if _, err := s.revParse(ctx, head.bareDir, "refs/heads/"+pr.HeadRef); err != nil {
		if _, err := s.git(ctx, head.bareDir, "update-ref", "refs/heads/"+pr.HeadRef, pr.HeadSHA); err != nil {
			return nil, fmt.Errorf("githubfake: create head branch: %w", err)
		}
	}
	s.mu.Lock()
	if pr.Number == 0 {
		pr.Number = rp.nextNumber
	}
	if _, dup := rp.pulls[pr.Number]; dup {
		s.mu.Unlock()
		return nil, fmt.Errorf("githubfake: %s#%d already exists", fullName, pr.Number)
	}
	rp.nextNumber = max(rp.nextNumber, pr.Number+1)
	now := time.Now().UTC().Truncate(time.Second)
	p := &pull{PullRequest: pr, id: s.newID(), createdAt: now, updatedAt: now}
	rp.pulls[pr.Number] = p
	s.mu.Unlock()
	if err := s.setPullRef(ctx, rp, head, pr.Number, pr.HeadSHA); err != nil {
		return nil, err
	}
	return s.pullValue(ctx, rp, p.PullRequest, p.id, now, now)
}

// SetPullRequestHead moves a PR's head branch to sha (a commit already in the
// head repository), as a push would.
func (s *Server) SetPullRequestHead(fullName string, number int, sha string) error {
	ctx := context.Background()
	rp := s.repo(fullName)
	if rp == nil {
		return fmt.Errorf("githubfake: no repository %s", fullName)
	}
	s.mu.Lock()
	p, ok := rp.pulls[number]
	var headRepo, headRef string
	if ok {
		headRepo, headRef = p.HeadRepo, p.HeadRef
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("githubfake: no pull request %s#%d", fullName, number)
	}
	head := s.repo(headRepo)
	if _, err := s.git(ctx, head.bareDir, "update-ref", "refs/heads/"+headRef, sha); err != nil {
		return fmt.Errorf("githubfake: move head branch: %w", err)
	}
	return s.syncPullHeads(ctx, headRepo)
}

// SetPullRequestState opens or closes a pull request.
func (s *Server) SetPullRequestState(fullName string, number int, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok || rp.pulls[number] == nil {
		return fmt.Errorf("githubfake: no pull request %s#%d", fullName, number)
	}
	rp.pulls[number].State = state
	rp.pulls[number].updatedAt = time.Now().UTC().Truncate(time.Second)
	return nil
}

// PullRequestHead returns a PR's current head SHA.
func (s *Server) PullRequestHead(fullName string, number int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, ok := s.repos[fullName]
	if !ok || rp.pulls[number] == nil {
		return "", fmt.Errorf("githubfake: no pull request %s#%d", fullName, number)
	}
	return rp.pulls[number].HeadSHA, nil
}

// setPullRef points refs/pull/<n>/head of the base repository at sha,
// fetching it from the fork when the head is elsewhere.
func (s *Server) setPullRef(ctx context.Context, base, head *repo, number int, sha string) error {
	ref := fmt.Sprintf("refs/pull/%d/head", number)
	var err error
	if base == head {
		_, err = s.git(ctx, base.bareDir, "update-ref", ref, sha)
	} else {
		_, err = s.git(ctx, base.bareDir, "-c", "uploadpack.allowAnySHA1InWant=true",
			"fetch", "--no-tags", "--quiet", head.bareDir, "+"+sha+":"+ref)
	}
	if err != nil {
		return fmt.Errorf("githubfake: set %s: %w", ref, err)
	}
	return nil
}

// syncPullHeads updates every open PR whose head branch lives in the pushed
// repository to that branch's tip.
func (s *Server) syncPullHeads(ctx context.Context, pushed string) error {
	type target struct {
		base   *repo
		number int
		ref    string
		old    string
	}
	var targets []target
	s.mu.Lock()
	for _, rp := range s.repos {
		for n, p := range rp.pulls {
			if p.HeadRepo == pushed && p.State == "open" {
				targets = append(targets, target{rp, n, p.HeadRef, p.HeadSHA})
			}
		}
	}
	head := s.repos[pushed]
	s.mu.Unlock()
	for _, t := range targets {
		sha, err := s.revParse(ctx, head.bareDir, "refs/heads/"+t.ref)
		if err != nil || sha == t.old {
			continue
		}
		if err := s.setPullRef(ctx, t.base, head, t.number, sha); err != nil {
			return err
		}
		s.mu.Lock()
		p := t.base.pulls[t.number]
		p.HeadSHA = sha
		p.updatedAt = time.Now().UTC().Truncate(time.Second)
		s.mu.Unlock()
		s.log.Info("githubfake: pull request head moved", "repo", t.base.fullName, "pr", t.number, "head", sha)
	}
	return nil
}

func (s *Server) revParse(ctx context.Context, dir, rev string) (string, error) {
	out, err := s.git(ctx, dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rev, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// diff returns the three-dot diff base...head, as GitHub shows a PR.
func (s *Server) diff(ctx context.Context, rp *repo, base, head string) ([]byte, []*gitdiff.File, error) {
	out, err := s.git(ctx, rp.bareDir, "diff", "--no-color", "--no-ext-diff", "-M", base+"..."+head)
	if err != nil {
		return nil, nil, fmt.Errorf("diff %s...%s: %w", base, head, err)
	}
	files, _, err := gitdiff.Parse(bytes.NewReader(out))
	if err != nil {
		return nil, nil, fmt.Errorf("parse diff %s...%s: %w", base, head, err)
	}
	return out, files, nil
}

// authPull authorises the request for the repository (see authRepo) and
// looks up the pull request its path names; it has answered when ok is false.
func (s *Server) authPull(w http.ResponseWriter, r *http.Request, level string, perms ...string) (rp *repo, p pull, ok bool) {
	if rp = s.authRepo(w, r, level, perms...); rp == nil {
		return nil, pull{}, false
	}
	p, ok = s.lookupPull(w, r, rp)
	return rp, p, ok
}

// lookupPull finds the PR of the path's {number}; it answers 404 otherwise.
func (s *Server) lookupPull(w http.ResponseWriter, r *http.Request, rp *repo) (pull, bool) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := rp.pulls[n]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return pull{}, false
	}
	return *p, true
}

func (s *Server) pullValue(ctx context.Context, rp *repo, p PullRequest, id int64, created, updated time.Time) (*github.PullRequest, error) {
	_, files, err := s.diff(ctx, rp, p.BaseSHA, p.HeadSHA)
	if err != nil {
		return nil, err
	}
	v := s.pullSummary(rp, p, id, created, updated)
	var adds, dels int
	for _, f := range files {
		a, d := fileStats(f)
		adds, dels = adds+a, dels+d
	}
	v.Additions, v.Deletions, v.ChangedFiles = github.Int(adds), github.Int(dels), github.Int(len(files))
	v.Mergeable, v.MergeableState = github.Bool(true), github.String("clean")
	return v, nil
}

func (s *Server) pullSummary(rp *repo, p PullRequest, id int64, created, updated time.Time) *github.PullRequest {
	head := s.repo(p.HeadRepo)
	branch := func(r *repo, ref, sha string) *github.PullRequestBranch {
		return &github.PullRequestBranch{
			Label: github.String(r.owner + ":" + ref), Ref: github.String(ref), SHA: github.String(sha),
			Repo: s.repoValue(r), User: s.user(r.owner),
		}
	}
	assoc := "CONTRIBUTOR"
	s.mu.Lock()
	switch rp.roles[p.Author] {
	case "admin", "maintain", "write":
		assoc = "COLLABORATOR"
	}
	s.mu.Unlock()
	return &github.PullRequest{
		ID:                  github.Int64(id),
		NodeID:              github.String(fmt.Sprintf("PR_%d", id)),
		Number:              github.Int(p.Number),
		State:               github.String(p.State),
		Title:               github.String(p.Title),
		Body:                github.String(p.Body),
		User:                s.user(p.Author),
		Draft:               github.Bool(p.Draft),
		Merged:              github.Bool(false),
		MaintainerCanModify: github.Bool(p.MaintainerCanModify),
		AuthorAssociation:   github.String(assoc),
		Head:                branch(head, p.HeadRef, p.HeadSHA),
		Base:                branch(rp, p.BaseRef, p.BaseSHA),
		CreatedAt:           &github.Timestamp{Time: created},
		UpdatedAt:           &github.Timestamp{Time: updated},
		URL:                 github.String(s.apiURL("/repos/%s/pulls/%d", rp.fullName, p.Number)),
		HTMLURL:             github.String(s.htmlURL("/%s/pull/%d", rp.fullName, p.Number)),
		DiffURL:             github.String(s.htmlURL("/%s/pull/%d.diff", rp.fullName, p.Number)),
		PatchURL:            github.String(s.htmlURL("/%s/pull/%d.patch", rp.fullName, p.Number)),
		IssueURL:            github.String(s.apiURL("/repos/%s/issues/%d", rp.fullName, p.Number)),
		CommentsURL:         github.String(s.apiURL("/repos/%s/issues/%d/comments", rp.fullName, p.Number)),
		ReviewCommentsURL:   github.String(s.apiURL("/repos/%s/pulls/%d/comments", rp.fullName, p.Number)),
		CommitsURL:          github.String(s.apiURL("/repos/%s/pulls/%d/commits", rp.fullName, p.Number)),
		StatusesURL:         github.String(s.apiURL("/repos/%s/statuses/%s", rp.fullName, p.HeadSHA)),
	}
}

func fileStats(f *gitdiff.File) (adds, dels int) {
	for _, frag := range f.TextFragments {
		adds += int(frag.LinesAdded)
		dels += int(frag.LinesDeleted)
	}
	return adds, dels
}

func (s *Server) handleListPulls(w http.ResponseWriter, r *http.Request) {
	rp := s.authRepo(w, r, "read", "pull_requests")
	if rp == nil {
		return
	}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	s.mu.Lock()
	var ps []*pull
	for _, p := range rp.pulls {
		if state == "all" || p.State == state {
			ps = append(ps, p)
		}
	}
	list := make([]pull, len(ps))
	for i, p := range ps {
		list[i] = *p
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b pull) int { return b.Number - a.Number })
	out := make([]*github.PullRequest, 0, len(list))
	for _, p := range list {
		out = append(out, s.pullSummary(rp, p.PullRequest, p.id, p.createdAt, p.updatedAt))
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) handleGetPull(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests", "contents")
	if !ok {
		return
	}
	ctx := r.Context()
	accept := r.Header.Get("Accept")
	switch {
	case strings.Contains(accept, ".diff"):
		out, _, err := s.diff(ctx, rp, p.BaseSHA, p.HeadSHA)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(out)
	case strings.Contains(accept, ".patch"):
		out, err := s.git(ctx, rp.bareDir, "format-patch", "--stdout", p.BaseSHA+".."+p.HeadSHA)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(out)
	default:
		v, err := s.pullValue(ctx, rp, p.PullRequest, p.id, p.createdAt, p.updatedAt)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) handleListPullFiles(w http.ResponseWriter, r *http.Request) {
	rp, p, ok := s.authPull(w, r, "read", "pull_requests", "contents")
	if !ok {
		return
	}
	_, files, err := s.diff(r.Context(), rp, p.BaseSHA, p.HeadSHA)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]*github.CommitFile, 0, len(files))
	for _, f := range files {
		out = append(out, s.commitFile(rp, p.HeadSHA, f))
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) commitFile(rp *repo, headSHA string, f *gitdiff.File) *github.CommitFile {
	name, status := f.NewName, "modified"
	switch {
	case f.IsNew:
		status = "added"
	case f.IsDelete:
		name, status = f.OldName, "removed"
	case f.IsRename:
		status = "renamed"
	}
	var patch strings.Builder
	for _, frag := range f.TextFragments {
		patch.WriteString(frag.String())
	}
	adds, dels := fileStats(f)
	cf := &github.CommitFile{
		SHA:         github.String(f.NewOIDPrefix),
		Filename:    github.String(name),
		Status:      github.String(status),
		Additions:   github.Int(adds),
		Deletions:   github.Int(dels),
		Changes:     github.Int(adds + dels),
		BlobURL:     github.String(s.htmlURL("/%s/blob/%s/%s", rp.fullName, headSHA, name)),
		RawURL:      github.String(s.htmlURL("/%s/raw/%s/%s", rp.fullName, headSHA, name)),
		ContentsURL: github.String(s.apiURL("/repos/%s/contents/%s?ref=%s", rp.fullName, name, headSHA)),
	}
	if !f.IsBinary {
		cf.Patch = github.String(strings.TrimSuffix(patch.String(), "\n"))
	}
	if f.IsRename {
		cf.PreviousFilename = github.String(f.OldName)
	}
	return cf
}
