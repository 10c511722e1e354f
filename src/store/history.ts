// STORE: the admin's read queries over webhook_events (the view of each event with its handler job). Pages are keyset on id (newest first), never
// OFFSET, so page 1 and page 20,000 cost the same; every filter has an (x, id) index in schema.ts.
import type { Executor } from "./db.ts";
import { sqlNames, sqlViewNames } from "./names.ts";
import { eventStatuses, hookportEvents, hookportJobs, webhookAttempts, webhookEvents, type EventStatus } from "./schema.ts";

// The history reads events with their handler job: by the explicit join where a keyset bound must reach
// both sides, else through the webhook_events view. The view's columns bear the tables' names.
const E = sqlNames(hookportEvents);
const J = sqlNames(hookportJobs);
const A = sqlNames(webhookAttempts);
const W = sqlViewNames(webhookEvents);

export type HistoryFilter = Readonly<{ source?: string; status?: EventStatus; type?: string; q?: string }>;

export type HistoryRow = {
  id: string;
  source: string;
  eventId: string;
  eventType: string;
  status: EventStatus;
  attempts: number;
  receivedAt: string;
  processedAt: string | null;
  lastError: string | null;
};

export type AttemptRow = {
  attempt: number;
  outcome: string;
  error: string | null;
  note: string | null;
  worker: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
};

export type EventDetail = HistoryRow & {
  payloadJson: string;
  rawBody: string;
  headers: Record<string, string>;
  secretIndex: number;
  note: string | null;
  duplicateCount: number;
  lastDuplicateAt: string | null;
  nextAttemptAt: string;
  attemptsTimeline: AttemptRow[];
};

// ISO 8601 in UTC from either store, whatever the session's TimeZone.
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const rowColumns = `${W.id}::text as id, ${W.source} as source, ${W.eventId} as "eventId", ${W.eventType} as "eventType", ${W.status} as status,
  ${W.attempts} as attempts, ${iso(W.receivedAt)} as "receivedAt", ${iso(W.processedAt)} as "processedAt", ${W.lastError} as "lastError"`;

/** Only the conditions that are set, so each combination gets a plan that can use its index. */
function whereClause(filter: HistoryFilter, params: unknown[], extra: string[] = []): string {
  const conditions = [...extra];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.source) add(`${W.source} = ?`, filter.source);
  if (filter.status) add(`${W.status} = ?`, filter.status);
  if (filter.type) add(`${W.eventType} = ?`, filter.type);
  // An exact match: event ids are pasted, and a prefix LIKE cannot use the default-collation index.
  if (filter.q) add(`${W.eventId} = ?`, filter.q);
  return conditions.length ? `where ${conditions.join(" and ")}` : "";
}

export type HistoryPage = { rows: HistoryRow[]; next: string | null };

// The view's join, spelled out, so a keyset bound can be put on both sides: PostgreSQL carries an
// equality across a join but not `id < $1`, and through the view the jobs' side of the merge join
// scanned down from the newest job to the page (110 ms for a page in the middle of 1,000,000).
// Column names are unique across the two tables, so the filters need no table prefix.
const eventsWithJobs = `${E.table} e join ${J.table} j on j.${J.webhookEventId} = e.${E.id} and j.${J.target} = 'handler'`;

/** A keyset page: rows matching the filter with ids below `before`, newest first. */
function keysetQuery(columns: string, filter: HistoryFilter, before: string | undefined, limit: number): [string, unknown[]] {
  const params: unknown[] = [];
  const extra: string[] = [];
  if (before !== undefined) {
    params.push(before);
    extra.push(`${E.id} < $1::int8 and ${J.webhookEventId} < $1::int8`);
  }
  const where = whereClause(filter, params, extra);
  params.push(limit);
  return [`select ${columns} from ${eventsWithJobs} ${where} order by e.${E.id} desc limit $${params.length}`, params];
}

/** One page, newest first; `before` is the previous page's `next` (an id). */
export async function listHistory(db: Executor, filter: HistoryFilter, { before, limit }: { before?: string; limit: number }): Promise<HistoryPage> {
  const rows = await db.query<HistoryRow>(...keysetQuery(rowColumns, filter, before, limit + 1));
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? rows[rows.length - 1]!.id : null };
}

export type SinceRow = HistoryRow & { settled: boolean };

/**
 * Rows newer than `since` (newest first) for the live view. `settled` marks rows received long enough
 * ago that every row with a smaller id has committed too, so the caller may move its cursor past them.
 */
export async function listSince(
  db: Executor,
  filter: HistoryFilter,
  { since, limit, settleSeconds = 5 }: { since: string; limit: number; settleSeconds?: number },
): Promise<{ rows: SinceRow[]; more: boolean }> {
  const params: unknown[] = [since];
  const where = whereClause(filter, params, [`${E.id} > $1::int8 and ${J.webhookEventId} > $1::int8`]);
  params.push(settleSeconds, limit + 1);
  const rows = await db.query<SinceRow>(
    `select ${rowColumns}, ${E.receivedAt} < now() - make_interval(secs => $${params.length - 1}) as settled
       from ${eventsWithJobs} ${where} order by e.${E.id} desc limit $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, more };
}

/** Current state of rows the page shows, to refresh their status and attempts in place. */
export async function getHistoryRows(db: Executor, ids: readonly string[]): Promise<HistoryRow[]> {
  if (ids.length === 0) return [];
  return db.query<HistoryRow>(`select ${rowColumns} from ${W.view} where ${W.id} = any($1::int8[]) order by ${W.view}.${W.id} desc`, [ids]);
}

/** One event with everything the detail page shows, or null. */
export async function getEventDetail(db: Executor, id: string): Promise<EventDetail | null> {
  const [row] = await db.query<Omit<EventDetail, "attemptsTimeline" | "rawBody"> & { body: Uint8Array }>(
    `select ${rowColumns}, ${W.payload}::text as "payloadJson", (select ${E.body} from ${E.table} e where e.${E.id} = $1::int8) as body,
            ${W.headers} as headers, ${W.secretIndex} as "secretIndex", ${W.note} as note, ${W.duplicateCount} as "duplicateCount",
            ${iso(W.lastDuplicateAt)} as "lastDuplicateAt", ${iso(W.nextAttemptAt)} as "nextAttemptAt"
       from ${W.view} where ${W.id} = $1::int8`,
    [id],
  );
  if (!row) return null;
  const { body, ...rest } = row;
  const detail = { ...rest, rawBody: new TextDecoder().decode(body) };
  // The handler's attempts; deliveries to destinations have their own (destinations.ts, eventDeliveries).
  const attemptsTimeline = await db.query<AttemptRow>(
    `select ${A.attempt} as attempt, ${A.outcome} as outcome, ${A.error} as error, ${A.note} as note, ${A.worker} as worker,
            ${iso(A.startedAt)} as "startedAt", ${iso(A.finishedAt)} as "finishedAt", ${A.durationMs} as "durationMs"
       from ${A.table} where ${A.webhookEventId} = $1::int8 and ${A.target} = 'handler' order by ${A.attempt}, ${A.id}`,
    [id],
  );
  return { ...detail, attemptsTimeline };
}

export type StatusCounts = Record<EventStatus, number>;

/** Events received in the `hours` before `now` (or after it: the database's clock may run ahead), by current status. */
export async function countByStatus(db: Executor, now: Date, hours = 24): Promise<StatusCounts> {
  // The window's events bound the jobs' side of the join by their smallest id: without it PostgreSQL
  // hashed the whole jobs table (0.3 s at 300,000 events), and a lookup per event cost 250 ms at 33,000.
  const rows = await db.query<{ status: EventStatus; n: number }>(
    `with w as materialized (select ${E.id} as id from ${E.table} where ${E.receivedAt} > $1::timestamptz - make_interval(hours => $2))
     select j.${J.status} as status, count(*)::int as n
       from ${J.table} j join w on w.id = j.${J.webhookEventId}
      where j.${J.target} = 'handler' and j.${J.webhookEventId} >= (select min(id) from w)
      group by 1`,
    [now.toISOString(), hours],
  );
  const counts = Object.fromEntries(eventStatuses.map((s) => [s, 0])) as StatusCounts;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Events received per minute: index 0 is the oldest minute, the last the minute up to `now` (later rows count there). */
export async function countPerMinute(db: Executor, now: Date, minutes = 60): Promise<number[]> {
  const rows = await db.query<{ ago: number; n: number }>(
    `select greatest(floor(extract(epoch from ($1::timestamptz - ${W.receivedAt})) / 60), 0)::int as ago, count(*)::int as n
       from ${W.view}
      where ${W.receivedAt} > $1::timestamptz - make_interval(mins => $2)
      group by 1`,
    [now.toISOString(), minutes],
  );
  const buckets = new Array<number>(minutes).fill(0);
  for (const r of rows) if (r.ago < minutes) buckets[minutes - 1 - r.ago] = r.n;
  return buckets;
}

/** How many events match the filter, counting at most `cap` (an index scan that stops early). */
export async function countMatching(db: Executor, filter: HistoryFilter, cap = 100_000): Promise<number> {
  const params: unknown[] = [];
  const where = whereClause(filter, params);
  params.push(cap);
  // Every event has its handler job, so a count that filters on one table only reads that table's
  // index: the view's join made a 100,000-row count cost three times as much.
  const onlyStatus = filter.status !== undefined && !filter.source && !filter.type && !filter.q;
  const from = onlyStatus ? J.table : filter.status === undefined ? E.table : W.view;
  const target = onlyStatus ? ` and ${J.target} = 'handler'` : "";
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from ${from} ${where}${target} limit $${params.length}) as capped`,
    params,
  );
  return row?.n ?? 0;
}

/** Ids matching the filter, newest first, in keyset batches: for bulk retry. */
export async function listMatchingIds(db: Executor, filter: HistoryFilter, { before, limit }: { before?: string; limit: number }): Promise<string[]> {
  const rows = await db.query<{ id: string }>(...keysetQuery(`e.${E.id}::text as id`, filter, before, limit));
  return rows.map((r) => r.id);
}

/**
 * The distinct event types, for the filter's suggestions. A loose index scan over (event_type, id):
 * one index probe per type, so it stays cheap however many events there are.
 */
export async function listEventTypes(db: Executor, limit = 200): Promise<string[]> {
  const rows = await db.query<{ v: string }>(
    `with recursive types(v) as (
       (select ${W.eventType} from ${W.view} order by ${W.eventType} limit 1)
       union all
       select (select ${W.eventType} from ${W.view} where ${W.eventType} > types.v order by ${W.eventType} limit 1)
         from types where types.v is not null
     )
     select v from types where v is not null limit $1`,
    [limit],
  );
  return rows.map((r) => r.v);
}
