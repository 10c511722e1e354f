// STORE: writing received events. Concurrent requests share one multi-row INSERT … ON CONFLICT and one
// commit (group commit): the per-commit cost, not HTTP or HMAC, is what limits ingest. Each caller is
// answered after that commit with its own outcome.
import { createBatcher } from "./batcher.ts";
import type { Executor } from "./db.ts";

export type NewEvent = {
  source: string;
  eventId: string;
  eventType: string;
  payloadJson: string;
  rawBody: string;
  headers: Record<string, string>;
  secretIndex: number;
};

export type WriteOutcome =
  | { status: "received" | "duplicate"; id: string }
  /** PostgreSQL refused this row (say a \u0000 that jsonb cannot hold, an index key too long): the sender's problem, a 400. */
  | { status: "refused"; detail: string };

// One row of VALUES per event, each value its own parameter: postgres.js sends parameters as they are,
// where text[] arrays for unnest() had every quote of every payload escaped in JS and unescaped again
// by PostgreSQL (half the writer's CPU in the issue 5 profile). A batch is padded with all-null rows,
// filtered out by `where s is not null`, up to the next size in `statementSizes`, so a connection
// prepares thirteen statements at most rather than one per batch size. `r` (raw_body) is null when the body
// is the payload's text, so those bytes cross the wire once. Keys are unique within a batch (see
// writeBatch), because ON CONFLICT DO UPDATE may not touch one row twice. `xmax = 0` tells a fresh row
// from an updated one; the update counts redeliveries instead of dropping them silently.
// 4096 rows × 8 parameters stays under the protocol's 65,535 parameters per statement.
const statementSizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] as const;
const columnsPerRow = 8;
const insertStatements = new Map<number, string>();

function insertSql(size: number): string {
  let text = insertStatements.get(size);
  if (text) return text;
  const rows: string[] = [];
  for (let row = 0; row < size; row++) {
    const $ = (column: number) => `$${row * columnsPerRow + column}`;
    rows.push(`(${$(1)}::text,${$(2)}::text,${$(3)}::text,${$(4)}::text,${$(5)}::text,${$(6)}::text,${$(7)}::int2,${$(8)}::int4)`);
  }
  text = `insert into webhook_events (source, event_id, event_type, payload, raw_body, headers, secret_index, duplicate_count, last_duplicate_at)
select s, e, t, p::jsonb, coalesce(r, p), h::jsonb, i, n - 1, case when n > 1 then now() end
from (values ${rows.join(",")}) as v(s, e, t, p, r, h, i, n)
where s is not null
on conflict (source, event_id) do update
  set duplicate_count = webhook_events.duplicate_count + excluded.duplicate_count + 1, last_duplicate_at = now()
returning id::text as id, source, event_id, (xmax = 0) as inserted`;
  insertStatements.set(size, text);
  return text;
}

type Returned = { id: string; source: string; event_id: string; inserted: boolean };

/** Writes a batch in one statement; returns one outcome per input, in order. */
export async function writeBatch(db: Executor, events: readonly NewEvent[]): Promise<WriteOutcome[]> {
  const key = (source: string, eventId: string) => `${source}\u0000${eventId}`;
  const firstIndex = new Map<string, number>();
  const copies = new Map<string, number>();
  const unique: NewEvent[] = [];
  for (const [i, e] of events.entries()) {
    const k = key(e.source, e.eventId);
    if (!firstIndex.has(k)) {
      firstIndex.set(k, i);
      unique.push(e);
    }
    copies.set(k, (copies.get(k) ?? 0) + 1);
  }
  // Every batch takes its unique-index locks in one global order, so two batches in flight that share
  // new ids wait for each other instead of deadlocking (each held one id the other needed, issue 5).
  unique.sort((a, b) => compareKeys(key(a.source, a.eventId), key(b.source, b.eventId)));

  let rows: Returned[];
  try {
    rows = await insertRows(db, unique, (e) => copies.get(key(e.source, e.eventId)) ?? 1).catch((err: unknown) =>
      // A deadlock with another writer of these rows (the queue's updates) rolled the statement back: once more.
      sqlState(err) === "40P01" ? insertRows(db, unique, (e) => copies.get(key(e.source, e.eventId)) ?? 1) : Promise.reject(err),
    );
  } catch (err) {
    if (!isRowError(err) || unique.length === 1) {
      if (isRowError(err)) return events.map(() => ({ status: "refused", detail: describeRowError(err) }));
      throw err;
    }
    // One bad row must not fail its neighbours: write them one by one to find it.
    const outcomes = new Map<string, WriteOutcome>();
    for (const e of unique) {
      const [outcome] = await writeBatch(db, events.filter((x) => x.source === e.source && x.eventId === e.eventId));
      outcomes.set(key(e.source, e.eventId), outcome!);
    }
    return events.map((e, i) => {
      const outcome = outcomes.get(key(e.source, e.eventId))!;
      return firstIndex.get(key(e.source, e.eventId)) === i || outcome.status === "refused"
        ? outcome
        : { status: "duplicate", id: (outcome as { id: string }).id };
    });
  }

  const byKey = new Map(rows.map((r) => [key(r.source, r.event_id), r]));
  return events.map((e, i) => {
    const row = byKey.get(key(e.source, e.eventId))!;
    const first = firstIndex.get(key(e.source, e.eventId)) === i;
    return { status: first && row.inserted ? "received" : "duplicate", id: row.id };
  });
}

function insertRows(db: Executor, events: readonly NewEvent[], copiesOf: (e: NewEvent) => number): Promise<Returned[]> {
  const size = statementSizes.find((n) => n >= events.length) ?? events.length;
  const params: unknown[] = new Array(size * columnsPerRow).fill(null);
  let k = 0;
  for (const e of events) {
    params[k++] = e.source;
    params[k++] = e.eventId;
    params[k++] = e.eventType;
    params[k++] = e.payloadJson;
    params[k++] = e.rawBody === e.payloadJson ? null : e.rawBody;
    params[k++] = JSON.stringify(e.headers);
    params[k++] = e.secretIndex;
    params[k++] = copiesOf(e);
  }
  return db.query<Returned>(insertSql(size), params);
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sqlState(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

/**
 * SQLSTATE classes that say the store, not any row, is at fault: connection (08), invalid transaction
 * state (25: a failover left a read-only server), rollback (40), schema or privileges (42), resources
 * (53), object state (55: a lock not available), operator intervention (57), system (58), server
 * configuration (F0), internal (XX). Failing the batch with them makes every sender retry (503).
 */
const storeFaultClasses = new Set(["08", "25", "40", "42", "53", "55", "57", "58", "F0", "XX"]);

/**
 * Any other SQLSTATE may come from one row: a data exception (22), an index key too large (54000),
 * jsonb nested past the stack (54001). Such a row must never fail its batch
 * (issue 8: one 8 KB X-GitHub-Delivery answered 30 good deliveries 503), so the batch is split to
 * find it. An error without SQLSTATE (a dropped socket, a timeout) is the store's.
 */
function isRowError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== null && !storeFaultClasses.has(state.slice(0, 2));
}

function describeRowError(err: unknown): string {
  return `PostgreSQL refused the event (SQLSTATE ${sqlState(err)}): ${(err as Error).message}`;
}

export type EventWriter = {
  write(event: NewEvent): Promise<WriteOutcome>;
  /** Resolves when nothing is waiting or being written (for shutdown). */
  drain(): Promise<void>;
};

/** Group commit for ingest: concurrent writes share one writeBatch (see batcher.ts). */
export function createEventWriter(db: Executor, options: { concurrency?: number; maxBatch?: number } = {}): EventWriter {
  const batcher = createBatcher((events: NewEvent[]) => writeBatch(db, events), { concurrency: 2, ...options });
  return { write: batcher.add, drain: batcher.drain };
}
