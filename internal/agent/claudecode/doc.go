// Package claudecode checks Symposium's ACP client against real peers,
// offline: the published Claude Code ACP adapter
// (@agentclientprotocol/claude-agent-acp, pinned 0.101.0) with its model
// calls answered by [Fake], a scripted Anthropic Messages server, and a
// minimal agent written with the official TypeScript SDK
// (testdata/acp-ts-agent). .ci/install-agents installs both into
// $SYMPOSIUM_AGENT_CACHE (default ~/.cache/symposium/agents); the tests run
// it when they are missing and skip, saying so, only when npm is unreachable.
//
// What the adapter does, as observed against the fake:
//
//   - Environment: ANTHROPIC_API_KEY (any value), ANTHROPIC_BASE_URL (the
//     fake), CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, DISABLE_TELEMETRY=1;
//     as root it needs IS_SANDBOX=1. It writes state under $HOME/.claude.
//   - session/new answers configOptions (mode, model, effort, fast) and the
//     mode starts as "auto": edits are applied without asking and shell
//     commands are judged by Claude's own classifier (extra non-streamed
//     requests to a second model, "You are a security monitor…"). No
//     permission request reaches the client. A client that wants to decide
//     must call session/set_mode "default" ("Manual") after session/new.
//     Settings in the checkout (.claude/settings.json: permissions.allow,
//     defaultMode) are read too, so a pull request can pre-approve tools.
//   - Each prompt makes several POST /v1/messages?beta=true requests, all
//     with "stream": true: a title request first (no tools, system prompt
//     "You are naming a coding session…"), then the agent loop, which
//     declares the tools Agent, Bash, Edit, Read, Write, Skill, ToolSearch,
//     ReportFindings, … and resends the whole conversation with each
//     tool_result. The model is "claude-opus-5-5" unless set.
//   - Claude Code reads, edits and runs commands itself, in its own process
//     and working directory. It never calls fs/read_text_file,
//     fs/write_text_file or terminal/* even when the client advertises them,
//     so edits land in the session's cwd (a scratch copy must be diffed to
//     get them) and allowed commands run wherever the adapter runs.
//   - In "default" mode, reads inside cwd need no permission; a read outside
//     it (kind "read", locations [/etc/passwd]), every edit (kind "edit",
//     with locations and a diff content) and every command (kind "execute",
//     rawInput {"command": …, "description": …}) ask
//     session/request_permission with options allow_once "allow-once",
//     allow_always "allow-with-updates" (not offered for some commands) and
//     reject_once "reject". A rejection comes back to the model as an
//     is_error tool_result "User refused permission to run tool".
//   - Updates: available_commands_update, config_option_update,
//     agent_message_chunk (the model's text, and product notices with
//     _meta.claudeCode.kind "informational" that are not the answer),
//     tool_call / tool_call_update (rawInput, rawOutput, _meta.claudeCode
//     toolName and toolResponse), usage_update {used, size} after each model
//     call and a last one with cost {amount, currency "USD"}.
//   - session/prompt ends with stopReason "end_turn" and usage
//     {inputTokens, outputTokens, totalTokens, cachedReadTokens,
//     cachedWriteTokens}, summed over the turn's model calls, with a per-model
//     breakdown under _meta.quota.
package claudecode
