// FORWARD: one delivery of a stored event to a destination, and what its answer means. The body goes
// byte for byte; the sender's headers that hookport kept go under `x-hookport-original-<name>`; hookport
// signs with the destination's Standard Webhooks secret, with a `webhook-id` that is the same at every
// attempt of one event to one destination, so the app can drop repeats (delivery is at least once).
import { createHash } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { Destination } from "../destinations.ts";
import type { ForwardJob } from "../store/forwarding.ts";
import { parseRetryAfter } from "./backoff.ts";

export const originalHeaderPrefix = "x-hookport-original-";
/** What an attempt keeps of the response body: enough to see the app's error, not a copy of its page. */
export const responseStartBytes = 1024;

export type DeliveryResult = {
  /** delivered: 2xx. refused: the app answered no (3xx, 4xx but 408/429): kept, retried, not counted by the breaker. down: no answer, 5xx, 408 or 429. */
  kind: "delivered" | "refused" | "down";
  status: number | null;
  responseStart: string | null;
  durationMs: number;
  /** What went wrong, for last_error; null when delivered. */
  error: string | null;
  retryAfterMs: number | null;
};

/** Stable per event and destination: every attempt, replay included, carries the same id. */
export function deliveryId(destination: string, source: string, eventId: string): string {
  return `msg_${createHash("sha256").update(`${destination}\u0000${source}\u0000${eventId}`).digest("base64url").slice(0, 32)}`;
}

/** The request for one attempt. Pure but for the signature's HMAC. */
export function forwardRequest(destination: Destination, signer: Webhook, job: ForwardJob, now: Date): { url: string; init: RequestInit } {
  const id = deliveryId(destination.name, job.source, job.eventId);
  const headers = new Headers({
    "content-type": job.headers["content-type"] ?? "application/json",
    "user-agent": "hookport",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signer.sign(id, now, Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength)),
    "x-hookport-source": job.source,
    "x-hookport-event-id": headerValue(job.eventId),
    "x-hookport-event-type": headerValue(job.eventType),
    "x-hookport-attempt": String(job.attempt),
  });
  for (const [name, value] of Object.entries(job.headers)) headers.set(`${originalHeaderPrefix}${name}`, headerValue(value));
  return { url: destination.url, init: { method: "POST", headers, body: job.body, redirect: "manual" } };
}

/**
 * Header values were stored as UTF-8 text (webhooks.ts); on the wire they are bytes, one per character.
 * CR, LF and NUL can never be in a header (RFC 9110 §5.5): they become spaces.
 */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : Buffer.from(value.replace(/[\r\n\0]/g, " "), "utf8").toString("latin1");
}

/** Sends one attempt and classifies the answer. Never throws: a network error or timeout is a `down` result. */
export async function deliver(
  destination: Destination,
  signer: Webhook,
  job: ForwardJob,
  { signal, fetch = globalThis.fetch, now = () => new Date() }: { signal?: AbortSignal; fetch?: typeof globalThis.fetch; now?: () => Date } = {},
): Promise<DeliveryResult> {
  const started = performance.now();
  let request: ReturnType<typeof forwardRequest>;
  try {
    request = forwardRequest(destination, signer, job, now());
  } catch (err) {
    // A stored header no HTTP request can carry: this event's problem, not the destination's.
    return { kind: "refused", status: null, responseStart: null, durationMs: 0, error: `cannot build the request: ${(err as Error).message}`, retryAfterMs: null };
  }
  const { url, init } = request;
  const timeout = AbortSignal.timeout(destination.timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const responseStart = await readStart(response);
    const durationMs = Math.round(performance.now() - started);
    return { ...classify(response.status, response.headers.get("retry-after"), now().getTime()), responseStart, durationMs };
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    const timedOut = timeout.aborted;
    const error = timedOut ? `no answer within ${destination.timeoutMs} ms` : `cannot reach ${new URL(url).host}: ${(err as Error).message}`;
    return { kind: "down", status: null, responseStart: null, durationMs, error, retryAfterMs: null };
  }
}

/** What a status means for the job and for the breaker. */
export function classify(status: number, retryAfter: string | null, nowMs: number): Omit<DeliveryResult, "responseStart" | "durationMs"> {
  if (status >= 200 && status < 300) return { kind: "delivered", status, error: null, retryAfterMs: null };
  if (status >= 500 || status === 429 || status === 408) {
    return { kind: "down", status, error: `HTTP ${status}`, retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
  }
  const hint = status >= 300 && status < 400 ? " (redirects are not followed: point the destination at the final URL)" : "";
  return { kind: "refused", status, error: `HTTP ${status}${hint}`, retryAfterMs: null };
}

/** The first KiB of the body as text; the rest is not read (the connection is let go). */
async function readStart(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < responseStartBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  if (size === 0) return null;
  const bytes = Buffer.concat(chunks).subarray(0, responseStartBytes);
  // A cut through a multi-byte character leaves a U+FFFD at the end, which PostgreSQL's text takes; NUL it does not.
  return new TextDecoder().decode(bytes).replaceAll("\u0000", "\uFFFD");
}
