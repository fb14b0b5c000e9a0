#!/usr/bin/env node
// A minimal ACP agent written with the official TypeScript SDK
// (@agentclientprotocol/sdk), the reference implementation of the protocol.
// Symposium's tests drive it with our Go client (github.com/coder/acp-go-sdk)
// to check that both agree on the wire: cancellation, permission requests,
// file-system requests, errors, usage reports.
//
// Plain ESM JavaScript, so no TypeScript compiler is needed. ESM ignores
// NODE_PATH, so set ACP_SDK to the SDK's entry file, as .ci/install-agents
// installs it: $SYMPOSIUM_AGENT_CACHE/node_modules/@agentclientprotocol/sdk/dist/v1/stable/acp.js
//
// The prompt's first word (or $ACP_TS_SCENARIO) picks the scenario:
//   answer            a notice, then a review as JSON, usage with cost, end_turn
//   permission CMD…   asks permission to run CMD (an "execute" tool call),
//                     says which option the client chose, end_turn
//   read PATH         fs/read_text_file PATH; says the content or the error
//   write PATH TEXT   fs/write_text_file PATH; says ok or the error
//   wait              streams a chunk, then waits for session/cancel: cancelled
//   error             fails the prompt with a JSON-RPC internal error
//   crash             exits the process in the middle of the prompt

const sdkEntry = process.env.ACP_SDK ?? "@agentclientprotocol/sdk";
const { agent, methods, ndJsonStream, RequestError, PROTOCOL_VERSION } = await import(sdkEntry);
import { Readable, Writable } from "node:stream";
import { randomUUID } from "node:crypto";

const sessions = new Map(); // sessionId -> { cancel: () => void }

function text(s) {
  return { type: "text", text: s };
}

async function say(ctx, sessionId, s) {
  await ctx.client.notify(methods.client.session.update, {
    sessionId,
    update: { sessionUpdate: "agent_message_chunk", content: text(s) },
  });
}

function promptText(params) {
  return params.prompt
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("\n")
    .trim();
}

const review = {
  summary: "One note from the TypeScript reference agent.",
  comments: [{ path: "src/lib.rs", line: 2, start_line: 0, severity: "note", body: "Consider `checked_add`." }],
  patches: [],
};

const scenarios = {
  async answer(ctx, sessionId) {
    await say(ctx, sessionId, "**Notice:** this is not part of the answer. {\"not\": \"ours\"}\n");
    await say(ctx, sessionId, "```json\n" + JSON.stringify(review));
    await say(ctx, sessionId, "\n```\n");
    await ctx.client.notify(methods.client.session.update, {
      sessionId,
      update: { sessionUpdate: "usage_update", used: 1234, size: 200000, cost: { amount: 0.0125, currency: "USD" } },
    });
    return {
      stopReason: "end_turn",
      usage: { inputTokens: 1000, outputTokens: 234, totalTokens: 1234 },
    };
  },

  async permission(ctx, sessionId, args) {
    const command = args.join(" ");
    const toolCallId = "call_" + randomUUID();
    await ctx.client.notify(methods.client.session.update, {
      sessionId,
      update: { sessionUpdate: "tool_call", toolCallId, title: command, kind: "execute", status: "pending", rawInput: { command } },
    });
    const res = await ctx.client.request(
      methods.client.session.requestPermission,
      {
        sessionId,
        toolCall: { toolCallId, title: command, kind: "execute", status: "pending", rawInput: { command } },
        options: [
          { optionId: "allow", name: "Yes", kind: "allow_once" },
          { optionId: "always", name: "Always", kind: "allow_always" },
          { optionId: "reject", name: "No", kind: "reject_once" },
        ],
      },
      { signal: ctx.signal },
    );
    const outcome = res.outcome.outcome === "selected" ? res.outcome.optionId : res.outcome.outcome;
    await ctx.client.notify(methods.client.session.update, {
      sessionId,
      update: { sessionUpdate: "tool_call_update", toolCallId, status: outcome === "allow" ? "completed" : "failed" },
    });
    await say(ctx, sessionId, `permission ${command}: ${outcome}`);
    return { stopReason: "end_turn" };
  },

  async read(ctx, sessionId, [path]) {
    try {
      const res = await ctx.client.request(methods.client.fs.readTextFile, { sessionId, path });
      await say(ctx, sessionId, `read ${path}: ${res.content}`);
    } catch (err) {
      await say(ctx, sessionId, `read ${path} failed: ${err.message}`);
    }
    return { stopReason: "end_turn" };
  },

  async write(ctx, sessionId, [path, ...content]) {
    try {
      await ctx.client.request(methods.client.fs.writeTextFile, { sessionId, path, content: content.join(" ") + "\n" });
      await say(ctx, sessionId, `write ${path}: ok`);
    } catch (err) {
      await say(ctx, sessionId, `write ${path} failed: ${err.message}`);
    }
    return { stopReason: "end_turn" };
  },

  async wait(ctx, sessionId) {
    await say(ctx, sessionId, "working…");
    await new Promise((resolve) => {
      sessions.get(sessionId).cancel = resolve;
      ctx.signal.addEventListener("abort", resolve);
    });
    return { stopReason: "cancelled" };
  },

  async error() {
    throw RequestError.internalError({ reason: "scripted failure" }, "the reference agent failed on purpose");
  },

  async crash(ctx, sessionId) {
    await say(ctx, sessionId, "about to crash");
    process.exit(3);
  },
};

const app = agent({ name: "symposium-acp-ts-agent" })
  .onRequest(methods.agent.initialize, () => ({
    protocolVersion: PROTOCOL_VERSION,
    agentCapabilities: { loadSession: false },
    authMethods: [],
    agentInfo: { name: "symposium-acp-ts-agent", version: "1.0.0" },
  }))
  .onRequest(methods.agent.session.new, () => {
    const sessionId = randomUUID();
    sessions.set(sessionId, { cancel: () => {} });
    return { sessionId };
  })
  .onRequest(methods.agent.session.prompt, async (ctx) => {
    const { sessionId } = ctx.params;
    if (!sessions.has(sessionId)) throw RequestError.sessionNotFound(sessionId);
    // ACP_TS_SCENARIO overrides the prompt, for clients that send their own
    // prompt (Symposium's acp backend sends a review request).
    const [name, ...args] = (process.env.ACP_TS_SCENARIO || promptText(ctx.params)).split(/\s+/);
    const scenario = scenarios[name];
    if (!scenario) throw RequestError.invalidParams({ prompt: name }, `unknown scenario ${JSON.stringify(name)}`);
    return scenario(ctx, sessionId, args);
  })
  .onNotification(methods.agent.session.cancel, (ctx) => {
    sessions.get(ctx.params.sessionId)?.cancel();
  });

const stream = ndJsonStream(Writable.toWeb(process.stdout), Readable.toWeb(process.stdin));
const conn = app.connect(stream);
await conn.closed;
