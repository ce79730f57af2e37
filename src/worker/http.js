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

/** A response with the given status, headers (flat list) and body (a string or null). */
export function respond(status, flat, body) {
  return new Response(body ?? null, { status, headers: setAll(new Headers(), flat) });
}

/**
 * At most the first `limit` bytes of a request's or response's body, as an
 * ArrayBuffer, read chunk by chunk: once `limit` bytes are in, the rest of
 * the stream is cancelled, never read.
 */
export async function readUpTo(message, limit) {
  if (!message.body) return new ArrayBuffer(0);
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
 * copy with those headers set or appended, its body still a stream), or to the string
 * "timeout" when no response arrived within `timeoutMs` (the fetch is then
 * aborted); rejects when the origin cannot be reached. The timer stops when
 * the response starts, so a long event stream is never cut by it.
 */
export function forward(request, target, body, drop, dropAlso, dropPrefixes, add, timeoutMs, responseSet, responseAppend) {
  // A copy made by the platform, then the deletions: cheaper than copying
  // header by header. The names are collected before any is deleted (a
  // Headers iterator walks the live list and would skip one after a deletion).
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    const read = name.replaceAll('_', '-');
    if (drop.has(read) || dropAlso.includes(read) || dropPrefixes.some((prefix) => read.startsWith(prefix))) headers.delete(name);
  }
  setAll(headers, add);
  const controller = new AbortController();
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  const sent = fetch(target, { method: request.method, headers, body, redirect: 'manual', signal: controller.signal }).then((response) => {
    // Unchanged when there is nothing to add: the runtime then streams the
    // origin's body straight through.
    if (responseSet.length === 0 && responseAppend.length === 0) return response;
    const headers = setAll(new Headers(response.headers), responseSet);
    for (let i = 0; i + 1 < responseAppend.length; i += 2) headers.append(responseAppend[i], responseAppend[i + 1]);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  });
  return Promise.race([sent, timedOut]).finally(() => clearTimeout(timer));
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
