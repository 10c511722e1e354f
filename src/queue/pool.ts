// QUEUE: a pool of handler worker threads. Each job's database queries come back here and run in the
// job's transaction on this thread — the thread that owns the database.
//
// Why proxy instead of a connection per worker: PGlite is one connection that only this thread can
// use, and one code path for both stores keeps the guarantees identical. On PostgreSQL the proxy costs
// a postMessage round trip per query (tens of microseconds), small beside the query itself.
import type { LogLevel } from "../config.ts";
import type { Logger } from "../log.ts";
import type { FromWorker, Job, QueryMethod, ToWorker } from "./messages.ts";

export type QueryExecutor = (sql: string, params: unknown[], method: QueryMethod) => Promise<unknown[]>;

export type JobResult =
  | { ok: true; note: string | null }
  /** released: the job did not fail on its own (its worker was stopped for another reason). */
  | { ok: false; error: string; released: boolean; timedOut?: boolean };

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
};

type Running = { job: Job; exec: QueryExecutor; finish: (result: JobResult) => void; timer: ReturnType<typeof setTimeout> };
type Slot = { worker: Worker; name: string; running: Map<string, Running> };

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

  run(job: Job, exec: QueryExecutor): Promise<JobResult> {
    if (this.closed || this.slots.length === 0) {
      return Promise.resolve({ ok: false, error: "no worker is running (shutting down, or respawning after a crash)", released: true });
    }
    const slot = this.slots.reduce((a, b) => (b.running.size < a.running.size ? b : a));
    return new Promise((finish) => {
      const timer = setTimeout(() => this.timeOut(slot, job.id), this.options.timeoutMs);
      slot.running.set(job.id, { job, exec, finish, timer });
      this.post(slot, { type: "run", job });
    });
  }

  /** Stops every worker; jobs still running end as released. */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) this.stop(slot, "the service is shutting down");
    this.slots = [];
  }

  private spawn(): Slot {
    const name = `worker-${++this.spawned}`;
    const worker = new Worker(this.options.entry, { type: "module" });
    const slot: Slot = { worker, name, running: new Map() };
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(slot, e.data);
    worker.onerror = (e: ErrorEvent) => {
      const delayMs = Math.min(maxRespawnDelayMs, 50 * 2 ** this.crashesInARow++);
      this.options.log.error("worker crashed", { worker: name, error: e.message, respawnInMs: delayMs });
      this.replace(slot, `worker crashed: ${e.message}`, false, delayMs);
    };
    this.post(slot, { type: "init", logLevel: this.options.logLevel, worker: name, kinds: this.options.kinds });
    return slot;
  }

  private receive(slot: Slot, message: FromWorker) {
    if (message.type === "ready") {
      this.handled = new Set(message.handled);
      return;
    }
    const running = slot.running.get(message.jobId);
    if (!running) return; // timed out or released meanwhile
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
        return this.settle(slot, message.jobId, { ok: true, note: message.note });
      case "failed":
        return this.settle(slot, message.jobId, { ok: false, error: message.error, released: false });
    }
  }

  private settle(slot: Slot, jobId: string, result: JobResult) {
    const running = slot.running.get(jobId);
    if (!running) return;
    clearTimeout(running.timer);
    slot.running.delete(jobId);
    running.finish(result);
  }

  /** A hung handler cannot be interrupted inside its thread: the thread goes, a fresh one takes its place. */
  private timeOut(slot: Slot, jobId: string) {
    this.settle(slot, jobId, {
      ok: false,
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
    for (const jobId of [...slot.running.keys()]) this.settle(slot, jobId, { ok: false, error: reason, released });
  }

  private post(slot: Slot, message: ToWorker) {
    slot.worker.postMessage(message);
  }
}
