package config

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Role is what a process runs; it decides which settings apply and which
// are required.
type Role string

// The roles, one per long-running subcommand.
const (
	// RoleServe runs the receiver and a worker in one process.
	RoleServe Role = "serve"
	// RoleWebhook runs the receiver only.
	RoleWebhook Role = "webhook"
	// RoleWorker runs a worker only.
	RoleWorker Role = "worker"
)

// Environment variable names. They are a contract: deployment tools outside
// the project set them.
const (
	EnvAppID                 = "GITHUB_APP_ID"
	EnvPrivateKey            = "GITHUB_PRIVATE_KEY"
	EnvPrivateKeyFile        = "GITHUB_PRIVATE_KEY_FILE"
	EnvAPIURL                = "GITHUB_API_URL"
	EnvWebhookSecret         = "GITHUB_WEBHOOK_SECRET"
	EnvWebhookSecretPrevious = "GITHUB_WEBHOOK_SECRET_PREVIOUS"
	EnvRedisURL              = "REDIS_URL"
	EnvListen                = "SYMPOSIUM_LISTEN"
	EnvConcurrency           = "SYMPOSIUM_CONCURRENCY"
	EnvReviewDrafts          = "SYMPOSIUM_REVIEW_DRAFTS"
	EnvTaskTimeout           = "SYMPOSIUM_TASK_TIMEOUT"
	EnvMaxRetry              = "SYMPOSIUM_MAX_RETRY"
	EnvShutdownTimeout       = "SYMPOSIUM_SHUTDOWN_TIMEOUT"
	EnvLogLevel              = "SYMPOSIUM_LOG_LEVEL"
	EnvLogFormat             = "SYMPOSIUM_LOG_FORMAT"
	EnvRedeliverInterval     = "SYMPOSIUM_REDELIVER_INTERVAL"
	EnvSandbox               = "SYMPOSIUM_SANDBOX"
	EnvDataDir               = "SYMPOSIUM_DATA_DIR"
)

// Agent settings, read by agent.ConfigFromEnv through App.Lookup. They are
// in the table so that help lists them and a worker reads them once.
const (
	EnvAgent            = "SYMPOSIUM_AGENT"
	EnvAgentModel       = "SYMPOSIUM_AGENT_MODEL"
	EnvAgentCommand     = "SYMPOSIUM_AGENT_COMMAND"
	EnvAgentEnv         = "SYMPOSIUM_AGENT_ENV"
	EnvAgentReadOnly    = "SYMPOSIUM_AGENT_READONLY"
	EnvAgentTokenBudget = "SYMPOSIUM_AGENT_TOKEN_BUDGET"
	EnvAgentDailyTokens = "SYMPOSIUM_AGENT_DAILY_TOKENS"
	EnvAgentMaxRetries  = "SYMPOSIUM_AGENT_MAX_RETRIES"
	EnvAnthropicAPIKey  = "ANTHROPIC_API_KEY"
	EnvAnthropicBaseURL = "ANTHROPIC_BASE_URL"
	EnvOpenAIAPIKey     = "OPENAI_API_KEY"
	EnvOpenAIBaseURL    = "OPENAI_BASE_URL"

	// EnvAdvisoryDB is read by the review itself (internal/analysis), so
	// it has no flag and no App field.
	EnvAdvisoryDB = "SYMPOSIUM_ADVISORY_DB"
)

// DefaultAPIURL is GitHub.com's REST API.
const DefaultAPIURL = "https://api.github.com/"

// Setting describes one setting: where it is read from, its default and
// which roles use it.
type Setting struct {
	// Env is the environment variable.
	Env string
	// Flag is the command-line flag without dashes; empty for secrets,
	// which are read from the environment only so they stay out of argv.
	Flag string
	// Default is the value used when neither the variable nor the flag is set.
	Default string
	// Usage is one line of help.
	Usage string
	// Secret settings are never printed or logged.
	Secret bool
	// Bool settings are flags that take no value.
	Bool  bool
	roles []Role
}

var (
	allRoles      = []Role{RoleServe, RoleWebhook, RoleWorker}
	receiverRoles = []Role{RoleServe, RoleWebhook}
	workerRoles   = []Role{RoleServe, RoleWorker}
)

var settings = []Setting{
	{Env: EnvAppID, Flag: "app-id", Usage: "GitHub App id", roles: workerRoles},
	{Env: EnvPrivateKey, Usage: "GitHub App private key, PEM (a literal \\n is read as a newline)", Secret: true, roles: workerRoles},
	{Env: EnvPrivateKeyFile, Flag: "private-key-file", Usage: "path of the GitHub App private key, PEM (instead of " + EnvPrivateKey + ")", roles: workerRoles},
	{Env: EnvAPIURL, Flag: "github-api-url", Default: DefaultAPIURL, Usage: "GitHub REST API base URL (GitHub Enterprise Server: https://HOST/api/v3/)", roles: workerRoles},
	{Env: EnvWebhookSecret, Usage: "webhook secret set on the GitHub App", Secret: true, roles: receiverRoles},
	{Env: EnvWebhookSecretPrevious, Usage: "previous webhook secret, also accepted while a new one rolls out", Secret: true, roles: receiverRoles},
	{Env: EnvRedisURL, Flag: "redis-url", Usage: "Redis holding the queue: redis://, rediss:// (TLS), unix://, redis+sentinel://; serve without it runs an in-process Redis that loses queued work on exit (put passwords in the variable, not the flag)", roles: allRoles},
	{Env: EnvListen, Flag: "listen", Default: ":8080", Usage: "HTTP listen address (/webhook, /healthz, /readyz, /metrics; a worker serves all but /webhook; \"off\" disables it)", roles: allRoles},
	{Env: EnvConcurrency, Flag: "concurrency", Default: "2", Usage: "tasks a worker runs at once", roles: workerRoles},
	{Env: EnvReviewDrafts, Flag: "review-drafts", Default: "false", Usage: "review draft pull requests too", Bool: true, roles: receiverRoles},
	{Env: EnvTaskTimeout, Flag: "task-timeout", Default: "30m", Usage: "longest a task may run before it is cancelled and retried", roles: allRoles},
	{Env: EnvMaxRetry, Flag: "max-retry", Default: "5", Usage: "retries of a failed task (with exponential backoff) before it is archived", roles: receiverRoles},
	{Env: EnvShutdownTimeout, Flag: "shutdown-timeout", Default: "30s", Usage: "on SIGTERM/SIGINT, how long in-flight work may finish before it is handed back to the queue", roles: allRoles},
	{Env: EnvLogLevel, Flag: "log-level", Default: "info", Usage: "debug, info, warn or error", roles: allRoles},
	{Env: EnvLogFormat, Flag: "log-format", Default: "json", Usage: "json or text", roles: allRoles},
	{Env: EnvAdvisoryDB, Usage: "checkout of the RustSec advisory database (github.com/rustsec/advisory-db) that Cargo.lock changes are matched against; unset: advisories are not checked", roles: workerRoles},
	{Env: EnvRedeliverInterval, Flag: "redeliver-interval", Default: "10m", Usage: "how often failed webhook deliveries are looked for and redelivered (at least 1m; 0 disables)", roles: workerRoles},
	{Env: EnvSandbox, Flag: "sandbox", Default: "bwrap", Usage: "how pull requests' code runs: bwrap, or none for trusted repositories only", roles: workerRoles},
	{Env: EnvDataDir, Flag: "data-dir", Usage: "git caches, cargo target dirs and work dirs (default: symposium/worker under the user cache dir)", roles: workerRoles},
	{Env: EnvAgent, Flag: "agent", Default: "none", Usage: "the agent beside clippy: none, anthropic, openai or acp", roles: workerRoles},
	{Env: EnvAgentModel, Flag: "agent-model", Usage: "the agent's model (default: the backend's)", roles: workerRoles},
	{Env: EnvAgentCommand, Flag: "agent-command", Usage: "the ACP agent's command line", roles: workerRoles},
	{Env: EnvAgentEnv, Flag: "agent-env", Usage: "comma-separated variables passed to an ACP agent", roles: workerRoles},
	{Env: EnvAgentReadOnly, Flag: "agent-readonly", Usage: "colon-separated directories an ACP agent may read", roles: workerRoles},
	{Env: EnvAgentTokenBudget, Flag: "agent-token-budget", Usage: "tokens one review may spend on the agent (default: the agent's)", roles: workerRoles},
	{Env: EnvAgentDailyTokens, Flag: "agent-daily-tokens", Usage: "tokens one installation may spend on the agent per day (0: no limit)", roles: workerRoles},
	{Env: EnvAgentMaxRetries, Flag: "agent-max-retries", Usage: "retries of a failed agent call", roles: workerRoles},
	{Env: EnvAnthropicAPIKey, Usage: "Anthropic API key (agent anthropic)", Secret: true, roles: workerRoles},
	{Env: EnvAnthropicBaseURL, Flag: "anthropic-base-url", Usage: "Anthropic API base URL", roles: workerRoles},
	{Env: EnvOpenAIAPIKey, Usage: "OpenAI API key (agent openai)", Secret: true, roles: workerRoles},
	{Env: EnvOpenAIBaseURL, Flag: "openai-base-url", Usage: "OpenAI-compatible API base URL", roles: workerRoles},
}

// Settings lists the settings a role reads, in help order.
func Settings(role Role) []Setting {
	var out []Setting
	for _, s := range settings {
		if slices.Contains(s.roles, role) {
			out = append(out, s)
		}
	}
	return out
}

// App is the validated process configuration.
type App struct {
	// AppID is the GitHub App id; 0 when not configured (serve only).
	AppID int64
	// PrivateKey is the App's PEM private key.
	PrivateKey []byte
	// APIURL is the GitHub REST API base URL, ending in a slash.
	APIURL string
	// WebhookSecret verifies deliveries.
	WebhookSecret string
	// WebhookSecretPrevious is also accepted, for secret rotation.
	WebhookSecretPrevious string
	// RedisURL is empty when serve should run an embedded Redis.
	RedisURL string
	// Listen is the HTTP address; empty when disabled.
	Listen string
	// Concurrency is the number of tasks a worker runs at once.
	Concurrency int
	// ReviewDrafts reviews draft pull requests too.
	ReviewDrafts bool
	// TaskTimeout bounds one run of one task.
	TaskTimeout time.Duration
	// MaxRetry is the number of retries before a task is archived.
	MaxRetry int
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// LogFormat is "json" or "text".
	LogFormat string
	// RedeliverInterval is how often failed deliveries are redelivered; 0
	// disables it.
	RedeliverInterval time.Duration
	// Sandbox is the sandbox mode of a worker: "bwrap" or "none".
	Sandbox string
	// DataDir is the worker's data dir; empty means the default under the
	// user cache dir (see WorkerDataDir).
	DataDir string

	raw map[string]string
}

// Lookup returns the raw text of a setting of the table (after flags
// override variables), "" when unset or not read by this role. It serves
// settings parsed by their own packages, such as the agent's.
func (a *App) Lookup(env string) string { return a.raw[env] }

// WorkerDataDir returns DataDir, else symposium/worker under the user cache dir.
func (a *App) WorkerDataDir() (string, error) {
	if a.DataDir != "" {
		return a.DataDir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", settingError(EnvDataDir, "no default: %v", err)
	}
	return filepath.Join(cache, "symposium", "worker"), nil
}

// HasGitHubApp reports whether the GitHub App credentials are configured.
func (a *App) HasGitHubApp() bool { return a.AppID != 0 && len(a.PrivateKey) > 0 }

// WebhookSecrets returns the accepted webhook secrets, current first.
func (a *App) WebhookSecrets() [][]byte {
	var out [][]byte
	for _, s := range []string{a.WebhookSecret, a.WebhookSecretPrevious} {
		if s != "" {
			out = append(out, []byte(s))
		}
	}
	return out
}

// LogValue lets an App be logged: secrets appear only as set or unset.
func (a *App) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("app_id", a.AppID),
		slog.Bool("private_key_set", len(a.PrivateKey) > 0),
		slog.String("github_api_url", a.APIURL),
		slog.Bool("webhook_secret_set", a.WebhookSecret != ""),
		slog.Bool("webhook_secret_previous_set", a.WebhookSecretPrevious != ""),
		slog.String("redis", RedactURL(a.RedisURL)),
		slog.String("listen", a.Listen),
		slog.Int("concurrency", a.Concurrency),
		slog.Bool("review_drafts", a.ReviewDrafts),
		slog.Duration("task_timeout", a.TaskTimeout),
		slog.Int("max_retry", a.MaxRetry),
		slog.Duration("redeliver_interval", a.RedeliverInterval),
		slog.String("sandbox", a.Sandbox),
		slog.String("data_dir", a.DataDir),
		slog.String("agent", a.Lookup(EnvAgent)),
	)
}

// String describes the configuration without its secrets.
func (a *App) String() string { return a.LogValue().String() }

// RedactURL hides the password of a URL; it returns "" for "".
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	for _, k := range []string{"password", "sentinel_password"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}
