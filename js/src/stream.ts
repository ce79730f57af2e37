// Reading a body without trusting its length: the one counted read the
// package's host glue uses (request bodies in auth.ts, key sets in jwks.ts).

/**
 * The bytes of `stream`, read chunk by chunk; null, with the rest of the
 * stream cancelled, as soon as more than `maxBytes` arrived, whatever
 * Content-Length claimed. An absent stream is an empty body.
 */
export async function readAtMost(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
