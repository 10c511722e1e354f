// STORE: the event row as a job — claim, finish, fail, reclaim and requeue (graphile/worker's
// getJobs/failJobs/resetLockedAt, one statement each).
import type { Executor } from "./db.ts";

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
