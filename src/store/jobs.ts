// STORE: jobs, the work on events — claim, complete, fail, release, reclaim and requeue, one statement
// each (graphile/worker's getJobs/completeJobs/failJobs/resetLockedAt). A job is a narrow row of its
// own, so none of these rewrites an event row or its indexes. Every change after the claim is fenced on
// the claim (locked_by and attempts), so a worker whose lease was lost cannot finish it.
import type { Executor } from "./db.ts";
import { sqlNames } from "./names.ts";
import { hookportEvents, hookportJobs, webhookAttempts, type JobTarget } from "./schema.ts";

/** A claimed job as the queue runs it. Plain data: it crosses to the worker threads as it is. */
export type ClaimedJob = {
  /** The event's row id (hookport_events.id), the same for all its jobs. */
  id: string;
  target: JobTarget;
  source: string;
  eventId: string;
  eventType: string;
  /** The event's JSON as text: parsed on the worker, not on the thread that owns the database. */
  payloadJson: string;
  attempt: number;
};

export type Claim = {
  instance: string;
  limit: number;
  /**
   * Whether the claim's commit waits for its WAL to reach the disk. PostgreSQL's need not (issue 9:
   * about 7% more events handled per second in the bench's burst, one flush fewer per batch): the claim is
   * committed and visible at once, only its durability waits, and the batch's completion flushes it with
   * itself (WAL is flushed in order), so a handler's writes never outlive their claim. A crash of hookport
   * loses nothing; a crash of the server may forget a claim whose batch had not completed, so its attempt
   * is not counted and it runs again. The embedded store runs in hookport's process: a handler that kills
   * the process would take an unflushed claim with it and never run out of attempts, so it waits.
   */
  flush?: boolean;
};
/** What every statement after a claim fences on: which job, and which claim of it. */
export type JobRef = Pick<ClaimedJob, "id" | "attempt"> & { target: JobTarget };
export type AttemptTiming = { worker: string | null; startedAt: Date; durationMs: number };

const J = sqlNames(hookportJobs);
const E = sqlNames(hookportEvents);
const A = sqlNames(webhookAttempts);

/** `insert into webhook_attempts (…)` with these columns, for the statements that record an attempt as they change a job. */
export const attemptsInto = (columns: readonly (keyof typeof A)[]) => `insert into ${A.table} (${columns.map((c) => A[c]).join(", ")})`;
const handlerAttempt = attemptsInto(["webhookEventId", "target", "attempt", "outcome", "error", "note", "worker", "startedAt", "durationMs"]);

/** The job of one claim, as every statement after the claim fences on it. */
export const fence = (id: string, target: string, instance: string, attempt: string, j = "") =>
  `${j}${J.webhookEventId} = ${id} and ${j}${J.target} = ${target} and ${j}${J.lockedBy} = ${instance} and ${j}${J.attempts} = ${attempt} and ${j}${J.status} = 'processing'`;

/**
 * Takes due handler jobs and marks them processing, counting the attempt now: a job whose handler kills
 * the process still runs out of attempts. SKIP LOCKED lets several instances claim side by side.
 * Forward jobs are claimed per destination by store/forwarding.ts.
 */
export async function claimDue(db: Executor, { instance, limit, flush = true }: Claim): Promise<ClaimedJob[]> {
  return db.query<ClaimedJob>(
    `${claimJobs(`${J.target} = 'handler'${flush ? "" : " and set_config('synchronous_commit', 'off', true) is not null"}`)}
     select c.${J.webhookEventId}::text as id, c.${J.target} as target, e.${E.source} as source, e.${E.eventId} as "eventId",
            e.${E.eventType} as "eventType", coalesce(e.${E.json}, convert_from(e.${E.body}, 'UTF8')) as "payloadJson", c.${J.attempts} as attempt
       from claimed c join ${E.table} e on e.${E.id} = c.${J.webhookEventId}
      order by c.${J.webhookEventId}`,
    [limit, instance],
  );
}

/**
 * The claim both kinds of job share, as `with due as (…), claimed as (…)`: up to $1 due jobs that match
 * `where` (a condition on the jobs table), oldest due first, marked processing by instance $2 with the
 * attempt counted now. `claimed` has each job's event id, target and attempt.
 */
export const claimJobs = (where: string) =>
  `with due as (
     select ${J.webhookEventId}, ${J.target} from ${J.table}
      where ${where} and ${J.status} in ('pending', 'failed') and ${J.nextAttemptAt} <= now()
      order by ${J.nextAttemptAt}, ${J.webhookEventId}
      limit $1
      for update skip locked
   ), claimed as (
     update ${J.table} j
        set ${J.status} = 'processing', ${J.attempts} = j.${J.attempts} + 1, ${J.lockedAt} = now(), ${J.lockedBy} = $2
       from due where j.${J.webhookEventId} = due.${J.webhookEventId} and j.${J.target} = due.${J.target}
     returning j.${J.webhookEventId}, j.${J.target}, j.${J.attempts}
   )`;

export type Completion = { job: ClaimedJob; note: string | null; timing: AttemptTiming };

/**
 * Marks jobs processed in one statement, with an attempt row each. Run it inside the transaction that
 * holds the handlers' writes (or on its own when they wrote nothing), so writes and mark commit together.
 * Returns, per job, whether its lease held; the caller rolls back when one did not.
 */
export async function completeJobs(db: Executor, instance: string, items: readonly Completion[]): Promise<boolean[]> {
  const rows = await db.query<{ id: string; target: string }>(
    `with input as (
       -- started_at travels as text: under drizzle, postgres.js passes timestamp arrays unserialised.
       select * from unnest($2::int8[], $3::text[], $4::int4[], $5::text[], $6::text[], $7::text[], $8::int4[])
         as u(id, target, attempt, note, worker, started_at, duration_ms)
     ), done as (
       update ${J.table} j
          set ${J.status} = 'processed', ${J.processedAt} = now(), ${J.note} = i.note,
              ${J.lastError} = null, ${J.lockedAt} = null, ${J.lockedBy} = null
         from input i
        where ${fence("i.id", "i.target", "$1", "i.attempt", "j.")}
        returning j.${J.webhookEventId} as id, j.${J.target} as target, j.${J.attempts} as attempts
     )
     ${handlerAttempt}
     select d.id, d.target, d.attempts, 'processed', null, i.note, i.worker, i.started_at::timestamptz, i.duration_ms
       from done d join input i on i.id = d.id and i.target = d.target
     returning ${A.webhookEventId}::text as id, ${A.target} as target`,
    [
      instance,
      items.map((c) => c.job.id),
      items.map((c) => c.job.target),
      items.map((c) => c.job.attempt),
      items.map((c) => c.note),
      items.map((c) => c.timing.worker),
      items.map((c) => c.timing.startedAt.toISOString()),
      items.map((c) => c.timing.durationMs),
    ],
    // On a handler thread's connection, which keeps its plans, a plan made while the jobs table was nearly
    // empty would fetch every `processing` job and match it against the batch (store/postgres.ts).
    { freshPlan: true },
  );
  return leasesHeld(rows, items);
}

/** Per item, whether a completion statement's returned rows include its job: whether its lease held. */
export function leasesHeld(rows: readonly { id: string; target: string }[], items: readonly { job: JobRef }[]): boolean[] {
  const completed = new Set(rows.map((r) => `${r.id}/${r.target}`));
  return items.map((c) => completed.has(`${c.job.id}/${c.job.target}`));
}

/** Records a failed attempt: `failed` with its next try after `delayMs`, or `dead` once out of attempts. */
export async function failJob(
  db: Executor,
  instance: string,
  job: ClaimedJob,
  error: string,
  { maxAttempts, delayMs, ...timing }: AttemptTiming & { maxAttempts: number; delayMs: number },
): Promise<"failed" | "dead" | "lost"> {
  const [row] = await db.query<{ outcome: "failed" | "dead" }>(
    `with f as (
       update ${J.table}
          set ${J.status} = case when ${J.attempts} - ${J.attemptsBase} >= $6 then 'dead' else 'failed' end,
              ${J.nextAttemptAt} = now() + $7::int * interval '1 millisecond',
              ${J.lastError} = $5, ${J.lockedAt} = null, ${J.lockedBy} = null
        where ${fence("$1", "$2", "$3", "$4")}
        returning ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}
     )
     ${handlerAttempt}
     select ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}, $5, null, $8, $9, $10 from f
     returning ${A.outcome} as outcome`,
    [job.id, job.target, instance, job.attempt, error, maxAttempts, delayMs, timing.worker, timing.startedAt.toISOString(), timing.durationMs],
  );
  return row?.outcome ?? "lost";
}

/** Gives a job back without spending its attempt (its worker was stopped for a reason not its own). */
export async function releaseJob(db: Executor, instance: string, job: JobRef, reason: string, timing: AttemptTiming): Promise<void> {
  await db.query(
    `with r as (
       update ${J.table}
          set ${J.status} = 'pending', ${J.attempts} = ${J.attempts} - 1, ${J.nextAttemptAt} = now(), ${J.lockedAt} = null, ${J.lockedBy} = null
        where ${fence("$1", "$2", "$3", "$4")}
        returning ${J.webhookEventId}, ${J.target}
     )
     ${handlerAttempt}
     select ${J.webhookEventId}, ${J.target}, $4, 'released', $5, null, $6, $7, $8 from r`,
    [job.id, job.target, instance, job.attempt, reason, timing.worker, timing.startedAt.toISOString(), timing.durationMs],
  );
}

/**
 * Takes back handler jobs left `processing` by an instance that is gone (forward jobs: reclaimForwardOrphans). An owner is gone when no session
 * on the server carries its name (each instance names its connections with application_name; PGlite
 * has one process, so any other owner is a previous run), or when the lease is far older than any
 * handler may run. Returns how many were taken back; they count as failed attempts.
 */
export async function reclaimOrphans(db: Executor, instance: string, { leaseMs, maxAttempts }: { leaseMs: number; maxAttempts: number }): Promise<number> {
  const rows = await db.query(
    `${orphanedJobs(`${J.target} = 'handler'`)}, r as (
       update ${J.table} j
          set ${J.status} = case when j.${J.attempts} - j.${J.attemptsBase} >= $3 then 'dead' else 'failed' end,
              ${J.nextAttemptAt} = now(), ${J.lockedAt} = null, ${J.lockedBy} = null,
              ${J.lastError} = 'interrupted: the instance handling it stopped (' || coalesce(o.${J.lockedBy}, '?') || ')'
         from orphans o where j.${J.webhookEventId} = o.${J.webhookEventId} and j.${J.target} = o.${J.target}
       returning j.${J.webhookEventId}, j.${J.target}, j.${J.attempts}, j.${J.status}, j.${J.lastError}, o.${J.lockedAt}, o.${J.lockedBy}
     )
     ${handlerAttempt}
     select ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}, ${J.lastError}, null, ${J.lockedBy}, ${J.lockedAt},
            (extract(epoch from now() - ${J.lockedAt}) * 1000)::int from r
     returning 1`,
    [instance, leaseMs, maxAttempts],
  );
  return rows.length;
}

/**
 * `with orphans as (…)`: the jobs matching `where` that are `processing` under an owner other than
 * instance $1 that is gone (no session on the server carries its name), or under a lease older than $2 ms.
 */
export const orphanedJobs = (where: string) =>
  `with orphans as (
     select ${J.webhookEventId}, ${J.target}, ${J.lockedAt}, ${J.lockedBy} from ${J.table} w
      where ${J.status} = 'processing' and ${where}
        and (${J.lockedAt} < now() - $2::int * interval '1 millisecond'
             or (${J.lockedBy} is distinct from $1
                 and not exists (select 1 from pg_stat_activity a where a.application_name = w.${J.lockedBy})))
      for update skip locked
   )`;

/** Handler jobs waiting for a worker, by status (pending, failed, processing), for the backlog gauge (events not yet processed). */
export async function countBacklog(db: Executor): Promise<Record<"pending" | "failed" | "processing", number>> {
  const rows = await db.query<{ status: "pending" | "failed" | "processing"; n: number }>(
    `select ${J.status} as status, count(*)::int as n from ${J.table} where ${J.target} = 'handler' and ${J.status} in ('pending', 'failed', 'processing') group by 1`,
  );
  const counts = { pending: 0, failed: 0, processing: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/**
 * Puts the jobs of these events back to `pending`, due now, with a fresh budget (MAX_ATTEMPTS for the
 * handler, retry_for_hours for a destination); their attempts and the attempt history stay. Jobs being
 * processed right now are left alone. `target` picks one job of each (the handler, or one destination's
 * `forward:<name>`); without it, all of them. Returns the event ids requeued.
 */
export async function requeueEvents(db: Executor, ids: readonly string[], target: JobTarget | null = null): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `update ${J.table}
        set ${J.status} = 'pending', ${J.nextAttemptAt} = now(), ${J.attemptsBase} = ${J.attempts}, ${J.lockedAt} = null, ${J.lockedBy} = null,
            ${J.retryUntil} = null
      where ${J.webhookEventId} = any($1::int8[]) and ${J.status} <> 'processing' and ($2::text is null or ${J.target} = $2)
      returning ${J.webhookEventId}::text as id`,
    [ids, target],
  );
  return [...new Set(rows.map((r) => r.id))];
}
