// BENCH: the processing measurement's setup: a backlog of no-op events (a type no handler knows, so each
// is marked processed with "no handler") written while the service is stopped, then watched drain.
import type { Database } from "../src/store/db.ts";
import { writeBatch, type NewEvent } from "../src/store/events.ts";
import { sampleStripeEvent } from "../src/providers/samples/stripe.ts";
import type { Service } from "./service.ts";
import { sleep } from "./stats.ts";
import type { BenchStore } from "./stores.ts";

export async function seedBacklog(db: Database, count: number, eventType: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  for (let done = 0; done < count; ) {
    const batch: NewEvent[] = [];
    for (; batch.length < 500 && done < count; done++) {
      const payloadJson = sampleStripeEvent(eventType, { now });
      batch.push({
        source: "stripe",
        eventId: JSON.parse(payloadJson).id as string,
        eventType,
        payloadJson,
        body: new TextEncoder().encode(payloadJson),
        headers: { "content-type": "application/json" },
        secretIndex: 0,
      });
    }
    await writeBatch(db, batch);
  }
}

type WaitOptions = { eventType: string; adminToken: string; timeoutMs: number };

/**
 * Returns when no event of the type waits any more, when nothing has been processed 10 s after the start
 * (no queue), or at the timeout. PostgreSQL is asked directly; the embedded store (one process's database)
 * through the admin API, and without it the wait is a fixed 10 s.
 */
export async function waitForProcessing(svc: Service, store: BenchStore, { eventType, adminToken, timeoutMs }: WaitOptions): Promise<void> {
  const started = performance.now();
  const db = store.kind === "postgres" ? await store.open() : null;
  try {
    for (;;) {
      const left = db ? await leftInDb(db, eventType) : await leftViaApi(svc, eventType, adminToken);
      const elapsed = performance.now() - started;
      if (left === null && elapsed > 10_000) return;
      if (left !== null && left.waiting === 0) return;
      if (left !== null && left.processed === 0 && elapsed > 10_000) return;
      if (elapsed > timeoutMs) return;
      await sleep(100);
    }
  } finally {
    await db?.close();
  }
}

type Left = { waiting: number; processed: number };

async function leftInDb(db: Database, eventType: string): Promise<Left> {
  const [row] = await db.query<{ waiting: number; processed: number }>(
    `select count(*) filter (where status <> 'processed')::int as waiting, count(*) filter (where status = 'processed')::int as processed
       from webhook_events where event_type = $1`,
    [eventType],
  );
  return { waiting: Number(row?.waiting ?? 0), processed: Number(row?.processed ?? 0) };
}

async function leftViaApi(svc: Service, eventType: string, adminToken: string): Promise<Left | null> {
  // The API lists and does not count: one item per status is enough to tell "some" from "none".
  const some: Record<string, number> = {};
  for (const status of ["pending", "processing", "failed", "processed"]) {
    const url = `http://127.0.0.1:${svc.port}/admin/api/webhooks?type=${encodeURIComponent(eventType)}&status=${status}&limit=1`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } }).catch(() => null);
    if (!res || res.status !== 200) return null;
    some[status] = ((await res.json()) as { items?: unknown[] }).items?.length ?? 0;
  }
  return { waiting: some.pending! + some.processing! + some.failed!, processed: some.processed! };
}
