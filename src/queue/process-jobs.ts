// QUEUE: what happens to a claimed batch of jobs. Its handlers run in a group transaction (run-group.ts),
// wherever the store lets it run; here each job's outcome is counted, logged, and, when it failed,
// recorded on this thread's connection: failed with its backoff, dead after MAX_ATTEMPTS, or released.
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Executor } from "../store/db.ts";
import { failJob, releaseJob } from "../store/jobs.ts";
import { backoffMs } from "./backoff.ts";
import type { Job } from "./messages.ts";
import type { JobOutcome } from "./run-group.ts";

export type ProcessDeps = {
  db: Executor;
  /** Runs a batch's handlers in its group transaction; the processed ones are already marked. */
  runBatch(jobs: Job[]): Promise<JobOutcome[]>;
  instance: string;
  log: Logger;
  metrics?: Metrics;
  maxAttempts: number;
  retryBaseMs: number;
};

// A failure's record is written on this thread's connection after the batch. When the store went away
// just then (prove: PostgreSQL stopped under load, one CI run in five), the job stayed processing until
// its lease ran out (a minute and more), so it is written again until the store is back, for this long
// at most; every write is fenced on the claim, so a late one changes nothing it should not.
const recordRetryMs = 30_000;

async function untilWritten<T>(write: () => Promise<T>, log: Logger): Promise<T> {
  const until = performance.now() + recordRetryMs;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    try {
      return await write();
    } catch (err) {
      if (performance.now() + delayMs > until) throw err;
      log.warn("recording an outcome failed; trying again", { err: (err as Error).message, retryInMs: delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Outcomes since the last summary: what the periodic info line reports instead of a line per event. */
type Tally = Record<"processed" | "failed" | "dead" | "released" | "lost", number>;
const emptyTally = (): Tally => ({ processed: 0, failed: 0, dead: 0, released: 0, lost: 0 });

export function createJobProcessor(deps: ProcessDeps) {
  const { db, instance } = deps;
  let tally = emptyTally();
  const scope = (job: Job) => ({ source: job.source, eventId: job.eventId, attempt: job.attempt });
  const jobLog = (job: Job) => deps.log.child(scope(job));

  const record = async (outcome: JobOutcome): Promise<void> => {
    const { job, timing } = outcome;
    switch (outcome.kind) {
      case "processed":
        tally.processed++;
        deps.metrics?.handled.inc({ source: job.source, outcome: "processed" });
        // Debug, not info: a line per event was a measurable share of the main thread (issue 9); the
        // metrics count them, and warn/error still name every failure.
        deps.log.debug("event processed", { ...scope(job), status: "processed", note: outcome.note, durationMs: timing.durationMs });
        return;
      case "lost":
        tally.lost++;
        jobLog(job).warn("lease lost before completion; the handler's writes were rolled back");
        return;
      case "failed": {
        const log = jobLog(job);
        if (outcome.released) {
          await untilWritten(() => releaseJob(db, instance, job, outcome.error, timing), log);
          tally.released++;
          log.info("event released", { status: "pending", reason: outcome.error });
          return;
        }
        const delayMs = backoffMs(job.attempt, deps.retryBaseMs);
        const status = await untilWritten(() => failJob(db, instance, job, outcome.error, { ...timing, maxAttempts: deps.maxAttempts, delayMs }), log);
        deps.metrics?.handled.inc({ source: job.source, outcome: status });
        tally[status]++;
        const fields = { status, error: outcome.error.split("\n")[0], retryInMs: status === "failed" ? delayMs : undefined };
        if (status === "dead") log.error("event dead: out of attempts", fields);
        else log.warn("handler failed", fields);
      }
    }
  };

  const processBatch = async (jobs: Job[]): Promise<void> => {
    await Promise.all((await deps.runBatch(jobs)).map(record));
  };

  /** The outcomes since the last call, and starts counting again. */
  const takeTally = (): Tally => {
    const taken = tally;
    tally = emptyTally();
    return taken;
  };

  return { processBatch, takeTally };
}
