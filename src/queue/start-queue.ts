// QUEUE: wires the runner to the store and the worker pool. Per job: claim (already done) → run the
// handler on a worker, its queries in a transaction begun lazily here → complete in that same
// transaction, or roll back and record the failure with backoff.
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { lazyTransaction, type Database } from "../store/db.ts";
import { noHandlerNote } from "../handlers/registry.ts";
import { createBatcher } from "../store/batcher.ts";
import { claimDue, completeJob, completeJobs, countBacklog, failJob, reclaimOrphans, releaseJob, type AttemptTiming, type Completion } from "../store/jobs.ts";
import { backoffMs } from "./backoff.ts";
import type { Job } from "./messages.ts";
import { WorkerPool, type JobResult } from "./pool.ts";
import { Runner } from "./runner.ts";

export type QueueOptions = {
  db: Database;
  config: Pick<Config, "workers" | "workerConcurrency" | "handlerTimeoutMs" | "maxAttempts" | "retryBaseMs" | "pollIntervalMs" | "logLevel">;
  instance: string;
  log: Logger;
  metrics?: Metrics;
  /** Worker entry module; tests pass one with extra handlers. */
  entry: string | URL;
};

export type Queue = { wake(): void; stop(deadlineMs: number): Promise<void>; settled(): Promise<void> };

export async function startQueue({ db, config, instance, log, metrics, entry }: QueueOptions): Promise<Queue> {
  const pool = new WorkerPool({
    size: config.workers,
    concurrency: config.workerConcurrency,
    timeoutMs: config.handlerTimeoutMs,
    log,
    logLevel: config.logLevel,
    entry,
    onCapacity: () => runner.wake(),
  });

  // Jobs whose handler wrote nothing have no transaction to complete in: complete them together,
  // one statement for many, so processing keeps up with group-committed ingest.
  const completer = createBatcher((items: Completion[]) => completeJobs(db, instance, items), {
    concurrency: db.kind === "postgres" ? 2 : 1,
  });

  const process = async (job: Job): Promise<JobResult> => {
    const jobLog = log.child({ source: job.source, eventId: job.eventId, attempt: job.attempt });
    const startedAt = new Date();
    const tx = lazyTransaction(db);
    // An event nobody handles needs no worker: the workers said at start which types they handle.
    const result: JobResult =
      pool.hasHandler(job.source, job.eventType) === false
        ? { ok: true, note: noHandlerNote }
        : await pool.run(job, (sql, params, method) => tx.query(sql, params, method === "all" ? "arrays" : "objects"));
    const timing = () => ({ worker: instance, startedAt, durationMs: Math.round(Date.now() - startedAt.getTime()) });

    if (result.ok) {
      try {
        const completed = tx.begun
          ? await completeJob(await tx.open(), instance, job, result.note, timing())
          : await completer.add({ job, note: result.note, timing: timing() });
        if (completed) {
          metrics?.handled.inc({ source: job.source, outcome: "processed" });
          jobLog.info("event processed", { status: "processed", note: result.note, durationMs: timing().durationMs });
        } else {
          jobLog.warn("lease lost before completion; the handler's writes were rolled back");
        }
        return result;
      } catch (err) {
        await tx.rollback().catch(() => {});
        return record(job, { ok: false, error: `completing failed: ${(err as Error).message}`, released: false }, timing(), jobLog);
      }
    }
    await tx.rollback().catch((err: unknown) => jobLog.warn("rollback failed", { err }));
    return record(job, result, timing(), jobLog);
  };

  const record = async (job: Job, result: JobResult & { ok: false }, timing: AttemptTiming, jobLog: Logger) => {
    if (result.released) {
      await releaseJob(db, instance, job, result.error, timing);
      jobLog.info("event released", { status: "pending", reason: result.error });
      return result;
    }
    const delayMs = backoffMs(job.attempt, config.retryBaseMs);
    const outcome = await failJob(db, instance, job, result.error, { ...timing, maxAttempts: config.maxAttempts, delayMs });
    metrics?.handled.inc({ source: job.source, outcome });
    const fields = { status: outcome, error: result.error.split("\n")[0], retryInMs: outcome === "failed" ? delayMs : undefined };
    if (outcome === "dead") jobLog.error("event dead: out of attempts", fields);
    else jobLog.warn("handler failed", fields);
    return result;
  };

  const runner = new Runner({
    free: () => pool.free,
    claim: (limit) => claimDue(db, { instance, limit }),
    process,
    reclaim: () => reclaimOrphans(db, instance, { leaseMs: config.handlerTimeoutMs * 2 + 30_000, maxAttempts: config.maxAttempts }),
    log,
    pollIntervalMs: config.pollIntervalMs,
    reclaimIntervalMs: 5_000,
  });
  await runner.start();
  const gauge = setInterval(() => {
    if (!metrics) return;
    countBacklog(db).then(
      (counts) => Object.entries(counts).forEach(([status, n]) => metrics.backlog.set({ status }, n)),
      () => {},
    );
  }, 5_000);

  return {
    wake: () => runner.wake(),
    settled: () => runner.settled(),
    stop: async (deadlineMs) => {
      clearInterval(gauge);
      const still = await runner.stop(deadlineMs);
      if (still > 0) log.warn("handlers still running at the shutdown deadline; releasing them", { count: still });
      // Closing the pool ends those jobs as released; their records are written before settled() returns.
      await pool.close();
      await runner.settled();
      await completer.drain();
    },
  };
}
