// BENCH: what the database says after a run: every acknowledged event stored exactly once, how fast
// stored events became processed, how long each waited for a worker, and whether the backlog grew.
import type { Database } from "../src/store/db.ts";
import { percentile, slope } from "./stats.ts";

export type ExactlyOnce = {
  acked: number;
  stored: number;
  lost: number;
  doubled: number;
  /** Event ids answered `received` more than once (the contract allows exactly one). */
  receivedTwice: number;
  ok: boolean;
};

/** `acked` maps "source/eventId" to how its 2xx answers split into received and duplicate. */
export async function checkExactlyOnce(db: Database, acked: Map<string, { received: number; duplicate: number }>): Promise<ExactlyOnce> {
  const rows = await db.query<{ key: string; n: number }>("select source || '/' || event_id as key, count(*)::int as n from webhook_events group by 1");
  const stored = new Map(rows.map((r) => [r.key, Number(r.n)]));
  let lost = 0;
  let doubled = 0;
  let receivedTwice = 0;
  for (const [key, answers] of acked) {
    const n = stored.get(key) ?? 0;
    if (n === 0) lost++;
    if (n > 1) doubled++;
    if (answers.received > 1) receivedTwice++;
  }
  return { acked: acked.size, stored: rows.length, lost, doubled, receivedTwice, ok: lost === 0 && doubled === 0 && receivedTwice === 0 };
}

export type Processing = { processed: number; seconds: number; perSecond: number };

/**
 * Stored → processed throughput: processed rows over the time from the first attempt's start to the
 * last processed_at. Null when nothing was processed (no queue yet, or it is not running).
 */
export async function processingRate(db: Database, eventType: string): Promise<Processing | null> {
  const [row] = await db.query<{ processed: number; seconds: number | null }>(
    `select count(*)::int as processed,
            extract(epoch from max(e.processed_at) - (select min(a.started_at) from webhook_attempts a
                                                        join webhook_events f on f.id = a.webhook_event_id
                                                       where f.event_type = $1))::float8 as seconds
       from webhook_events e where e.event_type = $1 and e.status = 'processed'`,
    [eventType],
  );
  if (!row || Number(row.processed) === 0 || row.seconds === null) return null;
  const seconds = Math.max(Number(row.seconds), 0.001);
  return { processed: Number(row.processed), seconds, perSecond: Number(row.processed) / seconds };
}

export type WakeUp = { events: number; p50: number; p99: number; max: number };

/**
 * Ack → processing starts: first attempt's started_at minus received_at, in ms, for events received
 * between the two epoch-ms bounds. Null without attempts.
 */
export async function wakeUpLatency(db: Database, fromMs = 0, toMs = 8.64e15): Promise<WakeUp | null> {
  const rows = await db.query<{ ms: number }>(
    `select extract(epoch from a.started_at - e.received_at)::float8 * 1000 as ms
       from webhook_attempts a join webhook_events e on e.id = a.webhook_event_id
      where a.attempt = 1 and e.received_at between to_timestamp($1::float8 / 1000) and to_timestamp($2::float8 / 1000)`,
    [fromMs, toMs],
  );
  if (rows.length === 0) return null;
  const sorted = Float64Array.from(rows.map((r) => Number(r.ms))).sort();
  return { events: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
}

export type Backlog = {
  /** Events received and not yet taken up, sampled each second of the run. */
  samples: number[];
  max: number;
  last: number;
  /** Growth in events per second (least squares over the samples). */
  growthPerSecond: number;
};

/**
 * The pending backlog over a run, rebuilt from the rows afterwards so it works on both stores: at time t,
 * events with received_at ≤ t whose first attempt had not started by t. Null when nothing was ever taken up.
 */
export async function backlogOverRun(db: Database, fromMs: number, toMs: number): Promise<Backlog | null> {
  const rows = await db.query<{ received: number; started: number | null }>(
    `select extract(epoch from e.received_at)::float8 * 1000 as received,
            extract(epoch from (select min(a.started_at) from webhook_attempts a where a.webhook_event_id = e.id))::float8 * 1000 as started
       from webhook_events e
      where e.received_at between to_timestamp($1::float8 / 1000) and to_timestamp($2::float8 / 1000)`,
    [fromMs, toMs],
  );
  if (!rows.some((r) => r.started !== null)) return null;
  const samples: number[] = [];
  const times: number[] = [];
  for (let t = fromMs + 1000; t <= toMs; t += 1000) {
    let waiting = 0;
    for (const r of rows) if (Number(r.received) <= t && (r.started === null || Number(r.started) > t)) waiting++;
    samples.push(waiting);
    times.push((t - fromMs) / 1000);
  }
  return { samples, max: Math.max(0, ...samples), last: samples.at(-1) ?? 0, growthPerSecond: slope(times, samples) };
}
