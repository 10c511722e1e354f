// QUEUE: a pool of handler worker threads. On PostgreSQL each worker has a connection of its own and runs
// a batch's group transaction there, completion included (runBatch); only outcomes come back. On the
// embedded store a worker has no database: each job's queries come back here and run in the job's
// transaction on this thread, the thread that owns PGlite's one connection (run). start-queue.ts chooses.
//
// Why not the proxy everywhere: on PostgreSQL it cost this thread a postMessage each way and a socket
// write per query, and this thread was the bottleneck (issue 9: 95% of a core through a quiet burst).
// Handing whole batches to the workers halved its CPU per delivery (bench: about 205 → 110 µs).
import type { LogLevel } from "../config.ts";
import type { Logger } from "../log.ts";
import { eachPosted, outbox, type FromWorker, type Job, type Posted, type QueryMethod, type ToWorker, type WorkerStore } from "./messages.ts";
import type { HandlerFailure, HandlerResult, JobOutcome, Outcome } from "./run-group.ts";

export type QueryExecutor = (sql: string, params: unknown[], method: QueryMethod) => Promise<unknown[]>;

export type PoolOptions = {
  size: number;
  concurrency: number;
  timeoutMs: number;
  log: Logger;
  logLevel: LogLevel;
  /** Called when a replaced worker is ready, so the runner can fill it. */
  onCapacity?: () => void;
  /** The worker's entry module (runtime.ts knows where it is); tests pass one with extra handlers. */
  entry: string | URL;
  /** Endpoint name → sender kind, handed to each worker (see messages.ts). */
  kinds: Record<string, string>;
  /** The instance's name: each attempt's worker. */
  instance: string;
  /** Each worker's own connection (runBatch), or null: queries come back here (run). */
  store: WorkerStore | null;
};

type Running = { job: Job; startedAt: Date; timer: ReturnType<typeof setTimeout> } & (
  | { via: "proxy"; exec: QueryExecutor; finish: (result: HandlerResult) => void }
  | { via: "own"; finish: (outcome: Outcome) => void }
);
type Slot = { worker: Worker; name: string; running: Map<string, Running>; post(message: ToWorker): void };

const noWorker: HandlerFailure = {
  kind: "failed",
  error: "no worker is running (shutting down, or respawning after a crash)",
  released: true,
  timedOut: false,
};

// How long close() waits for workers to report their released batches: a few round trips to the store.
const releaseWaitMs = 2_000;

// A worker that dies at start (a broken entry, a handler module that throws on import) would be
// respawned in a tight loop; wait longer after each crash in a row, up to this.
const maxRespawnDelayMs = 5_000;

export class WorkerPool {
  private slots: Slot[] = [];
  private spawned = 0;
  private closed = false;
  private crashesInARow = 0;
  private handled: Set<string> | null = null;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  /** Jobs that could start now. */
  get free(): number {
    if (this.closed) return 0;
    return this.slots.reduce((n, s) => n + this.options.concurrency - s.running.size, 0);
  }

  /** Whether the workers have a handler for this event; null until a worker has said. */
  hasHandler(source: string, eventType: string): boolean | null {
    return this.handled ? this.handled.has(`${source}:${eventType}`) : null;
  }

  /** One job whose queries come back to `exec` (the embedded store). */
  run(job: Job, exec: QueryExecutor): Promise<HandlerResult> {
    if (this.closed || this.slots.length === 0) return Promise.resolve(noWorker);
    const slot = this.leastBusy();
    return new Promise((finish) => {
      slot.running.set(job.id, { job, startedAt: new Date(), timer: this.timer(slot, job.id), via: "proxy", exec, finish });
      this.post(slot, { type: "run", job });
    });
  }

  /**
   * A claimed batch, split over the workers by their free capacity; each runs its share in a group
   * transaction on its own connection (PostgreSQL). Outcomes in the order of `jobs`.
   */
  runBatch(jobs: readonly Job[]): Promise<JobOutcome[]> {
    if (this.closed || this.slots.length === 0) {
      return Promise.resolve(jobs.map((job) => ({ job, ...noWorker, timing: { worker: this.options.instance, startedAt: new Date(), durationMs: 0 } })));
    }
    const shares = new Map<Slot, Job[]>();
    for (const job of jobs) {
      const slot = this.slots.find((s) => this.options.concurrency - s.running.size - (shares.get(s)?.length ?? 0) > 0) ?? this.leastBusy();
      shares.set(slot, [...(shares.get(slot) ?? []), job]);
    }
    const outcomes = new Map<Job, Promise<Outcome>>();
    for (const [slot, share] of shares) {
      for (const job of share) {
        outcomes.set(job, new Promise((finish) => slot.running.set(job.id, { job, startedAt: new Date(), timer: this.timer(slot, job.id), via: "own", finish })));
      }
      this.post(slot, { type: "run-batch", jobs: share });
    }
    return Promise.all(jobs.map(async (job) => ({ job, ...(await outcomes.get(job)!) })));
  }

  /**
   * Stops every worker; jobs still running end as released. A worker with its own connection is asked
   * first, so that its batches end as they would here: what finished completes unless its group began a
   * transaction, and what still runs is released (run-group.ts).
   */
  async close(): Promise<void> {
    this.closed = true;
    const reason = "the service is shutting down";
    const asked = this.slots.filter((s) => this.options.store && s.running.size > 0);
    for (const slot of asked) this.post(slot, { type: "release", reason });
    const deadline = Date.now() + releaseWaitMs;
    while (asked.some((s) => s.running.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const slot of this.slots) this.stop(slot, reason);
    this.slots = [];
  }

  private leastBusy(): Slot {
    return this.slots.reduce((a, b) => (b.running.size < a.running.size ? b : a));
  }

  private timer(slot: Slot, jobId: string) {
    return setTimeout(() => this.timeOut(slot, jobId), this.options.timeoutMs);
  }

  private spawn(): Slot {
    const name = `worker-${++this.spawned}`;
    const worker = new Worker(this.options.entry, { type: "module" });
    const slot: Slot = { worker, name, running: new Map(), post: outbox((posted) => worker.postMessage(posted)) };
    worker.onmessage = (e: MessageEvent<Posted<FromWorker>>) => eachPosted(e.data, (message) => this.receive(slot, message));
    worker.onerror = (e: ErrorEvent) => {
      const delayMs = Math.min(maxRespawnDelayMs, 50 * 2 ** this.crashesInARow++);
      this.options.log.error("worker crashed", { worker: name, error: e.message, respawnInMs: delayMs });
      this.replace(slot, `worker crashed: ${e.message}`, false, delayMs);
    };
    const { logLevel, kinds, instance, store } = this.options;
    this.post(slot, { type: "init", logLevel, worker: name, instance, kinds, store });
    return slot;
  }

  private receive(slot: Slot, message: FromWorker) {
    switch (message.type) {
      case "ready":
        this.handled = new Set(message.handled);
        return;
      case "batch-done":
        this.crashesInARow = 0;
        for (const { jobId, ...outcome } of message.outcomes) {
          const running = this.take(slot, jobId);
          if (running?.via === "own") running.finish(outcome);
        }
        return;
      case "handled": {
        const running = slot.running.get(message.jobId);
        if (running) clearTimeout(running.timer);
        return;
      }
      case "alone": {
        // Timed out or released meanwhile when missing.
        const running = slot.running.get(message.jobId);
        if (!running) return;
        clearTimeout(running.timer);
        running.timer = this.timer(slot, message.jobId);
        return;
      }
    }
    const running = slot.running.get(message.jobId);
    if (running?.via !== "proxy") return; // timed out or released meanwhile
    switch (message.type) {
      case "query":
        running.exec(message.sql, message.params, message.method).then(
          (rows) => this.post(slot, { type: "query-result", queryId: message.queryId, rows }),
          (err: Error & { code?: string }) =>
            this.post(slot, { type: "query-error", queryId: message.queryId, message: err.message, code: err.code }),
        );
        return;
      case "done":
        this.crashesInARow = 0;
        this.take(slot, message.jobId);
        return running.finish({ kind: "ok", note: message.note });
      case "failed":
        this.take(slot, message.jobId);
        return running.finish({ kind: "failed", error: message.error, released: false, timedOut: false });
    }
  }

  /** Removes a running job and its timer; undefined when it was settled already. */
  private take(slot: Slot, jobId: string): Running | undefined {
    const running = slot.running.get(jobId);
    if (!running) return undefined;
    clearTimeout(running.timer);
    slot.running.delete(jobId);
    return running;
  }

  /** Ends a running job from this side: timed out, or its worker stopped. */
  private fail(slot: Slot, jobId: string, failure: HandlerFailure) {
    const running = this.take(slot, jobId);
    if (!running) return;
    if (running.via === "proxy") return running.finish(failure);
    const { startedAt } = running;
    running.finish({ ...failure, timing: { worker: this.options.instance, startedAt, durationMs: Date.now() - startedAt.getTime() } });
  }

  /** A hung handler cannot be interrupted inside its thread: the thread goes, a fresh one takes its place. */
  private timeOut(slot: Slot, jobId: string) {
    this.fail(slot, jobId, {
      kind: "failed",
      error: `handler timed out after ${this.options.timeoutMs} ms (HANDLER_TIMEOUT_MS)`,
      released: false,
      timedOut: true,
    });
    this.options.log.warn("handler timed out; replacing its worker", { worker: slot.name, id: jobId });
    this.replace(slot, "its worker was replaced after another handler timed out", true);
  }

  private replace(slot: Slot, reason: string, released: boolean, delayMs = 0) {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.stop(slot, reason, released);
    this.slots.splice(index, 1);
    const respawn = () => {
      if (!this.closed) this.slots.push(this.spawn());
      this.options.onCapacity?.();
    };
    if (delayMs > 0) setTimeout(respawn, delayMs);
    else respawn();
  }

  private stop(slot: Slot, reason: string, released = true) {
    slot.worker.onmessage = null;
    slot.worker.onerror = null;
    slot.worker.terminate();
    // With its own connection, the worker's open transaction ends with the thread: its socket closes and
    // PostgreSQL rolls it back (checked on Bun and Deno), so a stopped job's writes never commit.
    for (const jobId of [...slot.running.keys()]) this.fail(slot, jobId, { kind: "failed", error: reason, released, timedOut: false });
  }

  private post(slot: Slot, message: ToWorker) {
    slot.post(message);
  }
}
