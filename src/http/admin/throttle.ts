// HTTP (admin): slows down guessing of the admin token, per client address. A few typos are free; after
// that every wrong token doubles the wait before the next try (1 s, 2 s, 4 s … up to 5 min), during which
// the address gets 429 even with the right token — that refusal is what makes guessing slow.
export type Throttle = {
  /** Seconds to wait before this address may try a token again; 0 when it may try now. */
  retryAfter(address: string): number;
  fail(address: string): void;
  succeed(address: string): void;
};

export type ThrottleOptions = {
  /** Unix seconds. */
  now: () => number;
  freeFailures?: number;
  maxDelaySeconds?: number;
  /** A quiet address is forgotten after this long. */
  forgetAfterSeconds?: number;
  /** Bounds memory when many addresses fail; the longest-quiet ones are forgotten first. */
  maxAddresses?: number;
};

type Entry = { failures: number; blockedUntil: number; lastFailure: number };

export function createThrottle({ now, freeFailures = 5, maxDelaySeconds = 300, forgetAfterSeconds = 900, maxAddresses = 10_000 }: ThrottleOptions): Throttle {
  const entries = new Map<string, Entry>();
  const current = (address: string): Entry | undefined => {
    const entry = entries.get(address);
    if (entry && now() - entry.lastFailure > forgetAfterSeconds) {
      entries.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    retryAfter(address) {
      const entry = current(address);
      return entry ? Math.max(0, Math.ceil(entry.blockedUntil - now())) : 0;
    },
    fail(address) {
      const entry = current(address) ?? { failures: 0, blockedUntil: 0, lastFailure: 0 };
      entry.failures++;
      entry.lastFailure = now();
      if (entry.failures > freeFailures) {
        entry.blockedUntil = now() + Math.min(2 ** (entry.failures - freeFailures - 1), maxDelaySeconds);
      }
      // Re-insert so the Map's order is least recently failed first.
      entries.delete(address);
      entries.set(address, entry);
      if (entries.size > maxAddresses) entries.delete(entries.keys().next().value!);
    },
    succeed(address) {
      entries.delete(address);
    },
  };
}
