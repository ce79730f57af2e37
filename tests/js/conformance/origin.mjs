#!/usr/bin/env node
/**
 * conformance/origin.mjs: an MCP server that implements what the server
 * scenarios of `@modelcontextprotocol/conformance` 0.1.16 check, so the suite
 * can be run against it directly and through the mcp-edge-auth gateway.
 * Written from the scenario checks; needs only @modelcontextprotocol/sdk
 * 1.32.2, express 5.3.0 and zod 4.6.7.
 *
 * Transport: Streamable HTTP at /mcp on 127.0.0.1 only. It is stateful, with
 * one SDK transport and one low-level `Server` per session. POST answers come
 * as SSE streams. GET opens the standalone SSE stream and DELETE ends a
 * session. An in-memory event store lets clients resume with Last-Event-ID.
 *
 * DNS rebinding: the Host header must name this server (127.0.0.1:PORT or
 * localhost:PORT) or one of the `allowedHosts` (a gateway in front of it);
 * anything else gets a 403 before the body is read.
 *
 * Use:
 *   import { startConformanceServer } from './origin.mjs';
 *   const { url, close } = await startConformanceServer({ port: 0, allowedHosts: ['127.0.0.1:8788'] });
 * or standalone:
 *   PORT=0 ALLOWED_HOSTS=127.0.0.1:8788 node origin.mjs
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { z } from 'zod';
// The low-level Server is used instead of McpServer because McpServer emits
// draft-07 tool schemas, but json-schema-2020-12 needs exact 2020-12
// inputSchemas ($schema, $defs, additionalProperties).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  LoggingLevelSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

const MCP_PATH = '/mcp';
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost'];
// JSON-RPC error code that the MCP spec assigns to "resource not found".
const RESOURCE_NOT_FOUND = -32002;
// Sent in the SSE `retry:` field: how long a client waits before reconnecting
// after the server closes a stream (SEP-1699 polling).
const SSE_RETRY_MS = 500;
// Each session keeps at most this many events for replay, so a long-lived
// session cannot grow without bound.
const MAX_EVENTS_PER_SESSION = 1000;

// ---------------------------------------------------------------------------
// Test payloads
// ---------------------------------------------------------------------------

// A 1x1 opaque red PNG (RGBA), used wherever an image is expected.
const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

// A short silent WAV (8 kHz, mono, 8-bit PCM), base64-encoded.
function silentWavBase64(sampleCount = 800) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + sampleCount, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(8000, 28); // byte rate
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(sampleCount, 40);
  // 8-bit PCM is unsigned, so silence is 128.
  return Buffer.concat([header, Buffer.alloc(sampleCount, 128)]).toString('base64');
}
const SILENT_WAV = silentWavBase64();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const textContent = (text) => ({ type: 'text', text });

// ---------------------------------------------------------------------------
// Tools. Each tool has a zod schema for its arguments. The schema advertised
// in tools/list is generated from it as JSON Schema 2020-12.
// ---------------------------------------------------------------------------

// Named sub-schemas that the generator puts into `$defs`.
const schemaDefs = z.registry();
const addressSchema = z.object({ street: z.string().optional(), city: z.string().optional() });
schemaDefs.add(addressSchema, { id: 'address' });

const NO_ARGS = z.object({});

// Requested schemas for the elicitation tools. These are literal JSON because
// the scenarios inspect the exact shapes.
const CONTACT_FORM = {
  type: 'object',
  properties: {
    username: { type: 'string', description: "User's response" },
    email: { type: 'string', description: "User's email address" },
  },
  required: ['username', 'email'],
};
const DEFAULTS_FORM = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Full name', default: 'John Doe' },
    age: { type: 'integer', description: 'Age in years', default: 30 },
    score: { type: 'number', description: 'Score', default: 95.5 },
    status: { type: 'string', description: 'Account status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', description: 'Verified account', default: true },
  },
};
const ENUMS_FORM = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
    titledMulti: {
      type: 'array',
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
};

// Asks the calling client to fill in `requestedSchema`. The request goes out
// on the tool call's own SSE stream.
async function elicit({ server, extra }, message, requestedSchema) {
  const result = await server.elicitInput({ message, requestedSchema }, { relatedRequestId: extra.requestId });
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

const TOOLS = [
  // tools-call-simple-text
  {
    name: 'test_simple_text',
    description: 'Returns a simple text response',
    args: NO_ARGS,
    run: () => ({ content: [textContent('This is a simple text response for testing.')] }),
  },
  // tools-call-image
  {
    name: 'test_image_content',
    description: 'Returns a 1x1 PNG image',
    args: NO_ARGS,
    run: () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
  },
  // tools-call-audio
  {
    name: 'test_audio_content',
    description: 'Returns a short silent WAV clip',
    args: NO_ARGS,
    run: () => ({ content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }] }),
  },
  // tools-call-embedded-resource
  {
    name: 'test_embedded_resource',
    description: 'Returns an embedded text resource',
    args: NO_ARGS,
    run: () => ({
      content: [
        {
          type: 'resource',
          resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
        },
      ],
    }),
  },
  // tools-call-mixed-content
  {
    name: 'test_multiple_content_types',
    description: 'Returns text, image and embedded resource content together',
    args: NO_ARGS,
    run: () => ({
      content: [
        textContent('Multiple content types test:'),
        { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  },
  // tools-call-with-logging
  {
    name: 'test_tool_with_logging',
    description: 'Sends three info log notifications while it runs',
    args: NO_ARGS,
    run: async (ctx) => {
      await ctx.log('info', 'Tool execution started');
      await sleep(50);
      await ctx.log('info', 'Tool processing data');
      await sleep(50);
      await ctx.log('info', 'Tool execution completed');
      return { content: [textContent('Logging test completed: sent 3 log messages')] };
    },
  },
  // tools-call-error
  {
    name: 'test_error_handling',
    description: 'Always fails with a tool error',
    args: NO_ARGS,
    run: () => {
      throw new Error('This tool intentionally returns an error for testing');
    },
  },
  // tools-call-with-progress
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50 and 100 of 100 when given a progress token',
    args: NO_ARGS,
    run: async ({ extra }) => {
      const progressToken = extra._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50);
        if (progressToken !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
        }
      }
      return { content: [textContent('Progress test completed')] };
    },
  },
  // tools-call-sampling
  {
    name: 'test_sampling',
    description: 'Asks the client for an LLM completion of the given prompt',
    args: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    run: async ({ server, extra, args }) => {
      // Without this check the client would answer "Method not found". This
      // gives a clearer error. (elicitInput checks its capability itself.)
      if (!server.getClientCapabilities()?.sampling) throw new Error('Client does not support sampling');
      const result = await server.createMessage(
        { messages: [{ role: 'user', content: textContent(args.prompt) }], maxTokens: 100 },
        { relatedRequestId: extra.requestId },
      );
      const reply = result.content.type === 'text' ? result.content.text : JSON.stringify(result.content);
      return { content: [textContent(`LLM response: ${reply}`)] };
    },
  },
  // tools-call-elicitation
  {
    name: 'test_elicitation',
    description: 'Asks the user (via the client) for a username and email',
    args: z.object({ message: z.string().describe('The message to show the user') }),
    run: async (ctx) => ({ content: [textContent(`User response: ${await elicit(ctx, ctx.args.message, CONTACT_FORM)}`)] }),
  },
  // elicitation-sep1034-defaults
  {
    name: 'test_elicitation_sep1034_defaults',
    description: 'Elicits a form whose fields all carry default values',
    args: NO_ARGS,
    run: async (ctx) => ({
      content: [textContent(`Elicitation completed: ${await elicit(ctx, 'Please review your profile', DEFAULTS_FORM)}`)],
    }),
  },
  // elicitation-sep1330-enums
  {
    name: 'test_elicitation_sep1330_enums',
    description: 'Elicits a form using every enum variant (untitled, titled, legacy, multi-select)',
    args: NO_ARGS,
    run: async (ctx) => ({
      content: [textContent(`Elicitation completed: ${await elicit(ctx, 'Please choose your options', ENUMS_FORM)}`)],
    }),
  },
  // json-schema-2020-12
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    args: z.strictObject({ name: z.string().optional(), address: addressSchema.optional() }),
    run: ({ args }) => ({ content: [textContent(`Received: ${JSON.stringify(args)}`)] }),
  },
  // server-sse-polling
  {
    name: 'test_reconnection',
    description: 'Closes its SSE stream mid-call so the client must reconnect to get the result',
    args: NO_ARGS,
    run: async ({ extra }) => {
      // The SDK only offers closeSSEStream when the client negotiated
      // 2025-11-25 or later and an event store is configured. Otherwise the
      // result is sent on the open stream.
      if (extra.closeSSEStream) {
        extra.closeSSEStream();
        await sleep(100);
      }
      return { content: [textContent('Reconnection test completed')] };
    },
  },
];

const toolsByName = new Map(TOOLS.map((tool) => [tool.name, tool]));
const toolListing = TOOLS.map(({ name, description, args }) => ({
  name,
  description,
  inputSchema: z.toJSONSchema(args, { io: 'input', metadata: schemaDefs }),
}));

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

const STATIC_RESOURCES = [
  // resources-read-text
  {
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
    text: 'This is the content of the static text resource.',
  },
  // resources-read-binary
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static binary resource (PNG image)',
    mimeType: 'image/png',
    blob: RED_PIXEL_PNG,
  },
  // resources-subscribe, resources-unsubscribe
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource clients can subscribe to',
    mimeType: 'text/plain',
    text: 'Watched resource content.',
  },
];
const staticByUri = new Map(STATIC_RESOURCES.map((resource) => [resource.uri, resource]));

// resources-templates-read
const DATA_TEMPLATE = {
  uriTemplate: 'test://template/{id}/data',
  name: 'template-data',
  description: 'JSON data for the item with the given id',
  mimeType: 'application/json',
};
const DATA_TEMPLATE_PATTERN = /^test:\/\/template\/([^/]+)\/data$/;

// Returns the contents of a resource URI, or undefined if there is none.
function readResourceContents(uri) {
  const resource = staticByUri.get(uri);
  if (resource) {
    const { text, blob, mimeType } = resource;
    return text !== undefined ? { uri, mimeType, text } : { uri, mimeType, blob };
  }
  const match = DATA_TEMPLATE_PATTERN.exec(uri);
  if (match) {
    const id = decodeURIComponent(match[1]);
    return { uri, mimeType: DATA_TEMPLATE.mimeType, text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) };
  }
  return undefined;
}

function requireResource(uri) {
  const contents = readResourceContents(uri);
  if (!contents) throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
  return contents;
}

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

const PROMPTS = [
  // prompts-get-simple
  {
    name: 'test_simple_prompt',
    description: 'A prompt without arguments',
    arguments: [],
    render: () => [{ role: 'user', content: textContent('This is a simple prompt for testing.') }],
  },
  // prompts-get-with-args, completion-complete
  {
    name: 'test_prompt_with_arguments',
    description: 'A prompt that substitutes two arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
    render: ({ arg1, arg2 }) => [
      { role: 'user', content: textContent(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`) },
    ],
  },
  // prompts-get-embedded-resource
  {
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt that embeds the resource named by resourceUri',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
    render: ({ resourceUri }) => [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
        },
      },
      { role: 'user', content: textContent('Please process the embedded resource above.') },
    ],
  },
  // prompts-get-with-image
  {
    name: 'test_prompt_with_image',
    description: 'A prompt that carries an image',
    arguments: [],
    render: () => [
      { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
      { role: 'user', content: textContent('Please analyze the image above.') },
    ],
  },
];
const promptsByName = new Map(PROMPTS.map((prompt) => [prompt.name, prompt]));

// completion-complete: candidate values per prompt argument and per template
// variable. Completion returns the candidates that start with the typed value.
const PROMPT_COMPLETIONS = {
  test_prompt_with_arguments: {
    arg1: ['paris', 'park', 'party', 'test', 'testing', 'test-value'],
    arg2: ['alpha', 'beta', 'gamma'],
  },
};
const TEMPLATE_COMPLETIONS = {
  [DATA_TEMPLATE.uriTemplate]: { id: ['1', '2', '3', '42', '123'] },
};

function completionCandidates(ref, argumentName) {
  if (ref.type === 'ref/prompt') return PROMPT_COMPLETIONS[ref.name]?.[argumentName] ?? [];
  if (ref.type === 'ref/resource') return TEMPLATE_COMPLETIONS[ref.uri]?.[argumentName] ?? [];
  return [];
}

// ---------------------------------------------------------------------------
// One MCP Server per session
// ---------------------------------------------------------------------------

const LOG_SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]));

function createMcpServer() {
  const server = new Server(
    { name: 'mcp-edge-auth-conformance-server', version: '1.0.0' },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true },
        prompts: {},
        completions: {},
        logging: {},
      },
    },
  );
  // Session state: the level set by logging/setLevel, and subscribed URIs.
  // No resource here ever changes, so subscriptions are recorded (as the spec
  // asks) but never lead to notifications/resources/updated.
  const session = { logLevel: undefined, subscriptions: new Set() };

  // logging-set-level. This replaces the SDK's built-in handler so the tools
  // can filter on the level themselves.
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    session.logLevel = request.params.level;
    return {};
  });

  // tools-list, json-schema-2020-12
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolListing }));

  // every tools-call-* scenario, elicitation-sep1034-defaults, elicitation-sep1330-enums, server-sse-polling
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = toolsByName.get(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    // Log messages go on the tool call's own stream, at or above the session's level.
    const log = async (level, data) => {
      if (session.logLevel && LOG_SEVERITY.get(level) < LOG_SEVERITY.get(session.logLevel)) return;
      await extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'conformance-server', data } });
    };
    // Bad arguments and failures inside the tool become tool results with
    // isError: true, not JSON-RPC errors, so the model can see them.
    try {
      const parsed = tool.args.safeParse(request.params.arguments ?? {});
      if (!parsed.success) throw new Error(`Invalid arguments: ${z.prettifyError(parsed.error)}`);
      return await tool.run({ server, extra, args: parsed.data, log });
    } catch (error) {
      return { isError: true, content: [textContent(error instanceof Error ? error.message : String(error))] };
    }
  });

  // resources-list
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: STATIC_RESOURCES.map(({ uri, name, description, mimeType }) => ({ uri, name, description, mimeType })),
  }));
  // resources-templates-read (discovery)
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [DATA_TEMPLATE] }));
  // resources-read-text, resources-read-binary, resources-templates-read
  server.setRequestHandler(ReadResourceRequestSchema, (request) => ({ contents: [requireResource(request.params.uri)] }));
  // resources-subscribe
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    requireResource(request.params.uri);
    session.subscriptions.add(request.params.uri);
    return {};
  });
  // resources-unsubscribe
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    session.subscriptions.delete(request.params.uri);
    return {};
  });

  // prompts-list
  server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: PROMPTS.map(({ name, description, arguments: args }) => ({ name, description, arguments: args })),
  }));
  // prompts-get-simple, prompts-get-with-args, prompts-get-embedded-resource, prompts-get-with-image
  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = promptsByName.get(request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
    const args = request.params.arguments ?? {};
    const missing = prompt.arguments.filter((arg) => arg.required && args[arg.name] === undefined).map((arg) => arg.name);
    if (missing.length > 0) throw new McpError(ErrorCode.InvalidParams, `Missing required arguments: ${missing.join(', ')}`);
    return { description: prompt.description, messages: prompt.render(args) };
  });

  // completion-complete
  server.setRequestHandler(CompleteRequestSchema, (request) => {
    const { ref, argument } = request.params;
    const values = completionCandidates(ref, argument.name).filter((value) => value.startsWith(argument.value));
    return { completion: { values, total: values.length, hasMore: false } };
  });

  return server;
}

// ---------------------------------------------------------------------------
// Resumability: an in-memory event store, one per session
// ---------------------------------------------------------------------------

class InMemoryEventStore {
  #events = new Map(); // eventId -> { streamId, message }, in insertion order
  #counter = 0;

  async storeEvent(streamId, message) {
    const eventId = `${streamId}::${++this.#counter}`;
    this.#events.set(eventId, { streamId, message });
    if (this.#events.size > MAX_EVENTS_PER_SESSION) this.#events.delete(this.#events.keys().next().value);
    return eventId;
  }

  async getStreamIdForEventId(eventId) {
    return this.#events.get(eventId)?.streamId;
  }

  // Sends the events of lastEventId's stream that came after it, in order.
  async replayEventsAfter(lastEventId, { send }) {
    const streamId = this.#events.get(lastEventId)?.streamId;
    if (streamId === undefined) return '';
    let after = false;
    for (const [eventId, event] of this.#events) {
      if (eventId === lastEventId) {
        after = true;
      } else if (after && event.streamId === streamId && 'jsonrpc' in event.message) {
        // Priming events store an empty object. They only set the client's
        // cursor and are not sent again.
        await send(eventId, event.message);
      }
    }
    return streamId;
  }
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

function jsonRpcError(res, status, code, message) {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

// DNS-rebinding protection as MCP SDK servers usually have it (the SDK's
// Express app validates Host): the Host header must name this server.
// `allowed` is a Set of lowercase host:port values, filled in after listen(),
// once the real port is known. Origin is left alone, as those servers leave
// it: a gateway that replaced Host would switch this protection off.
function hostValidation(allowed) {
  return (req, res, next) => {
    const host = req.headers.host?.toLowerCase();
    if (!host || !allowed.has(host)) return jsonRpcError(res, 403, -32000, `Forbidden Host: ${host ?? '(none)'}`);
    next();
  };
}

/**
 * Starts the server. `allowedHosts` lists extra host:port values (for
 * example a gateway's) to accept in Host. Returns the /mcp
 * URL and an async close().
 */
export async function startConformanceServer({ port = 0, host = '127.0.0.1', allowedHosts = [] } = {}) {
  if (!LOOPBACK_HOSTS.includes(host)) throw new Error(`Refusing to listen on ${host}: loopback only (${LOOPBACK_HOSTS.join(', ')})`);

  const sessions = new Map(); // session id -> StreamableHTTPServerTransport
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));

  const app = express();
  app.disable('x-powered-by');
  // Host check first, so a foreign request is rejected before its body is read.
  app.use(hostValidation(allowed));
  app.use(express.json());

  app.post(MCP_PATH, async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = sessionId && sessions.get(sessionId);
    if (sessionId && !transport) return jsonRpcError(res, 404, -32001, 'Session not found');
    if (!transport) {
      if (!isInitializeRequest(req.body)) return jsonRpcError(res, 400, -32000, 'Bad Request: no session; send initialize first');
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        retryInterval: SSE_RETRY_MS,
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await createMcpServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });

  // GET opens (or, with Last-Event-ID, resumes) an SSE stream. DELETE ends the session.
  const handleSessionRequest = async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    const transport = sessionId && sessions.get(sessionId);
    if (!sessionId) return jsonRpcError(res, 400, -32000, 'Bad Request: missing Mcp-Session-Id');
    if (!transport) return jsonRpcError(res, 404, -32001, 'Session not found');
    await transport.handleRequest(req, res);
  };
  app.get(MCP_PATH, handleSessionRequest);
  app.delete(MCP_PATH, handleSessionRequest);

  const httpServer = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (error) => (error ? reject(error) : resolve(s)));
  });
  const actualPort = httpServer.address().port;
  for (const name of LOOPBACK_HOSTS) allowed.add(`${name}:${actualPort}`);

  return {
    url: `http://${host}:${actualPort}${MCP_PATH}`,
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((transport) => transport.close()));
      sessions.clear();
      // Open SSE streams would otherwise keep server.close() waiting.
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(() => resolve()));
    },
  };
}

// Standalone: PORT (default 0) and ALLOWED_HOSTS (comma-separated host:port).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await startConformanceServer({
    port: Number(process.env.PORT ?? 0),
    allowedHosts: (process.env.ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
  });
  console.log(url);
  const shutdown = () => close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
