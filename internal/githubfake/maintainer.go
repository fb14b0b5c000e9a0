package githubfake

import (
	"net/http"
)

// maintainerCanPush reports whether tok may push to the fork fullName
// because an open pull request from that fork allows edits from
// maintainers (maintainer_can_modify) and tok has contents: write on the
// pull request's base repository, as GitHub allows an app installed there.
func (s *Server) maintainerCanPush(tok *token, fullName string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rp := range s.repos {
		for _, p := range rp.pulls {
			if p.HeadRepo == fullName && rp.fullName != fullName && p.State == "open" && p.MaintainerCanModify &&
				tok.allows(rp.fullName, "write", "contents") {
				return true
			}
		}
	}
	return false
}

// handleGetUser serves GET /users/{user}: the public profile of a user or bot.
func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.lookupToken(bearer(r)); !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	writeJSON(w, http.StatusOK, s.user(r.PathValue("user")))
}
