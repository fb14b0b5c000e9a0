package agent

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// toolName is the Anthropic tool the answer is submitted through.
const toolName = "submit_review"

// repairText asks a model to fix an answer that failed the schema check.
func repairText(err error) string {
	return "Your answer does not match the required JSON schema: " + err.Error() +
		". Answer again with one corrected JSON object and nothing else."
}

// Anthropic is the backend of SYMPOSIUM_AGENT=anthropic: the Messages API,
// the answer forced through a tool whose input schema is SchemaJSON.
type Anthropic struct {
	client    anthropic.Client
	model     string
	maxTokens int64
}

// NewAnthropic returns the Anthropic backend. The SDK also reads
// ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL; explicit values in cfg win.
func NewAnthropic(cfg Config) *Anthropic {
	opts := []aoption.RequestOption{aoption.WithMaxRetries(cfg.maxRetries())}
	if cfg.RequestTimeout > 0 {
		opts = append(opts, aoption.WithRequestTimeout(cfg.RequestTimeout))
	}
	if cfg.AnthropicAPIKey != "" {
		opts = append(opts, aoption.WithAPIKey(cfg.AnthropicAPIKey))
	}
	if cfg.AnthropicBaseURL != "" {
		opts = append(opts, aoption.WithBaseURL(cfg.AnthropicBaseURL))
	}
	model := cfg.Model
	if model == "" {
		model = DefaultAnthropicModel
	}
	return &Anthropic{client: anthropic.NewClient(opts...), model: model, maxTokens: int64(cfg.maxOutputTokens())}
}

// Review asks for a review, with one repair round for a malformed answer.
func (a *Anthropic) Review(ctx context.Context, req Request) (Response, error) {
	p, err := BuildPrompt(req)
	if err != nil {
		return Response{}, err
	}
	schema := schemaMap()
	tool := anthropic.ToolParam{
		Name:        toolName,
		Description: anthropic.String("Submit the review. Call exactly once."),
		InputSchema: anthropic.ToolInputSchemaParam{
			Properties:  schema["properties"],
			Required:    []string{"summary", "comments", "patches"},
			ExtraFields: map[string]any{"additionalProperties": false},
		},
	}
	params := anthropic.MessageNewParams{
		Model:      anthropic.Model(a.model),
		MaxTokens:  a.maxTokens,
		System:     []anthropic.TextBlockParam{{Text: p.System}},
		Tools:      append([]anthropic.ToolUnionParam{{OfTool: &tool}}, anthropicTools(req.Tools)...),
		ToolChoice: anthropic.ToolChoiceParamOfTool(toolName),
		Messages:   []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(p.User))},
	}
	if req.Tools != nil {
		// The model may look things up before it submits the review; every
		// round sends the whole conversation again, so the prompt is cached.
		params.ToolChoice = anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}
		params.Messages[0].Content[0].OfText.CacheControl = anthropic.NewCacheControlEphemeralParam()
	}
	loop := newToolLoop(req, p)
	var usage Usage
	var lastErr error
	for repairs := 0; ; {
		msg, err := a.client.Messages.New(ctx, params)
		if err != nil {
			return Response{Usage: usage}, fmt.Errorf("%w: anthropic messages: %w", ErrUnavailable, err)
		}
		u := Usage{InputTokens: msg.Usage.InputTokens + msg.Usage.CacheReadInputTokens + msg.Usage.CacheCreationInputTokens, OutputTokens: msg.Usage.OutputTokens,
			CacheReadTokens: msg.Usage.CacheReadInputTokens, CacheWriteTokens: msg.Usage.CacheCreationInputTokens}
		usage = usage.Add(priced(a.model, u))
		var resp Response
		submitted := false
		lastErr = fmt.Errorf("no %s tool call in the answer", toolName)
		var results []anthropic.ContentBlockParamUnion
		for _, block := range msg.Content {
			if block.Type != "tool_use" {
				continue
			}
			if block.Name == toolName {
				submitted = true
				resp, lastErr = ParseResponse(block.Input)
				results = append(results, anthropic.NewToolResultBlock(block.ID, resultText(lastErr), lastErr != nil))
				continue
			}
			text, isErr := loop.call(ctx, block.Name, block.Input)
			results = append(results, anthropic.NewToolResultBlock(block.ID, text, isErr))
		}
		if submitted && lastErr == nil {
			resp.Usage = usage
			return resp, nil
		}
		if submitted || len(results) == 0 {
			if repairs++; repairs > 1 {
				break
			}
			if len(results) == 0 {
				results = append(results, anthropic.NewTextBlock(repairText(lastErr)))
			}
		}
		if loop.rounds++; loop.rounds > MaxToolCalls+2 {
			break
		}
		if loop.done() {
			params.ToolChoice = anthropic.ToolChoiceParamOfTool(toolName)
		}
		params.Messages = append(params.Messages, msg.ToParam(), anthropic.NewUserMessage(results...))
		if req.Tools != nil {
			moveCacheBreakpoint(params.Messages)
		}
	}
	return Response{Usage: usage}, fmt.Errorf("%w: answer still malformed after a repair round: %w", ErrUnavailable, lastErr)
}

// moveCacheBreakpoint puts the conversation's second prompt-cache
// breakpoint on its last block, so that the next round reads this round's
// tool results from the cache too, and takes it off the turns before: the
// first message keeps its own, and a request may carry four at most.
func moveCacheBreakpoint(msgs []anthropic.MessageParam) {
	for i := 1; i < len(msgs); i++ {
		for j := range msgs[i].Content {
			cc := anthropic.CacheControlEphemeralParam{}
			if i == len(msgs)-1 && j == len(msgs[i].Content)-1 {
				cc = anthropic.NewCacheControlEphemeralParam()
			}
			switch b := &msgs[i].Content[j]; {
			case b.OfToolResult != nil:
				b.OfToolResult.CacheControl = cc
			case b.OfText != nil:
				b.OfText.CacheControl = cc
			}
		}
	}
}

// resultText is the tool result for a submitted answer.
func resultText(err error) string {
	if err != nil {
		return repairText(err)
	}
	return "ok"
}

// anthropicTools converts the lookup tools to Anthropic tool definitions.
func anthropicTools(t Tools) []anthropic.ToolUnionParam {
	if t == nil {
		return nil
	}
	var out []anthropic.ToolUnionParam
	for _, spec := range t.Specs() {
		req, _ := spec.InputSchema["required"].([]string)
		out = append(out, anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
			Name:        spec.Name,
			Description: anthropic.String(spec.Description),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: spec.InputSchema["properties"], Required: req},
		}})
	}
	return out
}

// OpenAI is the backend of SYMPOSIUM_AGENT=openai: Chat Completions with a
// JSON-schema response format, against OpenAI or any compatible server.
type OpenAI struct {
	client    openai.Client
	model     string
	maxTokens int64
}

// NewOpenAI returns the OpenAI backend. The SDK also reads OPENAI_API_KEY
// and OPENAI_BASE_URL; explicit values in cfg win.
func NewOpenAI(cfg Config) *OpenAI {
	opts := []ooption.RequestOption{ooption.WithMaxRetries(cfg.maxRetries())}
	if cfg.RequestTimeout > 0 {
		opts = append(opts, ooption.WithRequestTimeout(cfg.RequestTimeout))
	}
	if cfg.OpenAIAPIKey != "" {
		opts = append(opts, ooption.WithAPIKey(cfg.OpenAIAPIKey))
	}
	if cfg.OpenAIBaseURL != "" {
		opts = append(opts, ooption.WithBaseURL(cfg.OpenAIBaseURL))
	}
	model := cfg.Model
	if model == "" {
		model = DefaultOpenAIModel
	}
	return &OpenAI{client: openai.NewClient(opts...), model: model, maxTokens: int64(cfg.maxOutputTokens())}
}

// Review asks for a review, with one repair round for a malformed answer.
func (o *OpenAI) Review(ctx context.Context, req Request) (Response, error) {
	p, err := BuildPrompt(req)
	if err != nil {
		return Response{}, err
	}
	params := openai.ChatCompletionNewParams{
		Model:               shared.ChatModel(o.model),
		MaxCompletionTokens: openai.Int(o.maxTokens),
		Messages:            []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(p.System), openai.UserMessage(p.User)},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "review", Strict: openai.Bool(true), Schema: schemaMap()},
		}},
		Tools: openAITools(req.Tools),
	}
	loop := newToolLoop(req, p)
	var usage Usage
	var lastErr error
	for repairs := 0; ; {
		c, err := o.client.Chat.Completions.New(ctx, params)
		if err != nil {
			return Response{Usage: usage}, fmt.Errorf("%w: openai chat completions: %w", ErrUnavailable, err)
		}
		usage = usage.Add(priced(o.model, Usage{InputTokens: c.Usage.PromptTokens, OutputTokens: c.Usage.CompletionTokens,
			CacheReadTokens: c.Usage.PromptTokensDetails.CachedTokens}))
		if len(c.Choices) > 0 && len(c.Choices[0].Message.ToolCalls) > 0 {
			msg := c.Choices[0].Message
			params.Messages = append(params.Messages, msg.ToParam())
			for _, tc := range msg.ToolCalls {
				text, _ := loop.call(ctx, tc.Function.Name, json.RawMessage(tc.Function.Arguments))
				params.Messages = append(params.Messages, openai.ToolMessage(text, tc.ID))
			}
			if loop.rounds++; loop.rounds > MaxToolCalls+2 {
				lastErr = fmt.Errorf("no answer after %d tool rounds", loop.rounds)
				break
			}
			if loop.done() {
				params.Tools = nil // answer now
			}
			continue
		}
		content := ""
		if len(c.Choices) > 0 {
			content = c.Choices[0].Message.Content
		}
		var resp Response
		if json.Valid([]byte(content)) {
			resp, lastErr = ParseResponse([]byte(content))
		} else {
			resp, lastErr = ExtractResponse(content)
		}
		if lastErr == nil {
			resp.Usage = usage
			return resp, nil
		}
		if repairs++; repairs > 1 {
			break
		}
		params.Messages = append(params.Messages, openai.AssistantMessage(content), openai.UserMessage(repairText(lastErr)))
	}
	return Response{Usage: usage}, fmt.Errorf("%w: answer still malformed after a repair round: %w", ErrUnavailable, lastErr)
}

// openAITools converts the lookup tools to function definitions.
func openAITools(t Tools) []openai.ChatCompletionToolUnionParam {
	if t == nil {
		return nil
	}
	var out []openai.ChatCompletionToolUnionParam
	for _, spec := range t.Specs() {
		out = append(out, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:        spec.Name,
			Description: openai.String(spec.Description),
			Parameters:  shared.FunctionParameters(spec.InputSchema),
		}))
	}
	return out
}
