// QUEUE: a claimed batch's group transaction. Every handler's queries go to it, one statement marks them
// all processed, one commit ends it. That cuts the statements per event from (BEGIN, queries, complete,
// COMMIT) to little more than the handler's own queries; the socket writes they cost were most of
// processing's CPU (issue 5 profile: 44% in writes). It runs where the batch's connection is: on the
// thread that owns the database for PGlite, on the worker thread's own connection for PostgreSQL
// (start-queue.ts decides), and gives back each job's outcome; failures are recorded by the caller.
//
// The group is speculative. If anything in it goes wrong (a handler throws, a query fails and aborts the
// transaction, a lease was lost), it is rolled back whole and each job runs again alone, in its own
// transaction, which gives each its true outcome; handlers are idempotent and the rolled-back run left
// nothing. Two exceptions keep a failure from costing twice: a handler that timed out is charged at once
// (its time is its own), and a job whose worker was stopped for another reason is given back unspent.
import type { Database, Executor } from "../store/db.ts";
import { completeJobs, type AttemptTiming } from "../store/jobs.ts";
import { lazyTransaction, type LazyTx } from "./lazy-transaction.ts";
import type { Job } from "./messages.ts";

/** How a job's handler ended. released: it did not fail on its own (its worker was stopped for another reason). */
export type HandlerResult =
  | { kind: "ok"; note: string | null }
  | { kind: "failed"; error: string; released: boolean; timedOut: boolean };

export type HandlerFailure = Extract<HandlerResult, { kind: "failed" }>;

/** What became of a job. lost: its lease was gone at completion, so its writes were rolled back. */
export type Outcome = { timing: AttemptTiming } & ({ kind: "processed"; note: string | null } | { kind: "lost" } | HandlerFailure);

export type JobOutcome = Outcome & { job: Job };

export type GroupDeps = {
  db: Pick<Database, "begin"> & Executor;
  instance: string;
  /** Runs the job's handler with its queries on `tx`. */
  run(job: Job, tx: LazyTx): Promise<{ result: HandlerResult; timing: AttemptTiming }>;
  /** Told before a job of a failed group runs again alone (its time limit starts again). */
  onAlone?(job: Job): void;
};

type Ran = { job: Job; result: HandlerResult; timing: AttemptTiming };

/** A failure that stands without running the job again: it timed out (its time is its own) or was released. */
const settled = (result: HandlerResult) => result.kind === "failed" && (result.released || result.timedOut);

/** A batch: one group transaction when all goes well, each job alone when not. Outcomes in the order of `jobs`. */
export async function runGroup(deps: GroupDeps, jobs: readonly Job[]): Promise<JobOutcome[]> {
  const { db, instance } = deps;
  const run = async (job: Job, tx: LazyTx): Promise<Ran> => ({ job, ...(await deps.run(job, tx)) });
  const completions = (ok: Ran[]) => ok.map((r) => ({ job: r.job, note: (r.result as { note: string | null }).note, timing: r.timing }));

  /**
   * One job in its own transaction: complete with its writes, or roll back and say why. A transaction
   * that lent the embedded store's connection and could not resume says nothing about the job: it runs
   * once more, holding the connection (`hold`), so it cannot miss its turn again.
   */
  const runAlone = async (job: Job, hold = false): Promise<JobOutcome> => {
    const tx = lazyTransaction(db, { hold });
    const again = async () => {
      await tx.rollback().catch(() => {});
      deps.onAlone?.(job);
      return runAlone(job, true);
    };
    const ran = await run(job, tx);
    if (tx.unresumable && !settled(ran.result)) return again();
    if (ran.result.kind === "ok") {
      try {
        const executor = tx.begun ? await tx.open() : db;
        const [completed] = await completeJobs(executor, instance, completions([ran]));
        if (tx.begun) await (completed ? (await tx.open()).commit() : tx.rollback());
        return completed ? { job, timing: ran.timing, kind: "processed", note: ran.result.note } : { job, timing: ran.timing, kind: "lost" };
      } catch (err) {
        if (tx.unresumable) return again();
        await tx.rollback().catch(() => {});
        return { job, timing: ran.timing, kind: "failed", error: `completing failed: ${(err as Error).message}`, released: false, timedOut: false };
      }
    }
    await tx.rollback().catch(() => {});
    return { job, timing: ran.timing, ...ran.result };
  };

  if (jobs.length === 1) return [await runAlone(jobs[0]!)];
  const tx = lazyTransaction(db);
  const runs = await Promise.all(jobs.map((job) => run(job, tx)));
  const ok = runs.filter((r) => r.result.kind === "ok");

  if (!tx.begun) {
    // No handler touched the database: nothing to undo, so each outcome stands as it is, and the
    // successes complete in one statement without a transaction.
    const completed = ok.length > 0 ? await completeJobs(db, instance, completions(ok)) : [];
    const done = new Map(ok.map((r, i) => [r, completed[i]]));
    return runs.map((r): JobOutcome => {
      if (r.result.kind === "failed") return { job: r.job, timing: r.timing, ...r.result };
      return done.get(r) ? { job: r.job, timing: r.timing, kind: "processed", note: r.result.note } : { job: r.job, timing: r.timing, kind: "lost" };
    });
  }
  if (ok.length === runs.length) {
    try {
      const group = await tx.open();
      const completed = await completeJobs(group, instance, completions(ok));
      if (completed.every(Boolean)) {
        await group.commit();
        return runs.map((r) => ({ job: r.job, timing: r.timing, kind: "processed", note: (r.result as { note: string | null }).note }));
      }
    } catch {
      // Falls through to running each alone.
    }
  }
  await tx.rollback().catch(() => {});
  return Promise.all(
    runs.map((r): JobOutcome | Promise<JobOutcome> => {
      if (settled(r.result)) return { job: r.job, timing: r.timing, ...(r.result as HandlerFailure) };
      deps.onAlone?.(r.job);
      return runAlone(r.job);
    }),
  );
}
