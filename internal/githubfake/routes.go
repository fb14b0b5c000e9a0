package githubfake

import "net/http"

// onlyComments serves h for issues/{number}/comments and 404 for any other {what}.
func onlyComments(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("what") != "comments" {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		h(w, r)
	}
}

// routes registers the REST API, with paths relative to apiPrefix.
func (s *Server) routes() {
	m := s.mux
	// App (JWT) endpoints.
	m.HandleFunc("GET /app", s.handleGetApp)
	m.HandleFunc("GET /app/installations", s.handleListInstallations)
	m.HandleFunc("GET /app/installations/{id}", s.handleGetInstallation)
	m.HandleFunc("POST /app/installations/{id}/access_tokens", s.handleAccessToken)
	m.HandleFunc("GET /repos/{owner}/{repo}/installation", s.handleRepoInstallation)
	m.HandleFunc("GET /app/hook/deliveries", s.handleListDeliveries)
	m.HandleFunc("GET /app/hook/deliveries/{id}", s.handleGetDelivery)
	m.HandleFunc("POST /app/hook/deliveries/{id}/attempts", s.handleRedeliver)

	// Installation-token endpoints.
	m.HandleFunc("DELETE /installation/token", s.handleRevokeToken)
	m.HandleFunc("GET /installation/repositories", s.handleInstallationRepos)
	m.HandleFunc("GET /repos/{owner}/{repo}", s.handleGetRepo)
	m.HandleFunc("GET /users/{user}", s.handleGetUser)
	m.HandleFunc("GET /repos/{owner}/{repo}/collaborators/{user}/permission", s.handleCollaboratorPermission)
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.handleContents)

	m.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.handleListPulls)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", s.handleGetPull)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/files", s.handleListPullFiles)
	m.HandleFunc("POST /repos/{owner}/{repo}/pulls/{number}/reviews", s.handleCreateReview)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/reviews", s.handleListReviews)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/reviews/{id}", s.handleGetReview)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/reviews/{id}/comments", s.handleListReviewCommentsOfReview)
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/comments", s.handleListReviewComments)
	m.HandleFunc("POST /graphql", s.handleGraphQL) // served at graphQLPath: see serveHTTP

	m.HandleFunc("POST /repos/{owner}/{repo}/check-runs", s.handleCreateCheckRun)
	m.HandleFunc("PATCH /repos/{owner}/{repo}/check-runs/{id}", s.handleUpdateCheckRun)
	m.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}", s.handleGetCheckRun)
	m.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}/annotations", s.handleListAnnotations)
	m.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", s.handleListCheckRunsForRef)

	// "{number}/{what}" rather than "{number}/comments": the latter would conflict with "comments/{id}".
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/{what}", onlyComments(s.handleCreateIssueComment))
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/{what}", onlyComments(s.handleListIssueComments))
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/comments/{id}", s.handleGetIssueComment)
	m.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.handleUpdateIssueComment)
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/comments/{id}/reactions", s.handleCreateReaction)
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/comments/{id}/reactions", s.handleListReactions)
}
