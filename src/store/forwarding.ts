// STORE: forward jobs (issue 10), one `forward:<destination>` job per event and destination. Claimed
// per destination, so each keeps its own concurrency and a paused one holds back nobody else; every
// change after the claim is fenced on it, as the handler's are (jobs.ts).
import type { Executor } from "./db.ts";
import { attemptsInto, claimJobs, fence, leasesHeld, orphanedJobs } from "./jobs.ts";
import { sqlNames } from "./names.ts";
import { hookportDestinations, hookportEvents, hookportJobs, webhookAttempts, type JobTarget } from "./schema.ts";

/** A claimed forward job: what the delivery needs, the body byte for byte. */
export type ForwardJob = {
  /** The event's row id (hookport_events.id). */
  id: string;
  target: JobTarget;
  destination: string;
  source: string;
  eventId: string;
  eventType: string;
  body: Uint8Array<ArrayBuffer>;
  /** The sender's headers hookport kept (lower-case names). */
  headers: Record<string, string>;
  attempt: number;
};

/** One attempt as the forwarder saw it. `responseStatus` is null when no response came. */
export type ForwardAttempt = { startedAt: Date; durationMs: number; responseStatus: number | null; responseStart: string | null };

const J = sqlNames(hookportJobs);
const E = sqlNames(hookportEvents);
const D = sqlNames(hookportDestinations);
const A = sqlNames(webhookAttempts);
const forwardAttempt = attemptsInto(["webhookEventId", "target", "attempt", "outcome", "error", "worker", "startedAt", "durationMs", "responseStatus", "responseStart"]);

export const forwardTarget = (destination: string): JobTarget => `forward:${destination}`;

/**
 * Takes up to `limit` due jobs of one destination, oldest due first, unless the destination is paused
 * by the admin (checked here too, so a pause another instance made holds at once).
 */
export async function claimForward(db: Executor, { instance, destination, limit }: { instance: string; destination: string; limit: number }): Promise<ForwardJob[]> {
  const rows = await db.query<Omit<ForwardJob, "body" | "destination"> & { body: Uint8Array }>(
    `${claimJobs(`${J.target} = $3 and not exists (select 1 from ${D.table} d where d.${D.name} = $4 and d.${D.paused})`)}
     select c.${J.webhookEventId}::text as id, c.${J.target} as target, e.${E.source} as source, e.${E.eventId} as "eventId",
            e.${E.eventType} as "eventType", e.${E.body} as body, e.${E.headers} as headers, c.${J.attempts} as attempt
       from claimed c join ${E.table} e on e.${E.id} = c.${J.webhookEventId}
      order by c.${J.webhookEventId}`,
    [limit, instance, forwardTarget(destination), destination],
  );
  return rows.map((r) => ({ ...r, destination, body: new Uint8Array(r.body) }));
}

export type ForwardCompletion = { job: ForwardJob; attempt: ForwardAttempt };

/**
 * Marks deliveries `processed` (the destination answered 2xx), each with its attempt row, in one
 * statement: one commit for many deliveries, as the handlers' completeJobs. Per item, whether its
 * lease held.
 */
export async function completeForwards(db: Executor, instance: string, items: readonly ForwardCompletion[]): Promise<boolean[]> {
  const rows = await db.query<{ id: string; target: string }>(
    `with input as (
       -- started_at travels as text: under drizzle, postgres.js passes timestamp arrays unserialised.
       select * from unnest($2::int8[], $3::text[], $4::int4[], $5::text[], $6::int4[], $7::int2[], $8::text[])
         as u(id, target, attempt, started_at, duration_ms, response_status, response_start)
     ), done as (
       update ${J.table} j
          set ${J.status} = 'processed', ${J.processedAt} = now(), ${J.lastError} = null, ${J.lockedAt} = null, ${J.lockedBy} = null
         from input i
        where ${fence("i.id", "i.target", "$1", "i.attempt", "j.")}
        returning j.${J.webhookEventId} as id, j.${J.target} as target, j.${J.attempts} as attempts
     )
     ${forwardAttempt}
     select d.id, d.target, d.attempts, 'processed', null, $1, i.started_at::timestamptz, i.duration_ms, i.response_status, i.response_start
       from done d join input i on i.id = d.id and i.target = d.target
     returning ${A.webhookEventId}::text as id, ${A.target} as target`,
    [
      instance,
      items.map((c) => c.job.id),
      items.map((c) => c.job.target),
      items.map((c) => c.job.attempt),
      items.map((c) => c.attempt.startedAt.toISOString()),
      items.map((c) => c.attempt.durationMs),
      items.map((c) => c.attempt.responseStatus),
      items.map((c) => c.attempt.responseStart),
    ],
  );
  return leasesHeld(rows, items);
}

/**
 * Records a failed delivery: `failed`, due again after `delayMs` (never later than its deadline), or
 * `dead` once it fails at or after the deadline, which its first failure sets to `retryForMs` ahead.
 */
export async function failForward(
  db: Executor,
  instance: string,
  job: ForwardJob,
  error: string,
  { delayMs, retryForMs, ...attempt }: ForwardAttempt & { delayMs: number; retryForMs: number },
): Promise<"failed" | "dead" | "lost"> {
  const [row] = await db.query<{ outcome: "failed" | "dead" }>(
    `with f as (
       update ${J.table}
          set ${J.retryUntil} = coalesce(${J.retryUntil}, now() + $7::bigint * interval '1 millisecond'),
              ${J.status} = case when now() >= coalesce(${J.retryUntil}, now() + $7::bigint * interval '1 millisecond') then 'dead' else 'failed' end,
              ${J.nextAttemptAt} = least(now() + $6::bigint * interval '1 millisecond', coalesce(${J.retryUntil}, now() + $7::bigint * interval '1 millisecond')),
              ${J.lastError} = $5, ${J.lockedAt} = null, ${J.lockedBy} = null
        where ${fence("$1", "$2", "$3", "$4")}
        returning ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}
     )
     ${forwardAttempt}
     select ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}, $5, $3, $8::timestamptz, $9, $10, $11 from f
     returning ${A.outcome} as outcome`,
    [job.id, job.target, instance, job.attempt, error, delayMs, retryForMs, attempt.startedAt.toISOString(), attempt.durationMs, attempt.responseStatus, attempt.responseStart],
  );
  return row?.outcome ?? "lost";
}

/**
 * Takes back forward jobs left `processing` by an instance that is gone (no session carries its
 * name, or the lease is far older than any delivery may take): due again now, the attempt spent.
 */
export async function reclaimForwardOrphans(db: Executor, instance: string, { leaseMs }: { leaseMs: number }): Promise<number> {
  const rows = await db.query(
    `${orphanedJobs(`${J.target} like 'forward:%'`)}, r as (
       update ${J.table} j
          set ${J.status} = case when j.${J.retryUntil} is not null and now() >= j.${J.retryUntil} then 'dead' else 'failed' end,
              ${J.nextAttemptAt} = now(), ${J.lockedAt} = null, ${J.lockedBy} = null,
              ${J.lastError} = 'interrupted: the instance delivering it stopped (' || coalesce(o.${J.lockedBy}, '?') || ')'
         from orphans o where j.${J.webhookEventId} = o.${J.webhookEventId} and j.${J.target} = o.${J.target}
       returning j.${J.webhookEventId}, j.${J.target}, j.${J.attempts}, j.${J.status}, j.${J.lastError}, o.${J.lockedAt}, o.${J.lockedBy}
     )
     ${forwardAttempt}
     select ${J.webhookEventId}, ${J.target}, ${J.attempts}, ${J.status}, ${J.lastError}, ${J.lockedBy}, ${J.lockedAt},
            (extract(epoch from now() - ${J.lockedAt}) * 1000)::int, null, null from r
     returning 1`,
    [instance, leaseMs],
  );
  return rows.length;
}

/**
 * Puts one destination's jobs in `status` (dead or failed) back to pending, due now, with a fresh
 * retry_for_hours: the destinations page's "retry all". Returns how many.
 */
export async function requeueDestination(db: Executor, destination: string, status: "dead" | "failed"): Promise<number> {
  const rows = await db.query(
    `update ${J.table} set ${J.status} = 'pending', ${J.nextAttemptAt} = now(), ${J.retryUntil} = null
      where ${J.target} = $1 and ${J.status} = $2
      returning 1`,
    [forwardTarget(destination), status],
  );
  return rows.length;
}
