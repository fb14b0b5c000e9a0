// Package e2e holds Symposium's end-to-end tests: the real webhook receiver
// over HTTP, real Redis (REDIS_URL, default 127.0.0.1:6379, database 14,
// flushed by the tests), the real worker and review job, the fake GitHub
// (internal/githubfake), real git and real cargo in the sandbox
// (SYMPOSIUM_SANDBOX, default bwrap). Run them with `go test ./e2e/`.
package e2e
