// STORE: the admin's read queries over webhook_events (the view of each event with its handler job). Pages are keyset on id (newest first), never
// OFFSET, so page 1 and page 20,000 cost the same; every filter has an (x, id) index in schema.ts.
import type { Executor } from "./db.ts";
import { eventStatuses, type EventStatus } from "./schema.ts";

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

const rowColumns = `id::text as id, source, event_id as "eventId", event_type as "eventType", status, attempts,
  ${iso("received_at")} as "receivedAt", ${iso("processed_at")} as "processedAt", last_error as "lastError"`;

/** Only the conditions that are set, so each combination gets a plan that can use its index. */
function whereClause(filter: HistoryFilter, params: unknown[], extra: string[] = []): string {
  const conditions = [...extra];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.source) add("source = ?", filter.source);
  if (filter.status) add("status = ?", filter.status);
  if (filter.type) add("event_type = ?", filter.type);
  // An exact match: event ids are pasted, and a prefix LIKE cannot use the default-collation index.
  if (filter.q) add("event_id = ?", filter.q);
  return conditions.length ? `where ${conditions.join(" and ")}` : "";
}

export type HistoryPage = { rows: HistoryRow[]; next: string | null };

// The view's join, spelled out, so a keyset bound can be put on both sides: PostgreSQL carries an
// equality across a join but not `id < $1`, and through the view the jobs' side of the merge join
// scanned down from the newest job to the page (110 ms for a page in the middle of 1,000,000).
// Column names are unique across the two tables, so the filters need no table prefix.
const eventsWithJobs = "hookport_events e join hookport_jobs j on j.webhook_event_id = e.id and j.target = 'handler'";

/** A keyset page: rows matching the filter with ids below `before`, newest first. */
function keysetQuery(columns: string, filter: HistoryFilter, before: string | undefined, limit: number): [string, unknown[]] {
  const params: unknown[] = [];
  const extra: string[] = [];
  if (before !== undefined) {
    params.push(before);
    extra.push(`id < $1::int8 and webhook_event_id < $1::int8`);
  }
  const where = whereClause(filter, params, extra);
  params.push(limit);
  return [`select ${columns} from ${eventsWithJobs} ${where} order by e.id desc limit $${params.length}`, params];
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
  const where = whereClause(filter, params, ["id > $1::int8 and webhook_event_id > $1::int8"]);
  params.push(settleSeconds, limit + 1);
  const rows = await db.query<SinceRow>(
    `select ${rowColumns}, received_at < now() - make_interval(secs => $${params.length - 1}) as settled
       from ${eventsWithJobs} ${where} order by e.id desc limit $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, more };
}

/** Current state of rows the page shows, to refresh their status and attempts in place. */
export async function getHistoryRows(db: Executor, ids: readonly string[]): Promise<HistoryRow[]> {
  if (ids.length === 0) return [];
  return db.query<HistoryRow>(`select ${rowColumns} from webhook_events where id = any($1::int8[]) order by webhook_events.id desc`, [ids]);
}

/** One event with everything the detail page shows, or null. */
export async function getEventDetail(db: Executor, id: string): Promise<EventDetail | null> {
  const [row] = await db.query<Omit<EventDetail, "attemptsTimeline" | "rawBody"> & { body: Uint8Array }>(
    `select ${rowColumns}, payload::text as "payloadJson", (select body from hookport_events e where e.id = $1::int8) as body,
            headers, secret_index as "secretIndex", note, duplicate_count as "duplicateCount",
            ${iso("last_duplicate_at")} as "lastDuplicateAt", ${iso("next_attempt_at")} as "nextAttemptAt"
       from webhook_events where id = $1::int8`,
    [id],
  );
  if (!row) return null;
  const { body, ...rest } = row;
  const detail = { ...rest, rawBody: new TextDecoder().decode(body) };
  // The handler's attempts; deliveries to destinations have their own (destinations.ts, eventDeliveries).
  const attemptsTimeline = await db.query<AttemptRow>(
    `select attempt, outcome, error, note, worker, ${iso("started_at")} as "startedAt", ${iso("finished_at")} as "finishedAt",
            duration_ms as "durationMs"
       from webhook_attempts where webhook_event_id = $1::int8 and target = 'handler' order by attempt, id`,
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
    `with w as materialized (select id from hookport_events where received_at > $1::timestamptz - make_interval(hours => $2))
     select j.status, count(*)::int as n
       from hookport_jobs j join w on w.id = j.webhook_event_id
      where j.target = 'handler' and j.webhook_event_id >= (select min(id) from w)
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
    `select greatest(floor(extract(epoch from ($1::timestamptz - received_at)) / 60), 0)::int as ago, count(*)::int as n
       from webhook_events
      where received_at > $1::timestamptz - make_interval(mins => $2)
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
  const from = onlyStatus ? "hookport_jobs" : filter.status === undefined ? "hookport_events" : "webhook_events";
  const target = onlyStatus ? " and target = 'handler'" : "";
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from (select 1 from ${from} ${where}${target} limit $${params.length}) as capped`,
    params,
  );
  return row?.n ?? 0;
}

/** Ids matching the filter, newest first, in keyset batches: for bulk retry. */
export async function listMatchingIds(db: Executor, filter: HistoryFilter, { before, limit }: { before?: string; limit: number }): Promise<string[]> {
  const rows = await db.query<{ id: string }>(...keysetQuery("id::text as id", filter, before, limit));
  return rows.map((r) => r.id);
}

/**
 * The distinct event types, for the filter's suggestions. A loose index scan over (event_type, id):
 * one index probe per type, so it stays cheap however many events there are.
 */
export async function listEventTypes(db: Executor, limit = 200): Promise<string[]> {
  const rows = await db.query<{ v: string }>(
    `with recursive types(v) as (
       (select event_type from webhook_events order by event_type limit 1)
       union all
       select (select event_type from webhook_events where event_type > types.v order by event_type limit 1)
         from types where types.v is not null
     )
     select v from types where v is not null limit $1`,
    [limit],
  );
  return rows.map((r) => r.v);
}
