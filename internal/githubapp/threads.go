package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ReviewThread is one review thread of a pull request, as GitHub's GraphQL
// API (PullRequestReviewThread) shows it.
type ReviewThread struct {
	// ID is the thread's node id, which ResolveReviewThread takes.
	ID         string
	IsResolved bool
	IsOutdated bool
	Path       string
	// Line is the thread's line in the head, 0 when GitHub gives none
	// (an outdated thread); OriginalLine is its line in the commit it was
	// opened on.
	Line, OriginalLine int
	// Comments are the thread's comments, oldest first: the first one
	// opened the thread, the others are replies.
	Comments []ThreadComment
}

// ThreadComment is one comment of a review thread.
type ThreadComment struct {
	ID         string
	DatabaseID int64
	// Author is the login of the comment's author as GraphQL gives it: a
	// bot's login has no "[bot]" suffix there ("symposium", not
	// "symposium[bot]"); see SameLogin.
	Author string
	Body   string
}

// SameLogin tells whether a GraphQL author login and a REST login name the
// same account: GraphQL drops the "[bot]" suffix of app bots.
func SameLogin(graphqlLogin, restLogin string) bool {
	return graphqlLogin != "" && (strings.EqualFold(graphqlLogin, restLogin) ||
		strings.EqualFold(graphqlLogin+"[bot]", restLogin))
}

const reviewThreadsQuery = `query ReviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          isOutdated
          path
          line
          originalLine
          comments(first: 100) {
            nodes { id databaseId body author { login } }
          }
        }
      }
    }
  }
}`

const resolveReviewThreadMutation = `mutation ResolveReviewThread($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) {
    thread { id isResolved }
  }
}`

type threadsData struct {
	Repository *struct {
		PullRequest *struct {
			ReviewThreads struct {
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
				Nodes []struct {
					ID         string `json:"id"`
					IsResolved bool   `json:"isResolved"`
					IsOutdated bool   `json:"isOutdated"`
					Path       string `json:"path"`
					Line       *int   `json:"line"`
					OrigLine   *int   `json:"originalLine"`
					Comments   struct {
						Nodes []struct {
							ID         string `json:"id"`
							DatabaseID int64  `json:"databaseId"`
							Body       string `json:"body"`
							Author     *struct {
								Login string `json:"login"`
							} `json:"author"`
						} `json:"nodes"`
					} `json:"comments"`
				} `json:"nodes"`
			} `json:"reviewThreads"`
		} `json:"pullRequest"`
	} `json:"repository"`
}

// ReviewThreads returns every review thread of a pull request with its
// comments (the first 100 of each thread).
func (r Repo) ReviewThreads(ctx context.Context, pr int) ([]ReviewThread, error) {
	var out []ReviewThread
	vars := map[string]any{"owner": r.Owner, "name": r.Name, "number": pr, "cursor": nil}
	for {
		var data threadsData
		if err := r.graphQL(ctx, reviewThreadsQuery, vars, &data); err != nil {
			return nil, fmt.Errorf("review threads of %s#%d: %w", r.FullName(), pr, err)
		}
		if data.Repository == nil || data.Repository.PullRequest == nil {
			return nil, fmt.Errorf("review threads of %s#%d: GitHub found no such pull request", r.FullName(), pr)
		}
		page := data.Repository.PullRequest.ReviewThreads
		for _, n := range page.Nodes {
			t := ReviewThread{ID: n.ID, IsResolved: n.IsResolved, IsOutdated: n.IsOutdated, Path: n.Path}
			if n.Line != nil {
				t.Line = *n.Line
			}
			if n.OrigLine != nil {
				t.OriginalLine = *n.OrigLine
			}
			for _, c := range n.Comments.Nodes {
				tc := ThreadComment{ID: c.ID, DatabaseID: c.DatabaseID, Body: c.Body}
				if c.Author != nil {
					tc.Author = c.Author.Login
				}
				t.Comments = append(t.Comments, tc)
			}
			out = append(out, t)
		}
		if !page.PageInfo.HasNextPage || page.PageInfo.EndCursor == "" {
			return out, nil
		}
		vars["cursor"] = page.PageInfo.EndCursor
	}
}

// ResolveReviewThread marks a review thread resolved.
func (r Repo) ResolveReviewThread(ctx context.Context, threadID string) error {
	if threadID == "" {
		return errors.New("resolve review thread: thread id is required")
	}
	var data struct {
		ResolveReviewThread *struct {
			Thread *struct {
				ID         string `json:"id"`
				IsResolved bool   `json:"isResolved"`
			} `json:"thread"`
		} `json:"resolveReviewThread"`
	}
	if err := r.graphQL(ctx, resolveReviewThreadMutation, map[string]any{"threadId": threadID}, &data); err != nil {
		return fmt.Errorf("resolve review thread %s on %s: %w", threadID, r.FullName(), err)
	}
	if data.ResolveReviewThread == nil || data.ResolveReviewThread.Thread == nil || !data.ResolveReviewThread.Thread.IsResolved {
		return fmt.Errorf("resolve review thread %s on %s: GitHub did not resolve it", threadID, r.FullName())
	}
	return nil
}

// graphQLError is one entry of a GraphQL response's "errors".
type graphQLError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// graphQL posts one GraphQL operation through the client's transport (so
// it is paced, retried, logged and authenticated like every REST call)
// and decodes its data into out. A response with errors is an error.
func (r Repo) graphQL(ctx context.Context, query string, vars map[string]any, out any) error {
	req, err := r.Client.NewRequest(http.MethodPost, graphQLPath(r.Client.BaseURL.Path), map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("graphql: %w", err)
	}
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []graphQLError  `json:"errors"`
	}
	if _, err := r.Client.Do(ctx, req, &resp); err != nil {
		return fmt.Errorf("graphql: %w", err)
	}
	if len(resp.Errors) > 0 {
		msgs := make([]string, 0, len(resp.Errors))
		for _, e := range resp.Errors {
			msgs = append(msgs, strings.TrimSpace(e.Type+" "+e.Message))
		}
		return fmt.Errorf("graphql: %s", strings.Join(msgs, "; "))
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return errors.New("graphql: the response has no data")
	}
	if err := json.Unmarshal(resp.Data, out); err != nil {
		return fmt.Errorf("graphql: decode the response: %w", err)
	}
	return nil
}

// graphQLPath is the GraphQL endpoint relative to the REST base path:
// api.github.com/graphql beside api.github.com/, and <host>/api/graphql
// beside GitHub Enterprise Server's <host>/api/v3/.
func graphQLPath(restPath string) string {
	if strings.HasSuffix(restPath, "/api/v3/") {
		return "../graphql"
	}
	return "graphql"
}
