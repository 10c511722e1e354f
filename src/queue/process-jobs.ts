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
          await releaseJob(db, instance, job, outcome.error, timing);
          tally.released++;
          log.info("event released", { status: "pending", reason: outcome.error });
          return;
        }
        const delayMs = backoffMs(job.attempt, deps.retryBaseMs);
        const status = await failJob(db, instance, job, outcome.error, { ...timing, maxAttempts: deps.maxAttempts, delayMs });
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
