// FORWARD: when a failed delivery is tried again. Exponential with "full jitter" (a random delay between
// zero and the exponential one), so the backlog of a destination that comes back is not sent in
// lockstep (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). A destination
// that says when to come back (Retry-After, RFC 9110 §10.2.3) is believed, within a cap.
const maxDelayMs = 60 * 60 * 1000;
/** A Retry-After further ahead than this is read as this: the deadline, not the destination, decides when to give up. */
export const maxRetryAfterMs = 60 * 60 * 1000;

/** `attempt` is the attempt that just failed, from 1; `retryAfterMs` what the destination asked for, if anything. */
export function forwardDelayMs(attempt: number, baseMs: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(maxRetryAfterMs, Math.max(0, retryAfterMs));
  const exponential = Math.min(maxDelayMs, baseMs * 2 ** Math.min(40, Math.max(0, attempt - 1)));
  return Math.round(random() * exponential);
}

/** Retry-After as milliseconds from `nowMs`: delay-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d{1,10}$/.test(value)) return Number(value) * 1000;
  // An HTTP-date names a day of the week; Date.parse would also take "5" or "2026" as a date.
  if (!/^[A-Za-z]{3},? /.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
