package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// ErrUsage wraps command-line errors; the flag package (or Load) has
// already printed why, with the usage.
var ErrUsage = errors.New("bad command line")

// value is a flag.Value holding the raw text of a setting.
type value struct {
	text   string
	isBool bool
}

func (v *value) String() string     { return v.text }
func (v *value) Set(s string) error { v.text = s; return nil }
func (v *value) IsBoolFlag() bool   { return v.isBool }

// Load reads the settings of role from the environment (getenv) and the
// command-line arguments (flags override variables), then validates them.
// command names the subcommand in the help text, which goes to output.
// `--help` returns flag.ErrHelp after printing every setting.
func Load(role Role, command string, args []string, getenv func(string) string, output io.Writer) (*App, error) {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(output)
	raw := map[string]*value{}
	for _, s := range Settings(role) {
		v := &value{text: s.Default, isBool: s.Bool}
		if env, ok := lookup(getenv, s.Env); ok {
			v.text = env
		}
		raw[s.Env] = v
		if s.Flag != "" {
			fs.Var(v, s.Flag, s.Usage+" (env "+s.Env+")")
		}
	}
	fs.Usage = func() { PrintUsage(output, role, command, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(output, "unexpected argument %q: settings are flags or environment variables (see --help)\n", fs.Arg(0))
		return nil, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	get := func(env string) string {
		if v, ok := raw[env]; ok {
			return strings.TrimSpace(v.text)
		}
		return ""
	}
	has := func(env string) bool { _, ok := raw[env]; return ok }
	a, err := parse(role, get, has)
	if err != nil {
		return nil, err
	}
	a.raw = map[string]string{}
	for env, v := range raw {
		a.raw[env] = strings.TrimSpace(v.text)
	}
	return a, nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// PrintUsage prints the help of a subcommand: its flags, each with its
// variable, then the settings read from the environment only.
func PrintUsage(w io.Writer, role Role, command string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: symposium %s [flags]\n\n", command)
	fmt.Fprintln(w, "Every setting is an environment variable; flags override them.")
	fmt.Fprintln(w, "\nFlags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\nEnvironment only (secrets, kept out of argv and logs):")
	for _, s := range Settings(role) {
		if s.Flag == "" {
			fmt.Fprintf(w, "  %s\n    \t%s\n", s.Env, s.Usage)
		}
	}
}

// settingError names the variable (and flag) a bad value came from.
func settingError(env, format string, args ...any) error {
	name := env
	for _, s := range settings {
		if s.Env == env && s.Flag != "" {
			name = env + " (--" + s.Flag + ")"
		}
	}
	return fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
}

func parse(role Role, get func(string) string, has func(string) bool) (*App, error) {
	a := &App{
		WebhookSecret:         get(EnvWebhookSecret),
		WebhookSecretPrevious: get(EnvWebhookSecretPrevious),
		RedisURL:              get(EnvRedisURL),
		Listen:                get(EnvListen),
		LogFormat:             get(EnvLogFormat),
		APIURL:                get(EnvAPIURL),
		Sandbox:               get(EnvSandbox),
		DataDir:               get(EnvDataDir),
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if a.Listen == "off" {
		a.Listen = ""
	}
	if has(EnvConcurrency) {
		add(parseInt(get, EnvConcurrency, 1, 1024, &a.Concurrency))
	}
	if has(EnvMaxRetry) {
		add(parseInt(get, EnvMaxRetry, 0, 100, &a.MaxRetry))
	}
	add(parseDuration(get, EnvTaskTimeout, &a.TaskTimeout))
	add(parseDuration(get, EnvShutdownTimeout, &a.ShutdownTimeout))
	if s := get(EnvRedeliverInterval); s != "" && s != "0" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute {
			add(settingError(EnvRedeliverInterval, "%q is not a duration of at least 1m (or 0 to disable)", s))
		}
		a.RedeliverInterval = d
	}
	if s := get(EnvReviewDrafts); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			add(settingError(EnvReviewDrafts, "%q is not true or false", s))
		}
		a.ReviewDrafts = b
	}
	if s := get(EnvLogLevel); s != "" {
		if err := a.LogLevel.UnmarshalText([]byte(s)); err != nil {
			add(settingError(EnvLogLevel, "%q is not debug, info, warn or error", s))
		}
	}
	if a.Sandbox != "" && a.Sandbox != "bwrap" && a.Sandbox != "none" {
		add(settingError(EnvSandbox, "%q is not bwrap or none", a.Sandbox))
	}
	if a.LogFormat != "" && a.LogFormat != "json" && a.LogFormat != "text" {
		add(settingError(EnvLogFormat, "%q is not json or text", a.LogFormat))
	}
	if a.RedisURL != "" {
		add(checkRedisURL(a.RedisURL))
	}
	if slices.Contains(receiverRoles, role) {
		if a.WebhookSecret == "" {
			add(settingError(EnvWebhookSecret, "required: the webhook secret set on the GitHub App"))
		}
	}
	if slices.Contains(workerRoles, role) {
		add(a.loadGitHubApp(role, get))
	}
	if role == RoleWebhook || role == RoleWorker {
		if a.RedisURL == "" {
			add(settingError(EnvRedisURL, "required for `symposium %s` (only `symposium serve` can run an in-process Redis)", role))
		}
	}
	if (role == RoleWebhook || role == RoleServe) && a.Listen == "" {
		add(settingError(EnvListen, "required: the receiver must listen somewhere"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return a, nil
}

// loadGitHubApp reads the app id, the key and the API URL. serve may run
// without app credentials (local use); a partial configuration is an error.
func (a *App) loadGitHubApp(role Role, get func(string) string) error {
	var errs []error
	idText, key, keyFile := get(EnvAppID), get(EnvPrivateKey), get(EnvPrivateKeyFile)
	if idText != "" {
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || id <= 0 {
			errs = append(errs, settingError(EnvAppID, "%q is not a positive integer", idText))
		}
		a.AppID = id
	}
	switch {
	case key != "" && keyFile != "":
		errs = append(errs, settingError(EnvPrivateKey, "set either %s or %s, not both", EnvPrivateKey, EnvPrivateKeyFile))
	case key != "":
		a.PrivateKey = []byte(strings.ReplaceAll(key, `\n`, "\n"))
		if err := checkPrivateKey(a.PrivateKey); err != nil {
			errs = append(errs, settingError(EnvPrivateKey, "%v", err))
		}
	case keyFile != "":
		b, err := os.ReadFile(keyFile)
		if err != nil {
			errs = append(errs, settingError(EnvPrivateKeyFile, "%v", err))
		} else if err := checkPrivateKey(b); err != nil {
			errs = append(errs, settingError(EnvPrivateKeyFile, "%s: %v", keyFile, err))
		}
		a.PrivateKey = b
	}
	anySet := idText != "" || key != "" || keyFile != ""
	if role == RoleWorker || anySet {
		if idText == "" {
			errs = append(errs, settingError(EnvAppID, "required: the GitHub App id"))
		}
		if key == "" && keyFile == "" {
			errs = append(errs, settingError(EnvPrivateKey, "required: the GitHub App private key (or %s)", EnvPrivateKeyFile))
		}
	}
	u, err := url.Parse(a.APIURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, settingError(EnvAPIURL, "%q is not an http(s) URL", a.APIURL))
	case !strings.HasSuffix(a.APIURL, "/"):
		a.APIURL += "/"
	}
	return errors.Join(errs...)
}

// checkPrivateKey accepts a PEM RSA key in PKCS#1 (what GitHub hands out)
// or PKCS#8. The error never quotes the key.
func checkPrivateKey(b []byte) error {
	block, _ := pem.Decode(b)
	if block == nil {
		return errors.New("not a PEM private key")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return nil
	}
	return errors.New("PEM block is not an RSA private key (PKCS#1 or PKCS#8)")
}

var redisSchemes = []string{"redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis-sentinel"}

func checkRedisURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return settingError(EnvRedisURL, "not a URL")
	}
	if !slices.Contains(redisSchemes, u.Scheme) {
		return settingError(EnvRedisURL, "scheme %q is not one of %s", u.Scheme, strings.Join(redisSchemes, ", "))
	}
	if u.Host == "" && u.Scheme != "unix" {
		return settingError(EnvRedisURL, "no host in %s", RedactURL(raw))
	}
	return nil
}

func parseInt(get func(string) string, env string, lo, hi int, dst *int) error {
	s := get(env)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return settingError(env, "%q is not an integer from %d to %d", s, lo, hi)
	}
	*dst = n
	return nil
}

func parseDuration(get func(string) string, env string, dst *time.Duration) error {
	s := get(env)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return settingError(env, "%q is not a positive duration such as 30s or 10m", s)
	}
	*dst = d
	return nil
}
