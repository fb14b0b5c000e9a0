package agent

import (
	"context"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	tokensTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_agent_tokens_total",
		Help: "Tokens sent to (direction=input) and received from (direction=output) agents; of the input, those read from (direction=input_cache_read) and written to (direction=input_cache_write) the provider's prompt cache.",
	}, []string{"direction", "backend"})
	costTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_agent_cost_usd_total",
		Help: "Agent cost in US dollars, when the backend or the price table knows it.",
	}, []string{"backend"})
	reviewsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_agent_reviews_total",
		Help: "Agent reviews by outcome (ok, unavailable, skipped_budget, skipped_daily_budget, invalid).",
	}, []string{"backend", "outcome"})
	patchesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "symposium_agent_patches_total",
		Help: "Agent patches by outcome (suggestion, kept, rejected, does_not_apply, does_not_compile).",
	}, []string{"outcome"})
)

// recordUsage logs and counts the tokens and cost of one review.
func recordUsage(ctx context.Context, backend string, u Usage) {
	tokensTotal.WithLabelValues("input", backend).Add(float64(u.InputTokens))
	tokensTotal.WithLabelValues("output", backend).Add(float64(u.OutputTokens))
	tokensTotal.WithLabelValues("input_cache_read", backend).Add(float64(u.CacheReadTokens))
	tokensTotal.WithLabelValues("input_cache_write", backend).Add(float64(u.CacheWriteTokens))
	attrs := []any{"backend", backend, "input_tokens", u.InputTokens, "output_tokens", u.OutputTokens,
		"cache_read_tokens", u.CacheReadTokens, "cache_write_tokens", u.CacheWriteTokens}
	if u.CostKnown {
		costTotal.WithLabelValues(backend).Add(u.CostUSD)
		attrs = append(attrs, "cost_usd", u.CostUSD)
	}
	slog.InfoContext(ctx, "agent usage", attrs...)
}

// price is US dollars per million tokens: input, output, input read from
// the prompt cache, and input written to it.
type price struct{ in, out, cacheRead, cacheWrite float64 }

// anthropicPrice is an Anthropic model's price: cache reads cost a tenth of
// the input price, writes (five-minute lifetime) a quarter more.
func anthropicPrice(in, out float64) price { return price{in, out, in / 10, in * 1.25} }

// prices holds list prices of common models, matched by name prefix (longest
// first wins); unknown models have no cost. OpenAI caches prompts on its
// own, at no charge for writes.
var prices = map[string]price{
	"claude-opus-4":     anthropicPrice(15, 75),
	"claude-sonnet-4":   anthropicPrice(3, 15),
	"claude-3-7-sonnet": anthropicPrice(3, 15),
	"claude-3-5-haiku":  anthropicPrice(0.8, 4),
	"claude-haiku-4":    anthropicPrice(1, 5),
	"gpt-4o-mini":       {0.15, 0.6, 0.075, 0.15},
	"gpt-4o":            {2.5, 10, 1.25, 2.5},
	"gpt-4.1-mini":      {0.4, 1.6, 0.1, 0.4},
	"gpt-4.1":           {2, 8, 0.5, 2},
}

// priced fills in the cost of u for model when the price table knows it.
func priced(model string, u Usage) Usage {
	best := ""
	for prefix := range prices {
		if strings.HasPrefix(model, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		return u
	}
	p := prices[best]
	uncached := max(u.InputTokens-u.CacheReadTokens-u.CacheWriteTokens, 0)
	u.CostUSD = (float64(uncached)*p.in + float64(u.CacheReadTokens)*p.cacheRead +
		float64(u.CacheWriteTokens)*p.cacheWrite + float64(u.OutputTokens)*p.out) / 1e6
	u.CostKnown = true
	return u
}
