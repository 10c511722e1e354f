// STORE: the state of forwarding destinations (hookport_destinations: the admin's pause, the circuit
// breaker) and what the admin shows of them: each destination's health and backlog, and each event's
// deliveries with every attempt.
import type { Executor } from "./db.ts";
import { sqlNames } from "./names.ts";
import { hookportDestinations, hookportJobs, webhookAttempts, type EventStatus } from "./schema.ts";

/** The breaker's part of a destination's state (see forward/breaker.ts). */
export type BreakerState = { failuresInARow: number; openUntil: Date | null; coolDownMs: number | null };

export type DestinationState = BreakerState & {
  name: string;
  paused: boolean;
  pausedReason: string | null;
  pausedAt: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
};

/** Deliveries of one destination not (yet) processed, by status. */
export type Backlog = Record<Exclude<EventStatus, "processed">, number>;
export type DestinationSummary = DestinationState & { backlog: Backlog };

const D = sqlNames(hookportDestinations);
const J = sqlNames(hookportJobs);
const A = sqlNames(webhookAttempts);

const stateColumns = `${D.name} as name, ${D.paused} as paused, ${D.pausedReason} as "pausedReason", ${D.pausedAt} as "pausedAt",
  ${D.failuresInARow} as "failuresInARow", ${D.openUntil} as "openUntil", ${D.coolDownMs} as "coolDownMs",
  ${D.lastSuccessAt} as "lastSuccessAt", ${D.lastFailureAt} as "lastFailureAt", ${D.lastError} as "lastError"`;

type StateRow = Omit<DestinationState, "pausedAt" | "openUntil" | "lastSuccessAt" | "lastFailureAt"> & {
  pausedAt: string | Date | null;
  openUntil: string | Date | null;
  lastSuccessAt: string | Date | null;
  lastFailureAt: string | Date | null;
};
const date = (v: string | Date | null) => (v === null ? null : new Date(v));
const toState = (r: StateRow): DestinationState => ({
  ...r,
  pausedAt: date(r.pausedAt),
  openUntil: date(r.openUntil),
  lastSuccessAt: date(r.lastSuccessAt),
  lastFailureAt: date(r.lastFailureAt),
});

/** Makes sure each configured destination has a state row (a new one starts closed and running). */
export async function ensureDestinations(db: Executor, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db.query(`insert into ${D.table} (${D.name}) select unnest($1::text[]) on conflict (${D.name}) do nothing`, [names]);
}

/** The states of these destinations (all, without `names`), by name. */
export async function readDestinationStates(db: Executor, names?: readonly string[]): Promise<DestinationState[]> {
  const rows = await db.query<StateRow>(
    `select ${stateColumns} from ${D.table} where $1::text[] is null or ${D.name} = any($1::text[]) order by ${D.name}`,
    [names ?? null],
  );
  return rows.map(toState);
}

/** Writes what the breaker decided after an attempt, and when the destination last answered well or not. */
export async function saveBreaker(db: Executor, name: string, state: BreakerState, outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
  await db.query(
    `update ${D.table} set ${D.failuresInARow} = $2, ${D.openUntil} = $3::timestamptz, ${D.coolDownMs} = $4,
        ${D.lastSuccessAt} = case when $5 then now() else ${D.lastSuccessAt} end,
        ${D.lastFailureAt} = case when $5 then ${D.lastFailureAt} else now() end,
        ${D.lastError} = case when $5 then ${D.lastError} else $6 end
      where ${D.name} = $1`,
    [name, state.failuresInARow, state.openUntil?.toISOString() ?? null, state.coolDownMs, outcome.ok, outcome.ok ? null : outcome.error],
  );
}

/**
 * The admin's pause (kept until resumed; separate from the breaker) or resume. Returns false for a name
 * with no state row (not a configured destination).
 */
export async function setPaused(db: Executor, name: string, paused: boolean, reason: string | null = null): Promise<boolean> {
  const rows = await db.query(
    `update ${D.table} set ${D.paused} = $2, ${D.pausedReason} = case when $2 then $3 end, ${D.pausedAt} = case when $2 then now() end
      where ${D.name} = $1 returning 1`,
    [name, paused, reason],
  );
  return rows.length > 0;
}

/** Every destination with a state row: its pause, breaker, last outcomes and jobs by status. */
export async function listDestinations(db: Executor): Promise<DestinationSummary[]> {
  const [states, counts] = await Promise.all([
    readDestinationStates(db),
    db.query<{ name: string; status: keyof Backlog; n: number }>(
      // Not `processed`: that is every delivery ever made, and counting it would read them all.
      `select substr(${J.target}, 9) as name, ${J.status} as status, count(*)::int as n from ${J.table}
        where ${J.status} in ('pending', 'processing', 'failed', 'dead') and ${J.target} like 'forward:%' group by 1, 2`,
    ),
  ]);
  return states.map((s) => {
    const backlog: Backlog = { pending: 0, processing: 0, failed: 0, dead: 0 };
    for (const c of counts) if (c.name === s.name) backlog[c.status] = c.n;
    return { ...s, backlog };
  });
}

export type DeliveryAttempt = {
  attempt: number;
  outcome: "processed" | "failed" | "dead" | "released";
  responseStatus: number | null;
  responseStart: string | null;
  error: string | null;
  startedAt: Date;
  durationMs: number;
};

export type Delivery = {
  destination: string;
  status: EventStatus;
  attempts: number;
  nextAttemptAt: Date;
  retryUntil: Date | null;
  lastError: string | null;
  processedAt: Date | null;
  /** Oldest first. */
  history: DeliveryAttempt[];
};


/** One event's deliveries, one per destination it is forwarded to (by name), each with its attempts. */
export async function eventDeliveries(db: Executor, eventRowId: string): Promise<Delivery[]> {
  const [jobs, attempts] = await Promise.all([
    db.query<{ target: string; status: EventStatus; attempts: number; nextAttemptAt: string; retryUntil: string | null; lastError: string | null; processedAt: string | null }>(
      `select ${J.target} as target, ${J.status} as status, ${J.attempts} as attempts, ${J.nextAttemptAt} as "nextAttemptAt",
              ${J.retryUntil} as "retryUntil", ${J.lastError} as "lastError", ${J.processedAt} as "processedAt"
         from ${J.table} where ${J.webhookEventId} = $1 and ${J.target} like 'forward:%' order by 1`,
      [eventRowId],
    ),
    db.query<Omit<DeliveryAttempt, "startedAt"> & { target: string; startedAt: string }>(
      `select ${A.target} as target, ${A.attempt} as attempt, ${A.outcome} as outcome, ${A.responseStatus} as "responseStatus",
              ${A.responseStart} as "responseStart", ${A.error} as error, ${A.startedAt} as "startedAt", ${A.durationMs} as "durationMs"
         from ${A.table} where ${A.webhookEventId} = $1 and ${A.target} like 'forward:%' order by ${A.id}`,
      [eventRowId],
    ),
  ]);
  return jobs.map((j) => ({
    destination: j.target.slice("forward:".length),
    status: j.status,
    attempts: j.attempts,
    nextAttemptAt: new Date(j.nextAttemptAt),
    retryUntil: date(j.retryUntil),
    lastError: j.lastError,
    processedAt: date(j.processedAt),
    history: attempts.filter((a) => a.target === j.target).map(({ target: _, startedAt, ...a }) => ({ ...a, startedAt: new Date(startedAt) })),
  }));
}
