// Reading a body without trusting its length: the one counted read the
// package's host glue uses (request bodies in auth.ts, documents in jwks.ts).

/**
 * At most the first `limit` bytes of `stream`, read chunk by chunk: once
 * `limit` bytes are in, the rest is cancelled, never read, whatever
 * Content-Length claimed. The caller decides what more than it allows means
 * (read one byte past the limit to tell). An absent stream is an empty body.
 */
export async function readUpTo(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = Math.min(value.byteLength, limit - size);
    chunks.push(take < value.byteLength ? value.subarray(0, take) : value);
    size += take;
  }
  if (size >= limit) reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
