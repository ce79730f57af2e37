// The Worker's HTTP plumbing, called from src/worker/http.rs. Every decision
// is made in Rust (what to drop, what to add, where to send, how long to
// wait, how much to read); these functions only carry it out, each in one
// call from wasm instead of one wasm<->JS crossing per header and per field
// (the gateway's per-request cost).

/** Sets each pair of a flat [name, value, name, value, ...] list on `headers`; later names replace earlier ones. */
function setAll(headers, flat) {
  for (let i = 0; i + 1 < flat.length; i += 2) headers.set(flat[i], flat[i + 1]);
  return headers;
}

/**
 * The header fields `names` (a "\n"-separated list) of a request or a
 * response, as one "\n"-separated string with "\0" for an absent field: one
 * call instead of one per field. A field value never holds NUL, CR or LF
 * (Fetch §2.2: header value).
 */
export function fieldsOf(message, names) {
  // `headers` is a getter into the runtime: read once, not once per field.
  const headers = message.headers;
  return names
    .split('\n')
    .map((name) => headers.get(name) ?? '\0')
    .join('\n');
}

const utf8 = new TextEncoder();

/**
 * The request's method, URL and header fields `names`, as fieldsOf lists
 * them (a method or a serialized URL holds no line feed), encoded as UTF-8
 * once for every call of `handle`.
 */
function requestHead(request, names) {
  return utf8.encode(`${request.method}\n${request.url}\n${fieldsOf(request, names)}`);
}

/**
 * The Worker's fetch handler, driving the gateway (`handle`, exported by the
 * wasm module; `Sending` is its class for a forward in flight): the request
 * head is read here once, as `fields` lists; the body only when the gateway
 * asks for it by answering a number (read at most that many bytes, then ask
 * again with them). The gateway answers with a Response, a Promise of its
 * answer, or a `Sending`, which is handed the origin's response when it
 * arrives. Every decision is the gateway's; this only reads and waits, and
 * a step that did not wait costs no promise or closure of wasm-bindgen's.
 */
export async function serve(handle, fields, Sending, request, env, ctx) {
  const started = Date.now();
  const head = requestHead(request, fields);
  let next = handle(head, request, env, ctx, started, undefined);
  for (;;) {
    if (next instanceof Promise) next = await next;
    else if (typeof next === 'number') next = handle(head, request, env, ctx, started, await readUpTo(request, next));
    else if (next instanceof Sending) next = next.arrived(await next.response);
    else return next;
  }
}

/** A promise resolved after `ms` milliseconds, on this request's own timer. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A response with the given status, headers (flat list) and body (a string or null). */
export function respond(status, flat, body) {
  return new Response(body ?? null, { status, headers: setAll(new Headers(), flat) });
}

/**
 * At most the first `limit` bytes of a request's or response's body, as an
 * ArrayBuffer, read chunk by chunk: once `limit` bytes are in, the rest of
 * the stream is cancelled, never read.
 */
async function readUpTo(message, limit) {
  if (!message.body) return new ArrayBuffer(0);
  // A request that declares a Content-Length within the limit, and no
  // Transfer-Encoding, is read by the runtime in one call, not a read() per
  // chunk: then that header frames the body (RFC 9112 §6.3), so no more can
  // arrive. With both, Transfer-Encoding frames it (§6.3 item 3; workerd
  // reads a chunked body of any length under a small Content-Length), so
  // such a request is read counted below. Requests only: a fetched
  // response's Content-Encoding is decoded by the runtime, so there the
  // header does not bound what is read.
  const headers = message.headers;
  const declared = message instanceof Request && !headers.has('transfer-encoding') ? headers.get('content-length') : null;
  if (declared !== null && /^[0-9]{1,15}$/.test(declared) && Number(declared) < limit) {
    const whole = await message.arrayBuffer();
    // Counted all the same: the caller refuses a body that reaches the limit.
    return whole.byteLength < limit ? whole : whole.slice(0, limit);
  }
  const reader = message.body.getReader();
  const chunks = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value.byteLength > limit - size ? value.subarray(0, limit - size) : value);
    size += Math.min(value.byteLength, limit - size);
  }
  if (size >= limit) reader.cancel().catch(() => {});
  if (chunks.length === 1 && chunks[0].byteOffset === 0 && chunks[0].byteLength === chunks[0].buffer.byteLength) return chunks[0].buffer;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}

/**
 * GETs `url` as JSON within `timeoutMs` for the headers and the body, reading
 * at most `limit` bytes of it: `{status, body, cacheControl}`; rejects with
 * why when it cannot be had (network error, timeout).
 */
export async function fetchDocument(url, timeoutMs, limit) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: controller.signal });
    const body = await readUpTo(response, limit);
    return { status: response.status, body, cacheControl: response.headers.get('cache-control') };
  } catch (e) {
    throw new Error(controller.signal.aborted ? `${url} timed out after ${timeoutMs} ms` : `${url}: ${e?.message ?? e}`);
  } finally {
    clearTimeout(timer);
  }
}

/** A random UUID (the platform's CSPRNG) naming one forwarded request. */
export function requestId() {
  return crypto.randomUUID();
}

/**
 * Sends `request` on to `target`: its method, `body` (an ArrayBuffer or
 * null), its headers minus every name in the Set `drop` or in `dropAlso`
 * and every name starting with one of `dropPrefixes` (all lower case; a
 * name is compared with `_` read as `-`, as CGI-style origins read it),
 * plus `add` (flat list). Redirects are returned, not followed. Resolves to
 * the origin's response (with `responseSet` or `responseAppend` not empty, a
 * copy with those headers set or appended, its body still a stream), to the string
 * "timeout" when no response arrived within `timeoutMs` (the fetch is then
 * aborted), or to an Error saying why the origin could not be reached (it
 * never rejects). The timer stops when
 * the response starts, so a long event stream is never cut by it.
 */
export function forward(request, target, body, drop, dropAlso, dropPrefixes, add, timeoutMs, responseSet, responseAppend) {
  // A copy made by the platform, then the deletions: cheaper than copying
  // header by header. The names are collected before any is deleted (a
  // Headers iterator walks the live list and would skip one after a deletion).
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    const read = name.includes('_') ? name.replaceAll('_', '-') : name;
    if (drop.has(read) || dropAlso.includes(read) || startsWithAny(read, dropPrefixes)) headers.delete(name);
  }
  setAll(headers, add);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  return fetch(target, { method: request.method, headers, body, redirect: 'manual', signal: controller.signal }).then(
    (response) => {
      clearTimeout(timer);
      // Unchanged when there is nothing to add: the runtime then streams the
      // origin's body straight through.
      if (responseSet.length === 0 && responseAppend.length === 0) return response;
      const headers = setAll(new Headers(response.headers), responseSet);
      for (let i = 0; i + 1 < responseAppend.length; i += 2) headers.append(responseAppend[i], responseAppend[i + 1]);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
    (e) => {
      clearTimeout(timer);
      // Aborted by the timer: no response within timeoutMs.
      if (controller.signal.aborted) return 'timeout';
      return e instanceof Error ? e : new Error(String(e));
    },
  );
}

/** True if `name` starts with one of `prefixes`. */
function startsWithAny(name, prefixes) {
  for (const prefix of prefixes) if (name.startsWith(prefix)) return true;
  return false;
}

/**
 * Writes the decision log line with console.info once the response has been
 * handed back: a timer callback runs after the handler's promise settles, and
 * waitUntil keeps the request alive until it has run. The client does not
 * wait for the log.
 */
export function logAfterResponse(ctx, line) {
  ctx.waitUntil(new Promise((resolve) => setTimeout(() => resolve(console.info(line)), 0)));
}

/**
 * `response` with its event stream passed through `rewriter` (a Rust
 * EventStreamRewriter: `push(chunk)` returns the bytes to send, `finish()`
 * what is left at the end, `closeAtBoundary()` and `ended()` for the token's
 * expiry). At `deadlineMs` (epoch ms; null for none) the stream ends at the
 * next event boundary, or `graceMs` later if none comes; the origin's stream
 * is then cancelled. Status and headers are the origin's.
 */
export function pipeEvents(response, rewriter, deadlineMs, graceMs) {
  const reader = response.body.getReader();
  let timer;
  let closed = false;
  let controller;
  const end = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    try {
      controller.close();
    } catch {}
    reader.cancel().catch(() => {});
    rewriter.free();
  };
  const stream = new ReadableStream({
    start(c) {
      controller = c;
      if (deadlineMs === null || deadlineMs === undefined) return;
      timer = setTimeout(() => {
        if (closed) return;
        rewriter.closeAtBoundary();
        if (rewriter.ended()) end();
        else timer = setTimeout(end, graceMs);
      }, Math.max(0, deadlineMs - Date.now()));
    },
    async pull(c) {
      let read;
      try {
        read = await reader.read();
      } catch (e) {
        if (!closed) {
          closed = true;
          clearTimeout(timer);
          c.error(e);
          rewriter.free();
        }
        return;
      }
      if (closed) return;
      if (read.done) {
        const rest = rewriter.finish();
        if (rest.length) c.enqueue(rest);
        return end();
      }
      const out = rewriter.push(read.value);
      if (out.length) c.enqueue(out);
      if (rewriter.ended()) end();
    },
    cancel(reason) {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      reader.cancel(reason).catch(() => {});
      rewriter.free();
    },
  });
  return new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** `response` with `body` (bytes) in place of its own; its Content-Length goes (the platform sets the new one). */
export function withBody(response, body) {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** Asks the Rate Limiting binding `name` of `env` about `key`: resolves to true if the request is within the limit. */
export async function withinLimit(env, name, key) {
  const { success } = await env[name].limit({ key });
  return success;
}

/**
 * The var `name` of `env` as JSON text: a text var as it is, a JSON var (a
 * TOML table in wrangler.toml) serialized; null when it is not set.
 */
export function varAsJson(env, name) {
  const value = env[name];
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Writes `value` (a string) under `key` in the KV namespace `binding` of `env`, to expire after `ttlSeconds`. */
export function kvPut(env, binding, key, value, ttlSeconds) {
  return env[binding].put(key, value, { expirationTtl: ttlSeconds });
}

/** True if `env` has a Rate Limiting binding called `name` (something with a `limit` method). */
export function hasRateLimiter(env, name) {
  return typeof env[name]?.limit === 'function';
}

