// QUEUE: wires the runner to the store, the worker pool and the batch processor (process-jobs.ts), and
// decides where a batch's group transaction runs (below: the one place where the stores differ).
import type { Config } from "../config.ts";
import { noHandlerNote } from "../handlers/registry.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Database } from "../store/db.ts";
import { claimDue, countBacklog, reclaimOrphans } from "../store/jobs.ts";
import type { Job } from "./messages.ts";
import { WorkerPool } from "./pool.ts";
import { createJobProcessor } from "./process-jobs.ts";
import { runGroup, type HandlerResult, type JobOutcome } from "./run-group.ts";
import { Runner } from "./runner.ts";

export type QueueOptions = {
  db: Database;
  config: Pick<Config, "workers" | "workerConcurrency" | "handlerTimeoutMs" | "maxAttempts" | "retryBaseMs" | "pollIntervalMs" | "logLevel"> &
    Partial<Pick<Config, "endpoints">>;
  instance: string;
  log: Logger;
  metrics?: Metrics;
  /** Worker entry module; tests pass one with extra handlers. */
  entry: string | URL;
};

export type Queue = { wake(): void; stop(deadlineMs: number): Promise<void> };

// A worker's group transactions and the jobs of a failed group running alone share its connections; past
// this many they wait for one rather than crowd the server (several instances share its max_connections).
const workerConnections = 4;

// How long a claim that follows a short one waits for more to gather (runner.ts). Measured on PostgreSQL
// at a steady 1,000 and 1,500 deliveries/s offered (issue 9, the compiled binary, two runs each): 4-9%
// less of hookport's CPU and 3-11% less of PostgreSQL's per delivery, and at 1,500/s (past what this
// machine kept up with) 8% more events handled a second. It adds at most this much to a handled event's
// latency under a steady stream, and nothing to a lone event's.
const gatherMs = 10;

// Per-event lines are debug (process-jobs.ts); at info, one summary a minute says the queue is working.
const summaryIntervalMs = 60_000;

export async function startQueue({ db, config, instance, log, metrics, entry }: QueueOptions): Promise<Queue> {
  const pool = new WorkerPool({
    size: config.workers,
    concurrency: config.workerConcurrency,
    timeoutMs: config.handlerTimeoutMs,
    log,
    logLevel: config.logLevel,
    entry,
    // Handlers are written per sender kind: a second Stripe account (endpoint "stripe-eu") runs Stripe's.
    kinds: Object.fromEntries((config.endpoints ?? []).map((e) => [e.name, e.provider.kind])),
    instance,
    store: db.threadConnection && { ...db.threadConnection, maxConnections: Math.min(workerConnections, config.workerConcurrency) },
    onCapacity: () => runner.wake(),
  });

  // PostgreSQL: each worker runs its share of the batch on its own connection, so this thread sends a
  // batch and reads back outcomes. PGlite: one connection, on this thread; the group transaction runs
  // here and the handlers' queries come to it from the workers.
  const runBatch = db.threadConnection
    ? (jobs: Job[]) => pool.runBatch(jobs)
    : (jobs: Job[]): Promise<JobOutcome[]> =>
        runGroup(
          {
            db,
            instance,
            run: async (job, tx) => {
              const startedAt = new Date();
              // An event nobody handles needs no worker at all.
              const result: HandlerResult =
                pool.hasHandler(job.source, job.eventType) === false
                  ? { kind: "ok", note: noHandlerNote }
                  : await pool.run(job, (sql, params, method) => tx.query(sql, params, method === "all" ? "arrays" : "objects"));
              return { result, timing: { worker: instance, startedAt, durationMs: Date.now() - startedAt.getTime() } };
            },
          },
          jobs,
        );
  const { processBatch, takeTally } = createJobProcessor({ db, runBatch, instance, log, metrics, maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs });

  const runner = new Runner({
    free: () => pool.free,
    claim: (limit) => claimDue(db, { instance, limit, flush: db.kind === "embedded" }),
    process: processBatch,
    reclaim: () => reclaimOrphans(db, instance, { leaseMs: config.handlerTimeoutMs * 2 + 30_000, maxAttempts: config.maxAttempts }),
    log,
    pollIntervalMs: config.pollIntervalMs,
    reclaimIntervalMs: 5_000,
    gatherMs,
  });
  await runner.start();
  const gauge = setInterval(() => {
    if (!metrics) return;
    countBacklog(db).then(
      (counts) => Object.entries(counts).forEach(([status, n]) => metrics.backlog.set({ status }, n)),
      () => {},
    );
  }, 5_000);

  const summary = setInterval(() => {
    const tally = takeTally();
    if (Object.values(tally).some((n) => n > 0)) log.info("events handled in the last minute", tally);
  }, summaryIntervalMs);

  return {
    wake: () => runner.wake(),
    stop: async (deadlineMs) => {
      clearInterval(gauge);
      clearInterval(summary);
      const still = await runner.stop(deadlineMs);
      if (still > 0) log.warn("handlers still running at the shutdown deadline; releasing them", { count: still });
      // Closing the pool ends those jobs as released; their records are written before settled() returns.
      await pool.close();
      await runner.settled();
    },
  };
}
