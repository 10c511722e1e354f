// BENCH: what a run left behind: every acknowledged event stored exactly once (counted through
// `webhook_events`, the one table or view the contract keeps), and how long after its acknowledgement
// each event of a trickle was processed (through the admin's JSON API, the contract's history).
import type { Database } from "../src/store/db.ts";
import { percentile } from "./stats.ts";

export type ExactlyOnce = {
  acked: number;
  stored: number;
  lost: number;
  doubled: number;
  /** Event ids answered `received` more than once (the contract allows exactly one). */
  receivedTwice: number;
  ok: boolean;
};

/** "source/eventId" → rows stored for it in hookport's `webhook_events`. */
export async function storedInHookport(db: Database): Promise<Map<string, number>> {
  const rows = await db.query<{ key: string; n: number }>("select source || '/' || event_id as key, count(*)::int as n from webhook_events group by 1");
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}

/** `acked` maps "source/eventId" to how its 2xx answers split into received and duplicate. */
export function checkExactlyOnce(stored: Map<string, number>, acked: Map<string, { received: number; duplicate: number }>): ExactlyOnce {
  let lost = 0;
  let doubled = 0;
  let receivedTwice = 0;
  for (const [key, answers] of acked) {
    const n = stored.get(key) ?? 0;
    if (n === 0) lost++;
    if (n > 1) doubled++;
    if (answers.received > 1) receivedTwice++;
  }
  return { acked: acked.size, stored: stored.size, lost, doubled, receivedTwice, ok: lost === 0 && doubled === 0 && receivedTwice === 0 };
}

export type WakeUp = { events: number; unprocessed: number; p50: number; p99: number; max: number };

/**
 * Ack → processed (the contract's 5 s promise) for the events received between the two epoch-ms bounds,
 * from receivedAt and processedAt of GET /admin/api/webhooks. Null when the API cannot be read.
 */
export async function processedWithin(port: number, adminToken: string, fromMs: number, toMs: number): Promise<WakeUp | null> {
  const waits: number[] = [];
  let unprocessed = 0;
  let cursor: string | null = null;
  for (;;) {
    const url = `http://127.0.0.1:${port}/admin/api/webhooks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } }).catch(() => null);
    if (!res || res.status !== 200) return null;
    const page = (await res.json()) as { items: { receivedAt: string; processedAt: string | null }[]; next: string | null };
    let older = false;
    for (const item of page.items) {
      const received = Date.parse(item.receivedAt);
      if (received < fromMs) older = true;
      if (received < fromMs || received > toMs) continue;
      if (item.processedAt === null) unprocessed++;
      else waits.push(Date.parse(item.processedAt) - received);
    }
    if (older || !page.next) break;
    cursor = page.next;
  }
  if (waits.length === 0 && unprocessed === 0) return null;
  const sorted = Float64Array.from(waits).sort();
  return { events: waits.length, unprocessed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
}
