package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
