// QUEUE: what happens to a claimed batch of jobs. The batch runs as one group transaction: every
// handler's queries go to it, one statement marks them all processed, one commit ends it. That cuts the
// statements per event from (BEGIN, queries, complete, COMMIT) to little more than the handler's own
// queries; the socket writes they cost were most of processing's CPU (issue 5 profile: 44% in writes).
//
// The group is speculative. If anything in it goes wrong (a handler throws, a query fails and aborts the
// transaction, a lease was lost), it is rolled back whole and each job runs again alone, in its own
// transaction, which gives each its true outcome; handlers are idempotent and the rolled-back run left
// nothing. Two exceptions keep a failure from costing twice: a handler that timed out is charged at once
// (its time is its own), and a job whose worker was stopped for another reason is given back unspent.
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { noHandlerNote } from "../handlers/registry.ts";
import type { Database, Executor } from "../store/db.ts";
import { completeJobs, failJob, releaseJob, type AttemptTiming } from "../store/jobs.ts";
import { backoffMs } from "./backoff.ts";
import { lazyTransaction, type LazyTx } from "./lazy-transaction.ts";
import type { Job } from "./messages.ts";
import type { JobResult, WorkerPool } from "./pool.ts";

export type ProcessDeps = {
  db: Database;
  pool: WorkerPool;
  instance: string;
  log: Logger;
  metrics?: Metrics;
  maxAttempts: number;
  retryBaseMs: number;
};

type Ran = { job: Job; result: JobResult; timing: AttemptTiming };

export function createJobProcessor(deps: ProcessDeps) {
  const { db, pool, instance } = deps;
  const jobLog = (job: Job) => deps.log.child({ source: job.source, eventId: job.eventId, attempt: job.attempt });

  /** Runs the handler with its queries on `tx`. An event nobody handles needs no worker at all. */
  const run = async (job: Job, tx: LazyTx): Promise<Ran> => {
    const startedAt = new Date();
    const result: JobResult =
      pool.hasHandler(job.source, job.eventType) === false
        ? { ok: true, note: noHandlerNote }
        : await pool.run(job, (sql, params, method) => tx.query(sql, params, method === "all" ? "arrays" : "objects"));
    return { job, result, timing: { worker: instance, startedAt, durationMs: Date.now() - startedAt.getTime() } };
  };

  const processed = (ran: Ran) => {
    deps.metrics?.handled.inc({ source: ran.job.source, outcome: "processed" });
    const note = ran.result.ok ? ran.result.note : null;
    jobLog(ran.job).info("event processed", { status: "processed", note, durationMs: ran.timing.durationMs });
  };

  const recordFailure = async ({ job, result, timing }: Ran & { result: { ok: false } }) => {
    const log = jobLog(job);
    if (result.released) {
      await releaseJob(db, instance, job, result.error, timing);
      log.info("event released", { status: "pending", reason: result.error });
      return;
    }
    const delayMs = backoffMs(job.attempt, deps.retryBaseMs);
    const outcome = await failJob(db, instance, job, result.error, { ...timing, maxAttempts: deps.maxAttempts, delayMs });
    deps.metrics?.handled.inc({ source: job.source, outcome });
    const fields = { status: outcome, error: result.error.split("\n")[0], retryInMs: outcome === "failed" ? delayMs : undefined };
    if (outcome === "dead") log.error("event dead: out of attempts", fields);
    else log.warn("handler failed", fields);
  };

  /** One job in its own transaction: complete with its writes, or roll back and record the failure. */
  const processAlone = async (job: Job): Promise<void> => {
    const tx = lazyTransaction(db);
    const ran = await run(job, tx);
    if (ran.result.ok) {
      try {
        const executor = tx.begun ? await tx.open() : db;
        const [completed] = await completeJobs(executor, instance, [{ job, note: ran.result.note, timing: ran.timing }]);
        if (tx.begun) await (completed ? (await tx.open()).commit() : tx.rollback());
        if (completed) processed(ran);
        else jobLog(job).warn("lease lost before completion; the handler's writes were rolled back");
        return;
      } catch (err) {
        await tx.rollback().catch(() => {});
        return recordFailure({ ...ran, result: { ok: false, error: `completing failed: ${(err as Error).message}`, released: false } });
      }
    }
    await tx.rollback().catch((err: unknown) => jobLog(job).warn("rollback failed", { err }));
    return recordFailure({ ...ran, result: ran.result });
  };

  /** A claimed batch: one group transaction when all goes well, each job alone when not. */
  const processBatch = async (jobs: Job[]): Promise<void> => {
    if (jobs.length === 1) return processAlone(jobs[0]!);
    const tx = lazyTransaction(db);
    const runs = await Promise.all(jobs.map((job) => run(job, tx)));
    const ok = runs.filter((r) => r.result.ok);

    if (!tx.begun) {
      // No handler touched the database: nothing to undo, so each outcome stands as it is.
      await settleWithout(db, ok);
      await Promise.all(runs.filter((r) => !r.result.ok).map((r) => recordFailure(r as Ran & { result: { ok: false } })));
      return;
    }
    if (ok.length === runs.length) {
      try {
        const group = await tx.open();
        const completed = await completeJobs(group, instance, ok.map((r) => ({ job: r.job, note: (r.result as { note: string | null }).note, timing: r.timing })));
        if (completed.every(Boolean)) {
          await group.commit();
          ok.forEach(processed);
          return;
        }
      } catch {
        // Falls through to running each alone.
      }
    }
    await tx.rollback().catch(() => {});
    await Promise.all(
      runs.map((r) => {
        if (!r.result.ok && (r.result.released || r.result.timedOut)) return recordFailure(r as Ran & { result: { ok: false } });
        return processAlone(r.job);
      }),
    );
  };

  /** Completes handler-less successes in one statement; a lost lease is only logged (nothing to undo). */
  const settleWithout = async (executor: Executor, ok: Ran[]) => {
    if (ok.length === 0) return;
    const completed = await completeJobs(executor, instance, ok.map((r) => ({ job: r.job, note: (r.result as { note: string | null }).note, timing: r.timing })));
    ok.forEach((r, i) => (completed[i] ? processed(r) : jobLog(r.job).warn("lease lost before completion")));
  };

  return { processBatch };
}
