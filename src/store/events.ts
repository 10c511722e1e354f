// STORE: writing received events. Concurrent requests share one multi-row INSERT … ON CONFLICT and one
// commit (group commit): the per-commit cost, not HTTP or HMAC, is what limits ingest. Each caller is
// answered after that commit with its own outcome.
import { createBatcher } from "./batcher.ts";
import type { Executor } from "./db.ts";
import { sqlNames } from "./names.ts";
import { hookportEvents, hookportJobs } from "./schema.ts";

export type NewEvent = {
  source: string;
  eventId: string;
  eventType: string;
  /** The event's JSON (for GitHub's form encoding, the decoded `payload` field). */
  payloadJson: string;
  /** The body exactly as signed. */
  body: Uint8Array;
  /** The body as text when the verifier decoded it (Verification.bodyText): saves decoding it again here. */
  bodyText?: string;
  headers: Record<string, string>;
  secretIndex: number;
  /** Destinations this event is forwarded to: each gets a `forward:<name>` job with the handler's (issue 10). */
  forwardTo?: readonly string[];
};

export type WriteOutcome =
  | { status: "received" | "duplicate"; id: string }
  /** PostgreSQL refused this row (say a \u0000 that jsonb cannot hold, an index key too long): the sender's problem, a 400. */
  | { status: "refused"; detail: string };

const E = sqlNames(hookportEvents);
const J = sqlNames(hookportJobs);

// One row of VALUES per event, each value its own parameter: postgres.js sends parameters as they are,
// where text[] arrays for unnest() had every quote of every payload escaped in JS and unescaped again
// by PostgreSQL (half the writer's CPU in the issue 5 profile). A batch is padded with all-null rows,
// filtered out by `where column1 is not null`, up to the next size in `statementSizes`, so a connection
// prepares thirteen statements at most rather than one per batch size.
//
// The body travels once: as text when it is UTF-8 (`r`, stored with convert_to), as bytes otherwise
// (`b`); the JSON (`p`) only when it is not the body itself. `::jsonb` on the JSON stores nothing: it
// refuses what jsonb cannot hold (a \u0000), so the webhook_events view can always derive `payload`.
//
// ON CONFLICT DO NOTHING RETURNING answers "received" exactly: only rows this statement inserted come
// back (issue 11), and their handler jobs are inserted from them in the same statement. `counted` counts
// the redeliveries of rows already in the statement's snapshot (it cannot see the rows `inserted` adds).
// Its `event_id = any(…)` restates the join as a condition on the table alone: joined to a 64-row VALUES,
// the planner hashed a scan of the whole table (a generic plan made on a new store keeps that for good,
// and a custom one still chose it at 20k rows), so every batch read every event (issue 9: 2.2M rows
// read in a 20,000-delivery burst, about a tenth of PostgreSQL's CPU). The array sends it through the index.
// A row another writer committed while this statement ran is in neither: ON CONFLICT waited for it,
// the snapshot predates it. Those few are counted by a second statement (`bumpSql`), which sees them.
// Forwarding: `f` holds the event's destinations, comma-separated (names have no commas); each gets a
// `forward:<name>` job beside the handler's, in the same statement, so only a new event gets any job.
// 4096 rows × 10 parameters stays under the protocol's 65,535 parameters per statement.
const statementSizes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] as const;
const columnsPerRow = 10;
const insertStatements = new Map<number, string>();

/** Exported for the plan test (test/integration/events.test.ts): a batch's rows are found by index. */
export function insertSql(size: number): string {
  let text = insertStatements.get(size);
  if (text) return text;
  const rows: string[] = [];
  for (let row = 0; row < size; row++) {
    const $ = (column: number) => `$${row * columnsPerRow + column}`;
    rows.push(`(${$(1)}::text,${$(2)}::text,${$(3)}::text,${$(4)}::text,${$(5)}::bytea,${$(6)}::text,${$(7)}::text,${$(8)}::int2,${$(9)}::int4,${$(10)}::text)`);
  }
  text = `with v(s, e, t, r, b, p, h, i, n, f) as (
  select * from (values ${rows.join(",")}) as v where column1 is not null
), inserted as (
  insert into ${E.table} (${E.source}, ${E.eventId}, ${E.eventType}, ${E.body}, ${E.json},
    ${E.headers}, ${E.secretIndex}, ${E.duplicateCount}, ${E.lastDuplicateAt})
  select s, e, t, coalesce(convert_to(r, 'UTF8'), b), p, h::jsonb, i, n - 1, case when n > 1 then now() end
  from v where coalesce(p, r)::jsonb is not null
  on conflict (${E.source}, ${E.eventId}) do nothing
  returning ${E.id}, ${E.source}, ${E.eventId}
), queued as (
  insert into ${J.table} (${J.webhookEventId}, ${J.target})
  select ${E.id}, 'handler' from inserted
  union all
  select x.${E.id}, 'forward:' || d from inserted x join v on v.s = x.${E.source} and v.e = x.${E.eventId}
    cross join unnest(string_to_array(v.f, ',')) as d
), counted as (
  update ${E.table} x set ${E.duplicateCount} = x.${E.duplicateCount} + v.n, ${E.lastDuplicateAt} = now()
    from v where x.${E.source} = v.s and x.${E.eventId} = v.e and x.${E.eventId} = any(array(select e from v))
  returning x.${E.id}, x.${E.source}, x.${E.eventId}
)
select ${E.id}::text as id, ${E.source} as source, ${E.eventId} as "eventId", true as inserted from inserted
union all
select ${E.id}::text, ${E.source}, ${E.eventId}, false from counted`;
  insertStatements.set(size, text);
  return text;
}

const bumpSql = `update ${E.table} e
   set ${E.duplicateCount} = e.${E.duplicateCount} + u.n, ${E.lastDuplicateAt} = now()
  from unnest($1::text[], $2::text[], $3::int4[]) as u(s, e, n)
 where e.${E.source} = u.s and e.${E.eventId} = u.e and e.${E.eventId} = any($2::text[])
returning e.${E.id}::text as id, e.${E.source} as source, e.${E.eventId} as "eventId"`;

type Stored = { id: string; source: string; eventId: string };
type Returned = Stored & { inserted: boolean };

/**
 * Writes a batch; returns one outcome per input, in order. `onInDoubt` is told when the commit's answer
 * was lost and PostgreSQL is being asked how it ended (which can last through an outage).
 */
export async function writeBatch(db: Executor, events: readonly NewEvent[], onInDoubt?: () => void): Promise<WriteOutcome[]> {
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

  let stored: { inserted: Stored[]; existing: Stored[] };
  try {
    stored = await storeRows(db, unique, (e) => copies.get(key(e.source, e.eventId)) ?? 1, onInDoubt);
  } catch (err) {
    if (!isRowError(err) || unique.length === 1) {
      if (isRowError(err)) return events.map(() => ({ status: "refused", detail: describeRowError(err) }));
      throw err;
    }
    // One bad row must not fail its neighbours: write them one by one to find it.
    const outcomes = new Map<string, WriteOutcome>();
    for (const e of unique) {
      const [outcome] = await writeBatch(db, events.filter((x) => x.source === e.source && x.eventId === e.eventId), onInDoubt);
      outcomes.set(key(e.source, e.eventId), outcome!);
    }
    return events.map((e, i) => {
      const outcome = outcomes.get(key(e.source, e.eventId))!;
      return firstIndex.get(key(e.source, e.eventId)) === i || outcome.status === "refused"
        ? outcome
        : { status: "duplicate", id: (outcome as { id: string }).id };
    });
  }

  const inserted = new Map(stored.inserted.map((r) => [key(r.source, r.eventId), r.id]));
  const existing = new Map(stored.existing.map((r) => [key(r.source, r.eventId), r.id]));
  return events.map((e, i) => {
    const k = key(e.source, e.eventId);
    const id = inserted.get(k);
    if (id !== undefined) return { status: firstIndex.get(k) === i ? "received" : "duplicate", id };
    return { status: "duplicate", id: existing.get(k)! };
  });
}

/** Inserts what is new and counts the rest as redeliveries of rows that exist (committed by someone). */
async function storeRows(
  db: Executor,
  events: readonly NewEvent[],
  copiesOf: (e: NewEvent) => number,
  onInDoubt: (() => void) | undefined,
): Promise<{ inserted: Stored[]; existing: Stored[] }> {
  const rows = await retryDeadlock(() => insertRows(db, events, copiesOf, onInDoubt));
  const inserted = rows.filter((r) => r.inserted);
  const existing: Stored[] = rows.filter((r) => !r.inserted);
  if (rows.length === events.length) return { inserted, existing };
  const seen = new Set(rows.map((r) => `${r.source}\u0000${r.eventId}`));
  const rest = events.filter((e) => !seen.has(`${e.source}\u0000${e.eventId}`));
  const late = await retryDeadlock(() => db.query<Stored>(bumpSql, [rest.map((e) => e.source), rest.map((e) => e.eventId), rest.map(copiesOf)]));
  existing.push(...late);
  if (late.length === rest.length) return { inserted, existing };
  // ON CONFLICT DO NOTHING skipped a row that is gone now: only a writer that rolled back leaves that.
  const again = await storeRows(db, rest.filter((e) => !late.some((r) => r.source === e.source && r.eventId === e.eventId)), copiesOf, onInDoubt);
  return { inserted: [...inserted, ...again.inserted], existing: [...existing, ...again.existing] };
}

/**
 * A deadlock with another writer of these rows (two batches counting the same redeliveries) rolled the
 * statement back: once more. Only the statement that failed: one that committed is not run twice, or
 * its rows would come back as redeliveries of themselves.
 */
function retryDeadlock<T>(statement: () => Promise<T>): Promise<T> {
  return statement().catch((err: unknown) => (sqlState(err) === "40P01" ? statement() : Promise.reject(err)));
}

// ignoreBOM keeps a leading BOM in the text, so the text is the body byte for byte.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function insertRows(db: Executor, events: readonly NewEvent[], copiesOf: (e: NewEvent) => number, onInDoubt: (() => void) | undefined): Promise<Returned[]> {
  const size = statementSizes.find((n) => n >= events.length) ?? events.length;
  const params: unknown[] = new Array(size * columnsPerRow).fill(null);
  let k = 0;
  for (const e of events) {
    const text = storableText(e);
    params[k++] = e.source;
    params[k++] = e.eventId;
    params[k++] = e.eventType;
    params[k++] = text;
    params[k++] = text === null ? Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength) : null;
    params[k++] = text === e.payloadJson ? null : e.payloadJson;
    params[k++] = JSON.stringify(e.headers);
    params[k++] = e.secretIndex;
    params[k++] = copiesOf(e);
    params[k++] = e.forwardTo?.length ? e.forwardTo.join(",") : null;
  }
  // Committed on its own, so that a commit whose answer the connection lost is still known (issue 11).
  return db.queryCommitted ? db.queryCommitted<Returned>(insertSql(size), params, onInDoubt) : db.query<Returned>(insertSql(size), params);
}

/** The body as text when PostgreSQL's text can hold it (UTF-8 without NUL: most are); null when not. */
function storableText(e: NewEvent): string | null {
  const text = e.bodyText ?? decodeUtf8(e.body);
  return text === null || text.includes("\u0000") ? null : text;
}

function decodeUtf8(body: Uint8Array): string | null {
  try {
    return utf8.decode(body);
  } catch {
    return null;
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The SQLSTATE the server gave, or null. postgres.js also sets `code` on errors of its own (CONNECTION_CLOSED,
 * ECONNRESET, EPIPE under Deno, …) that mean the store is gone, not that the row is bad; only the server's
 * errors (postgres.js PostgresError, PGlite's DatabaseError) carry a `severity`.
 */
function sqlState(err: unknown): string | null {
  const { code, severity } = (err ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === "string" && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
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
export function createEventWriter(db: Executor, options: Parameters<typeof createBatcher>[1] = {}): EventWriter {
  const batcher = createBatcher(
    (events: NewEvent[]): Promise<(WriteOutcome | Promise<WriteOutcome>)[]> => {
      let inDoubt!: () => void;
      const doubted = new Promise<void>((resolve) => (inDoubt = resolve));
      const written = writeBatch(db, events, inDoubt);
      // A batch whose commit is in doubt may wait out a PostgreSQL outage to learn how it ended: its
      // requests wait (their store timeout answers them 503, and a late `received` is still remembered),
      // but its slot goes to the next batch, which would otherwise wait too instead of failing fast.
      return Promise.race([written, doubted.then(() => events.map((_, i) => written.then((outcomes) => outcomes[i]!)))]);
    },
    { concurrency: 2, ...options },
  );
  return { write: (event) => batcher.add(event).then((outcome) => outcome), drain: batcher.drain };
}
