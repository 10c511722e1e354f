// RECEIVE: reads the raw request bytes under a size limit, refusing early when Content-Length says
// the body is too large and otherwise counting while reading (hono body-limit does the same, RFC 9110 §8.6).
export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; tooLarge: true };

export async function readBody(request: Request, limit: number): Promise<BodyResult> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return { ok: false, tooLarge: true };
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  if (declared >= 0) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limit ? { ok: false, tooLarge: true } : { ok: true, bytes };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { ok: false, tooLarge: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/**
 * Refuses any request whose declared Content-Length is over the limit, before a route parses it, with
 * the same JSON 413 and log line as the webhook routes. (Bun's own server-level limit sits higher,
 * see runtime/bun.ts, so that this answer, not Bun's bare one, is what senders see; Deno.serve has none.)
 */
export function rejectOversized(maxBytes: number, onRefuse: (declared: number, path: string) => Response) {
  return ({ request }: { request: Request }): Response | undefined => {
    const declared = Number(request.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) return onRefuse(declared, new URL(request.url).pathname);
  };
}
