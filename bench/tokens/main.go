// Command tokens measures the prompt the agent package sends for each fixture
// pull request under testdata/ (a pr.diff and the head files under head/)
// against the size of the diff itself, the floor of any review prompt.
//
//	go run ./bench/tokens [-dir bench/tokens/testdata]
//
// Every prompt carries a typical index of applicable skills, and the tool
// definitions (crate_info, read_crate_file, search_crate, skill,
// cargo_check) count as sent. It ends with the fixed overhead and its parts
// (skills index, tool definitions, answer schema, system prompt) and
// prompt_overhead_ratio=<median of prompt/diff>; the target is at most 1.5,
// with a fixed overhead under 1,500 tokens.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/symposium-dev/symposium/internal/agent"
	"github.com/symposium-dev/symposium/internal/cratetools"
	"github.com/symposium-dev/symposium/review"
)

// benchSkills is a typical index: a few crates' skills and a repository's.
var benchSkills = []agent.Skill{
	{Name: "serde-basics", Description: "Deriving Serialize and Deserialize, field attributes, and when to write impls by hand.", Crates: []string{"serde"}},
	{Name: "tokio-runtime", Description: "Spawning tasks, blocking code inside async, cancellation safety of select! branches.", Crates: []string{"tokio"}},
	{Name: "thiserror-errors", Description: "Error enums with thiserror: #[from], #[source], and messages without trailing punctuation.", Crates: []string{"thiserror"}},
	{Name: "regex-usage", Description: "Compile regexes once (LazyLock), prefer bytes APIs for non-UTF-8 input.", Crates: []string{"regex"}},
	{Name: "house-style", Description: "The repository's conventions for errors, logging and tests."},
}

func main() {
	dir := flag.String("dir", "bench/tokens/testdata", "directory of fixture pull requests")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "tokens:", err)
		os.Exit(1)
	}
}

// title and body are the same for every fixture: a typical short PR text.
const (
	title = "Support unicode escapes and keep comments"
	body  = "This PR adds the feature described in the linked issue and tests for it.\n\nCloses #123."
)

func run(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	// The fixed overhead: system prompt, answer schema (sent as a tool or
	// response format), tool definitions, headings, PR text and the skills
	// index, with an empty diff.
	tools := cratetools.New(cratetools.Config{Check: func(context.Context, string) ([]review.Diagnostic, error) { return nil, nil }})
	specs, err := json.Marshal(tools.Specs())
	if err != nil {
		return err
	}
	empty, err := agent.BuildPrompt(agent.Request{Title: title, Body: body, Skills: benchSkills, Tools: tools})
	if err != nil {
		return err
	}
	noSkills, err := agent.BuildPrompt(agent.Request{Title: title, Body: body})
	if err != nil {
		return err
	}
	schema := agent.EstimateTokens(agent.SchemaCompact) + agent.EstimateTokens(string(specs))
	fixed := empty.Tokens + schema

	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "fixture\tdiff_tokens\tprompt_tokens\tcontext_tokens\tomitted\tratio\t")
	var ratios []float64
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fx := filepath.Join(dir, e.Name())
		diff, err := os.ReadFile(filepath.Join(fx, "pr.diff"))
		if err != nil {
			return err
		}
		req := agent.Request{Title: title, Body: body, Diff: string(diff), Skills: benchSkills, Tools: tools, HeadFile: func(p string) ([]byte, bool) {
			b, err := os.ReadFile(filepath.Join(fx, "head", filepath.FromSlash(p)))
			return b, err == nil
		}}
		withContext, err := agent.BuildPrompt(req)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		req.HeadFile = nil
		noContext, err := agent.BuildPrompt(req)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		floor := agent.EstimateTokens(string(diff))
		sent := withContext.Tokens + schema
		ratio := float64(sent) / float64(floor)
		ratios = append(ratios, ratio)
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.2f\t\n", e.Name(), floor, sent, withContext.Tokens-noContext.Tokens, len(withContext.Omitted), ratio)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(ratios) == 0 {
		return fmt.Errorf("no fixture under %s", dir)
	}
	fmt.Printf("fixed_overhead_tokens=%d\n", fixed)
	fmt.Printf("skills_index_tokens=%d\n", empty.Tokens-noSkills.Tokens)
	fmt.Printf("tool_definitions_tokens=%d\n", agent.EstimateTokens(string(specs)))
	fmt.Printf("answer_schema_tokens=%d\n", agent.EstimateTokens(agent.SchemaCompact))
	fmt.Printf("system_prompt_tokens=%d\n", agent.EstimateTokens(empty.System))
	fmt.Printf("prompt_overhead_ratio=%.2f\n", median(ratios))
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
