// List filtering for Node servers: the response to a list request rewritten
// on its way out, by the core's filter (src/list_filter.rs,
// src/event_stream.rs), exactly as the gateway does it. This only wraps the
// response's write calls: a JSON answer is collected and passed through the
// filter once; an event stream is passed through chunk by chunk.

import { coreOf } from './cores.js';
import { holder, type Validator } from './validator.js';
import type { AuthInfo } from './types.js';

/** The parts of Node's http.ServerResponse the filter wraps. */
export interface WritableResponse {
  writeHead(status: number, ...rest: unknown[]): unknown;
  write(chunk: unknown, ...rest: unknown[]): boolean;
  end(...args: unknown[]): unknown;
  getHeader(name: string): unknown;
  removeHeader(name: string): void;
}

const utf8 = new TextEncoder();
/** A written chunk as bytes (servers write JSON-RPC as UTF-8 text or bytes). */
const bytes = (chunk: unknown): Uint8Array => (chunk instanceof Uint8Array ? chunk : typeof chunk === 'string' ? utf8.encode(chunk) : new Uint8Array());

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The media type of a Content-Type value, without parameters, in lower case. */
const essence = (value: unknown) => String(value ?? '').split(';')[0].trim().toLowerCase();

/**
 * Rewrites `res` so that the answers to the list requests of `body` keep only
 * what `authInfo` could use. Does nothing when the body asks for no list.
 */
export function filterResponse(validator: Validator, authInfo: AuthInfo, body: string | Uint8Array, res: WritableResponse): void {
  const filter = coreOf(validator).listFilter(holder(authInfo), typeof body === 'string' ? utf8.encode(body) : body);
  if (!filter) return;
  const { writeHead, write, end } = { writeHead: res.writeHead.bind(res), write: res.write.bind(res), end: res.end.bind(res) };
  let mode: 'json' | 'events' | 'pass' | undefined;
  const held: Uint8Array[] = [];
  /** Decides from the Content-Type once, before the first byte goes out; a rewritten body has no fixed length. */
  const decide = (headers?: unknown) => {
    if (mode) return;
    const fromArgs = headers && typeof headers === 'object' ? Object.entries(headers as Record<string, unknown>).find(([k]) => k.toLowerCase() === 'content-type')?.[1] : undefined;
    const type = essence(fromArgs ?? res.getHeader('content-type'));
    mode = type === 'application/json' ? 'json' : type === 'text/event-stream' ? 'events' : 'pass';
    if (mode === 'pass') return filter.free();
    res.removeHeader('content-length');
    if (headers && typeof headers === 'object') {
      for (const k of Object.keys(headers as Record<string, unknown>)) if (k.toLowerCase() === 'content-length') delete (headers as Record<string, unknown>)[k];
    }
  };
  res.writeHead = (status: number, ...rest: unknown[]) => {
    decide(rest.find((r) => r && typeof r === 'object'));
    return writeHead(status, ...rest);
  };
  res.write = (chunk: unknown, ...rest: unknown[]) => {
    decide();
    if (mode === 'pass') return write(chunk, ...rest);
    const data = bytes(chunk);
    if (mode === 'json') {
      held.push(data);
      return true;
    }
    const out = filter.push(data);
    return out.length ? write(out) : true;
  };
  res.end = (...args: unknown[]) => {
    decide();
    if (mode === 'pass') return end(...args);
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const last = bytes(chunk);
    let out: Uint8Array;
    if (mode === 'json') {
      held.push(last);
      const all = concat(held);
      out = filter.message(all) ?? all;
    } else {
      out = concat([filter.push(last), filter.finish()]);
    }
    filter.free();
    return end(out);
  };
}
