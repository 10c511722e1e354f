// QUEUE: how long a failed event waits before its next attempt. Exponential, capped, with "equal
// jitter" (half fixed, half random) so a burst of failures does not retry in lockstep
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
const maxDelayMs = 60 * 60 * 1000;

/** `attempt` is the attempt that just failed, from 1. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
