// QUEUE: wires the runner to the store, the worker pool and the batch processor (process-jobs.ts).
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Database } from "../store/db.ts";
import { claimDue, countBacklog, reclaimOrphans } from "../store/jobs.ts";
import { WorkerPool } from "./pool.ts";
import { createJobProcessor } from "./process-jobs.ts";
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
    onCapacity: () => runner.wake(),
  });
  const { processBatch } = createJobProcessor({ db, pool, instance, log, metrics, maxAttempts: config.maxAttempts, retryBaseMs: config.retryBaseMs });

  const runner = new Runner({
    free: () => pool.free,
    claim: (limit) => claimDue(db, { instance, limit }),
    process: processBatch,
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
    stop: async (deadlineMs) => {
      clearInterval(gauge);
      const still = await runner.stop(deadlineMs);
      if (still > 0) log.warn("handlers still running at the shutdown deadline; releasing them", { count: still });
      // Closing the pool ends those jobs as released; their records are written before settled() returns.
      await pool.close();
      await runner.settled();
    },
  };
}
