package agent

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/symposium-dev/symposium/internal/sandbox"
)

// Default models, when SYMPOSIUM_AGENT_MODEL is empty.
const (
	DefaultAnthropicModel = "claude-sonnet-4-5"
	DefaultOpenAIModel    = "gpt-4o-mini"
)

// Backend names, the values of SYMPOSIUM_AGENT.
const (
	BackendNone      = "none"
	BackendAnthropic = "anthropic"
	BackendOpenAI    = "openai"
	BackendACP       = "acp"
)

// Config selects and configures a backend.
type Config struct {
	// Backend is none, anthropic, openai or acp (SYMPOSIUM_AGENT).
	Backend string
	// Model is the model name (SYMPOSIUM_AGENT_MODEL); empty means the default.
	Model string
	// Command is the ACP agent's command line, split on spaces
	// (SYMPOSIUM_AGENT_COMMAND).
	Command string
	// PassEnv names extra environment variables the ACP agent may see
	// (SYMPOSIUM_AGENT_ENV, comma-separated); names of secrets we hold are refused.
	PassEnv []string
	// Keys and endpoints; empty means the SDK's own default (its environment variables).
	AnthropicAPIKey, AnthropicBaseURL string
	OpenAIAPIKey, OpenAIBaseURL       string
	// MaxRetries is the SDKs' retry count for 429, 5xx and timeouts (default 3).
	MaxRetries int
	// RequestTimeout bounds one HTTP attempt; 0 leaves it to the context.
	RequestTimeout time.Duration
	// MaxOutputTokens caps the answer (default 4096).
	MaxOutputTokens int
	// TokenBudget is the per-review prompt budget for Request.TokenBudget
	// (SYMPOSIUM_AGENT_TOKEN_BUDGET); 0 means DefaultTokenBudget.
	TokenBudget int
	// DailyTokens is the per-installation daily budget for
	// AugmentInput.DailyLimit (SYMPOSIUM_AGENT_DAILY_TOKENS); 0 means none.
	DailyTokens int64
	// ReadOnly lists extra host directories the ACP agent may read (its
	// installation, e.g. node_modules); the command's own directory is added.
	ReadOnly []string
	// SkillDirs are the operator's skill directories (SYMPOSIUM_SKILLS,
	// colon-separated), searched besides the crates' and the repository's.
	SkillDirs []string
	// MCPBridge is the command an ACP agent starts (in its sandbox) to reach
	// the Rust tools over MCP; the socket path is appended. nil means
	// DefaultMCPBridge; empty (non-nil) means no tools for ACP agents.
	MCPBridge []string
	// Runner is the sandbox the ACP agent and its cargo terminals run in;
	// nil means a bwrap sandbox with default limits.
	Runner sandbox.Runner
}

func (c Config) maxRetries() int {
	if c.MaxRetries <= 0 {
		return 3
	}
	return c.MaxRetries
}

func (c Config) maxOutputTokens() int {
	if c.MaxOutputTokens <= 0 {
		return 4096
	}
	return c.MaxOutputTokens
}

// ConfigFromEnv reads SYMPOSIUM_AGENT, SYMPOSIUM_AGENT_MODEL,
// SYMPOSIUM_AGENT_COMMAND, SYMPOSIUM_AGENT_ENV, SYMPOSIUM_AGENT_READONLY,
// SYMPOSIUM_AGENT_TOKEN_BUDGET, SYMPOSIUM_AGENT_DAILY_TOKENS, SYMPOSIUM_AGENT_MAX_RETRIES,
// SYMPOSIUM_SKILLS
// and the SDKs' ANTHROPIC_* and OPENAI_* variables through getenv.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Backend:          strings.TrimSpace(getenv("SYMPOSIUM_AGENT")),
		Model:            getenv("SYMPOSIUM_AGENT_MODEL"),
		Command:          getenv("SYMPOSIUM_AGENT_COMMAND"),
		AnthropicAPIKey:  getenv("ANTHROPIC_API_KEY"),
		AnthropicBaseURL: getenv("ANTHROPIC_BASE_URL"),
		OpenAIAPIKey:     getenv("OPENAI_API_KEY"),
		OpenAIBaseURL:    getenv("OPENAI_BASE_URL"),
	}
	for _, dir := range strings.Split(getenv("SYMPOSIUM_AGENT_READONLY"), ":") {
		if dir = strings.TrimSpace(dir); dir != "" {
			c.ReadOnly = append(c.ReadOnly, dir)
		}
	}
	for _, dir := range strings.Split(getenv("SYMPOSIUM_SKILLS"), ":") {
		if dir = strings.TrimSpace(dir); dir != "" {
			c.SkillDirs = append(c.SkillDirs, dir)
		}
	}
	for _, name := range strings.Split(getenv("SYMPOSIUM_AGENT_ENV"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			c.PassEnv = append(c.PassEnv, name)
		}
	}
	if s := getenv("SYMPOSIUM_AGENT_TOKEN_BUDGET"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Config{}, fmt.Errorf("SYMPOSIUM_AGENT_TOKEN_BUDGET=%q: want a non-negative integer", s)
		}
		c.TokenBudget = n
	}
	if s := getenv("SYMPOSIUM_AGENT_DAILY_TOKENS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return Config{}, fmt.Errorf("SYMPOSIUM_AGENT_DAILY_TOKENS=%q: want a non-negative integer", s)
		}
		c.DailyTokens = n
	}
	if s := getenv("SYMPOSIUM_AGENT_MAX_RETRIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Config{}, fmt.Errorf("SYMPOSIUM_AGENT_MAX_RETRIES=%q: want a non-negative integer", s)
		}
		c.MaxRetries = n
	}
	if c.Backend == "" {
		c.Backend = BackendNone
	}
	return c, nil
}

// New returns the backend cfg names.
func New(cfg Config) (Agent, error) {
	switch cfg.Backend {
	case "", BackendNone:
		return None{}, nil
	case BackendAnthropic:
		return NewAnthropic(cfg), nil
	case BackendOpenAI:
		return NewOpenAI(cfg), nil
	case BackendACP:
		return NewACP(cfg)
	default:
		return nil, fmt.Errorf("agent backend %q: want none, anthropic, openai or acp", cfg.Backend)
	}
}
