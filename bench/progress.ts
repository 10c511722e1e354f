// BENCH: how far the service has got, read from the outside (GET /metrics, the contract's counters), so
// the same bench measures any store layout behind the binary: end to end (until every received event
// is handled) and the backlog over a sustained run.
import { sleep, slope } from "./stats.ts";

export type Counts = {
  /** Deliveries answered "received": events the service now owes a handler run. */
  received: number;
  duplicate: number;
  /** Events whose handling is over: outcome processed or dead. A failed attempt is retried, so it does not finish one. */
  finished: number;
  failedAttempts: number;
};

export async function readCounts(port: number): Promise<Counts> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: Counts = { received: 0, duplicate: 0, finished: 0, failedAttempts: 0 };
  for (const line of text.split("\n")) {
    const m = /^(hookport_events_(?:received|handled)_total)\{([^}]*)\} ([\d.e+]+)$/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[2]!)?.[1];
    if (m[1] === "hookport_events_received_total") {
      if (label("status") === "received") counts.received += value;
      if (label("status") === "duplicate") counts.duplicate += value;
    } else {
      const outcome = label("outcome");
      if (outcome === "processed" || outcome === "dead") counts.finished += value;
      if (outcome === "failed") counts.failedAttempts += value;
    }
  }
  return counts;
}

export type CaughtUp = { at: number; counts: Counts } | { at: null; counts: Counts };

/**
 * Polls until every event answered "received" is finished (the load must be over, so the received count
 * no longer moves). `at` is the epoch ms of the first poll that saw it caught up, null at the timeout.
 */
export async function waitUntilHandled(port: number, { timeoutMs, intervalMs = 50 }: { timeoutMs: number; intervalMs?: number }): Promise<CaughtUp> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const counts = await readCounts(port);
    const at = Date.now();
    if (counts.finished >= counts.received) return { at, counts };
    if (performance.now() > deadline) return { at: null, counts };
    await sleep(intervalMs);
  }
}

export type Backlog = {
  /** Events received and not yet finished, sampled each second of the run. */
  samples: number[];
  max: number;
  last: number;
  /** Growth in events per second (least squares over the samples). */
  growthPerSecond: number;
};

/** Samples received − finished once a second until the returned function is called. */
export function sampleBacklog(port: number): () => Promise<Backlog> {
  const samples: number[] = [];
  const times: number[] = [];
  const started = performance.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(1000);
      if (!running) break;
      const c = await readCounts(port).catch(() => null);
      if (!c) continue;
      samples.push(c.received - c.finished);
      times.push((performance.now() - started) / 1000);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return { samples, max: Math.max(0, ...samples), last: samples.at(-1) ?? 0, growthPerSecond: slope(times, samples) };
  };
}
