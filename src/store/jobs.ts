// STORE: the event row as a job — claim, complete, fail, release, reclaim and requeue, one statement
// each (graphile/worker's getJobs/completeJobs/failJobs/resetLockedAt). Every change after the claim
// is fenced on the claim (locked_by and attempts), so a worker whose lease was lost cannot finish it.
import type { Job } from "../queue/messages.ts";
import type { Executor } from "./db.ts";

export type Claim = { instance: string; limit: number };
export type AttemptTiming = { worker: string | null; startedAt: Date; durationMs: number };

/**
 * Takes due events and marks them processing, counting the attempt now: an event whose handler
 * kills the process still runs out of attempts. SKIP LOCKED lets several instances claim side by side.
 */
export async function claimDue(db: Executor, { instance, limit }: Claim): Promise<Job[]> {
  const rows = await db.query<{ id: string; source: string; event_id: string; event_type: string; payload: string; attempts: number }>(
    `with due as (
       select id from webhook_events
        where status in ('pending', 'failed') and next_attempt_at <= now()
        order by next_attempt_at, id
        limit $1
        for update skip locked
     )
     update webhook_events e
        set status = 'processing', attempts = e.attempts + 1, locked_at = now(), locked_by = $2
       from due where e.id = due.id
     returning e.id::text as id, e.source, e.event_id, e.event_type, e.payload::text as payload, e.attempts`,
    [limit, instance],
  );
  return rows.map((r) => ({ id: r.id, source: r.source, eventId: r.event_id, eventType: r.event_type, payloadJson: r.payload, attempt: r.attempts }));
}

const attemptColumns = "(webhook_event_id, attempt, outcome, error, note, worker, started_at, duration_ms)";

export type Completion = { job: Job; note: string | null; timing: AttemptTiming };

/**
 * Marks jobs processed in one statement, with an attempt row each. Run it inside the transaction that
 * holds the handlers' writes (or on its own when they wrote nothing), so writes and mark commit together.
 * Returns, per job, whether its lease held; the caller rolls back when one did not.
 */
export async function completeJobs(db: Executor, instance: string, items: readonly Completion[]): Promise<boolean[]> {
  const rows = await db.query<{ id: string }>(
    `with input as (
       -- started_at travels as text: under drizzle, postgres.js passes timestamp arrays unserialised.
       select * from unnest($2::int8[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::int4[])
         as u(id, attempt, note, worker, started_at, duration_ms)
     ), done as (
       update webhook_events e
          set status = 'processed', processed = true, processed_at = now(), note = i.note,
              last_error = null, locked_at = null, locked_by = null
         from input i
        where e.id = i.id and e.locked_by = $1 and e.attempts = i.attempt and e.status = 'processing'
        returning e.id, e.attempts
     )
     insert into webhook_attempts ${attemptColumns}
     select d.id, d.attempts, 'processed', null, i.note, i.worker, i.started_at::timestamptz, i.duration_ms
       from done d join input i on i.id = d.id
     returning webhook_event_id::text as id`,
    [
      instance,
      items.map((c) => c.job.id),
      items.map((c) => c.job.attempt),
      items.map((c) => c.note),
      items.map((c) => c.timing.worker),
      items.map((c) => c.timing.startedAt.toISOString()),
      items.map((c) => c.timing.durationMs),
    ],
  );
  const completed = new Set(rows.map((r) => r.id));
  return items.map((c) => completed.has(c.job.id));
}

/** Records a failed attempt: `failed` with its next try after `delayMs`, or `dead` once out of attempts. */
export async function failJob(
  db: Executor,
  instance: string,
  job: Job,
  error: string,
  { maxAttempts, delayMs, ...timing }: AttemptTiming & { maxAttempts: number; delayMs: number },
): Promise<"failed" | "dead" | "lost"> {
  const [row] = await db.query<{ outcome: "failed" | "dead" }>(
    `with f as (
       update webhook_events
          set status = case when attempts - attempts_base >= $5 then 'dead' else 'failed' end,
              next_attempt_at = now() + $6::int * interval '1 millisecond',
              last_error = $4, locked_at = null, locked_by = null
        where id = $1 and locked_by = $2 and attempts = $3 and status = 'processing'
        returning id, attempts, status
     )
     insert into webhook_attempts ${attemptColumns}
     select id, attempts, status, $4, null, $7, $8, $9 from f
     returning outcome`,
    [job.id, instance, job.attempt, error, maxAttempts, delayMs, timing.worker, timing.startedAt.toISOString(), timing.durationMs],
  );
  return row?.outcome ?? "lost";
}

/** Gives a job back without spending its attempt (its worker was stopped for a reason not its own). */
export async function releaseJob(db: Executor, instance: string, job: Job, reason: string, timing: AttemptTiming): Promise<void> {
  await db.query(
    `with r as (
       update webhook_events
          set status = 'pending', attempts = attempts - 1, next_attempt_at = now(), locked_at = null, locked_by = null
        where id = $1 and locked_by = $2 and attempts = $3 and status = 'processing'
        returning id
     )
     insert into webhook_attempts ${attemptColumns}
     select id, $3, 'released', $4, null, $5, $6, $7 from r`,
    [job.id, instance, job.attempt, reason, timing.worker, timing.startedAt.toISOString(), timing.durationMs],
  );
}

/**
 * Takes back events left `processing` by an instance that is gone. An owner is gone when no session
 * on the server carries its name (each instance names its connections with application_name; PGlite
 * has one process, so any other owner is a previous run), or when the lease is far older than any
 * handler may run. Returns how many were taken back; they count as failed attempts.
 */
export async function reclaimOrphans(db: Executor, instance: string, { leaseMs, maxAttempts }: { leaseMs: number; maxAttempts: number }): Promise<number> {
  const rows = await db.query(
    `with orphans as (
       select id, locked_at, locked_by from webhook_events w
        where status = 'processing'
          and (locked_at < now() - $2::int * interval '1 millisecond'
               or (locked_by is distinct from $1
                   and not exists (select 1 from pg_stat_activity a where a.application_name = w.locked_by)))
        for update skip locked
     ), r as (
       update webhook_events e
          set status = case when e.attempts - e.attempts_base >= $3 then 'dead' else 'failed' end,
              next_attempt_at = now(), locked_at = null, locked_by = null,
              last_error = 'interrupted: the instance handling it stopped (' || coalesce(o.locked_by, '?') || ')'
         from orphans o where e.id = o.id
       returning e.id, e.attempts, e.status, e.last_error, o.locked_at, o.locked_by
     )
     insert into webhook_attempts ${attemptColumns}
     select id, attempts, status, last_error, null, locked_by, locked_at, (extract(epoch from now() - locked_at) * 1000)::int from r
     returning 1`,
    [instance, leaseMs, maxAttempts],
  );
  return rows.length;
}

/** Events waiting for a handler, by status (pending, failed), for the backlog gauge. */
export async function countBacklog(db: Executor): Promise<Record<"pending" | "failed" | "processing", number>> {
  const rows = await db.query<{ status: "pending" | "failed" | "processing"; n: number }>(
    "select status, count(*)::int as n from webhook_events where status in ('pending', 'failed', 'processing') group by status",
  );
  const counts = { pending: 0, failed: 0, processing: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/**
 * Puts events back to `pending`, due now, with a fresh MAX_ATTEMPTS budget; their attempts and the
 * attempt history stay. Events being processed right now are left alone. Returns the ids requeued.
 */
export async function requeueEvents(db: Executor, ids: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `update webhook_events
        set status = 'pending', processed = false, next_attempt_at = now(), attempts_base = attempts,
            locked_at = null, locked_by = null
      where id = any($1::int8[]) and status <> 'processing'
      returning id::text as id`,
    [ids],
  );
  return rows.map((r) => r.id);
}
