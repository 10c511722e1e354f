// HTTP (admin): the fields of an admin form post, read once, under a small cap, and only when asked for:
// the guard asks after it knows the caller, so an unauthenticated body is never read (issue 8, item 10).
// Routes use `parse: "none"`: Elysia would otherwise read and parse every body before any hook runs.
import { readBody } from "../body.ts";

/** Admin forms are a few hundred bytes (a token, a CSRF token, filters); 64 KiB leaves room without inviting bulk. */
export const maxFormBytes = 64 * 1024;

export type Form = { ok: true; fields: URLSearchParams } | { ok: false; status: 400 | 413; error: string };

/** Reads the body at most once per request, whoever asks first. */
export function lazyForm(request: Request): () => Promise<Form> {
  let form: Promise<Form> | undefined;
  return () => (form ??= readForm(request));
}

/** What browsers and htmx send (urlencoded or multipart), or a JSON object from a script; string fields only. */
async function readForm(request: Request): Promise<Form> {
  const body = await readBody(request, maxFormBytes);
  if (!body.ok) return { ok: false, status: 413, error: `an admin form must be at most ${maxFormBytes} bytes` };
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const fields = new URLSearchParams();
  try {
    if (type === "application/x-www-form-urlencoded") return { ok: true, fields: new URLSearchParams(new TextDecoder().decode(body.bytes)) };
    if (type === "multipart/form-data") {
      const parsed = await new Response(new Uint8Array(body.bytes), { headers: { "content-type": request.headers.get("content-type")! } }).formData();
      parsed.forEach((value, key) => typeof value === "string" && fields.append(key, value));
    } else if (type === "application/json" && body.bytes.byteLength > 0) {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(body.bytes));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        for (const [key, value] of Object.entries(parsed)) if (typeof value === "string") fields.append(key, value);
      }
    }
  } catch {
    return { ok: false, status: 400, error: `the ${type} body could not be parsed` };
  }
  return { ok: true, fields };
}
