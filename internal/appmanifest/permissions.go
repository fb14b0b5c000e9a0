package appmanifest

// Need is one thing the bot does on GitHub and the permission it takes.
type Need struct {
	// Call is a go-github call as Service.Method ("PullRequests.CreateReview"),
	// or a git command run against GitHub ("git push").
	Call string
	// Scope is the permission, as in default_permissions; empty when the call
	// is authenticated as the app itself (a JWT) or needs no permission.
	Scope  string
	Access Access
}

// Needs lists every GitHub API call the code may make, with the permission
// it takes. The manifest grants exactly what these need; the tests check
// that the code makes no go-github call missing here. Add a call here before
// using it, with the permission GitHub's REST reference gives for it.
var Needs = []Need{
	// The pull request, its diff and its reviews.
	{"PullRequests.Get", "pull_requests", Read},
	{"PullRequests.GetRaw", "pull_requests", Read},
	{"PullRequests.List", "pull_requests", Read},
	{"PullRequests.ListFiles", "pull_requests", Read},
	{"PullRequests.ListCommits", "pull_requests", Read},
	{"PullRequests.ListReviews", "pull_requests", Read},
	{"PullRequests.ListComments", "pull_requests", Read},
	{"PullRequests.ListReviewComments", "pull_requests", Read},
	{"PullRequests.GetComment", "pull_requests", Read},
	{"PullRequests.CreateReview", "pull_requests", Write},
	{"PullRequests.SubmitReview", "pull_requests", Write},
	{"PullRequests.UpdateReview", "pull_requests", Write},
	{"PullRequests.DismissReview", "pull_requests", Write},
	{"PullRequests.CreateComment", "pull_requests", Write},
	{"PullRequests.CreateCommentInReplyTo", "pull_requests", Write},
	{"PullRequests.EditComment", "pull_requests", Write},
	{"PullRequests.DeleteComment", "pull_requests", Write},
	{"Reactions.CreatePullRequestCommentReaction", "pull_requests", Write},

	// The check run: status, summary, annotations, actions.
	{"Checks.GetCheckRun", "checks", Read},
	{"Checks.ListCheckRunsForRef", "checks", Read},
	{"Checks.ListCheckRunAnnotations", "checks", Read},
	{"Checks.GetCheckSuite", "checks", Read},
	{"Checks.ListCheckSuitesForRef", "checks", Read},
	{"Checks.CreateCheckRun", "checks", Write},
	{"Checks.UpdateCheckRun", "checks", Write},
	{"Checks.ReRequestCheckRun", "checks", Write},
	{"Checks.ReRequestCheckSuite", "checks", Write},

	// Conversation comments on the pull request (an issue, to the API).
	{"Issues.Get", "issues", Read},
	{"Issues.ListComments", "issues", Read},
	{"Issues.GetComment", "issues", Read},
	{"Issues.CreateComment", "issues", Write},
	{"Issues.EditComment", "issues", Write},
	{"Issues.DeleteComment", "issues", Write},
	{"Reactions.ListIssueCommentReactions", "issues", Read},
	{"Reactions.CreateIssueCommentReaction", "issues", Write},
	{"Reactions.DeleteIssueCommentReaction", "issues", Write},

	// Repository contents: configuration, files, commits, and fix pushes.
	{"Repositories.GetContents", "contents", Read},
	{"Repositories.DownloadContents", "contents", Read},
	{"Repositories.GetCommit", "contents", Read},
	{"Repositories.CompareCommits", "contents", Read},
	{"Repositories.GetBranch", "contents", Read},
	{"Git.GetRef", "contents", Read},
	{"Git.GetCommit", "contents", Read},
	{"Git.GetTree", "contents", Read},
	{"Git.CreateBlob", "contents", Write},
	{"Git.CreateTree", "contents", Write},
	{"Git.CreateCommit", "contents", Write},
	{"Git.UpdateRef", "contents", Write},
	{"git fetch", "contents", Read},
	{"git push", "contents", Write},

	// Repository and collaborator metadata: who may run `/symposium fix`.
	{"Repositories.Get", "metadata", Read},
	{"Repositories.GetPermissionLevel", "metadata", Read},
	{"Repositories.IsCollaborator", "metadata", Read},
	{"Apps.ListRepos", "metadata", Read},

	// Calls made as the app (JWT): installations, tokens, webhook deliveries.
	{"Apps.Get", "", ""},
	{"Apps.GetInstallation", "", ""},
	{"Apps.ListInstallations", "", ""},
	{"Apps.FindRepositoryInstallation", "", ""},
	{"Apps.FindOrganizationInstallation", "", ""},
	{"Apps.CreateInstallationToken", "", ""},
	{"Apps.GetHookConfig", "", ""},
	{"Apps.ListHookDeliveries", "", ""},
	{"Apps.GetHookDelivery", "", ""},
	{"Apps.RedeliverHookDelivery", "", ""},

	// Public data and the rate limit: no permission.
	{"Users.Get", "", ""},
	{"RateLimit.Get", "", ""},
}

// RequiredPermissions is the least set of permissions that covers needs.
func RequiredPermissions(needs []Need) map[string]Access {
	perms := map[string]Access{}
	for _, n := range needs {
		if n.Scope == "" {
			continue
		}
		if have, ok := perms[n.Scope]; !ok || !have.covers(n.Access) {
			perms[n.Scope] = n.Access
		}
	}
	return perms
}

// Grants reports whether the manifest's permissions cover n.
func (m Manifest) Grants(n Need) bool {
	if n.Scope == "" {
		return true
	}
	return m.DefaultPermissions[n.Scope].covers(n.Access)
}
