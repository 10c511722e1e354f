// QUEUE: the typed messages between the thread that owns the database and the handler worker threads.
// Everything here must survive structured clone: plain data only.
import type { ThreadConnection } from "../store/db.ts";
import type { ClaimedJob } from "../store/jobs.ts";
import type { Outcome } from "./run-group.ts";

/** A claimed job as a worker sees it: the store's type, plain data that survives structured clone. */
export type Job = ClaimedJob;

export type QueryMethod = "all" | "execute";

/** A worker's own connection to the store (PostgreSQL); see start-queue.ts. */
export type WorkerStore = ThreadConnection & { maxConnections: number };

export type ToWorker =
  | {
      type: "init";
      logLevel: "debug" | "info" | "warn" | "error";
      worker: string;
      /** The instance's name, recorded as the worker of each attempt. */
      instance: string;
      /** Endpoint name (an event's source) → its sender kind, whose handler table serves it. */
      kinds: Record<string, string>;
      /** null: no connection of its own; each job's queries come back as "query" messages. */
      store: WorkerStore | null;
    }
  /** One job whose queries run on the owning thread (the proxy). */
  | { type: "run"; job: Job }
  /** A batch the worker runs in a group transaction on its own connection, completion included. */
  | { type: "run-batch"; jobs: Job[] }
  /** Shutting down: handlers still running end as released (their group rolls back), none starts again. */
  | { type: "release"; reason: string }
  | { type: "query-result"; queryId: number; rows: unknown[] }
  | { type: "query-error"; queryId: number; message: string; code?: string };

export type FromWorker =
  /** Sent once started: the "source:type" pairs this worker has handlers for. */
  | { type: "ready"; handled: string[] }
  | { type: "query"; jobId: string; queryId: number; sql: string; params: unknown[]; method: QueryMethod }
  | { type: "done"; jobId: string; note: string | null }
  | { type: "failed"; jobId: string; error: string }
  /**
   * This job's handler has returned: its time limit stops, though its group may still be running
   * others' (HANDLER_TIMEOUT_MS is each handler's own, as on the proxy path).
   */
  | { type: "handled"; jobId: string }
  /** A job of a failed group runs again alone: its time limit starts again. */
  | { type: "alone"; jobId: string }
  | { type: "batch-done"; outcomes: (Outcome & { jobId: string })[] };

/** What crosses a thread boundary: one message, or the messages of one turn together (see `outbox`). */
export type Posted<T> = T | T[];

/**
 * Messages posted in the same turn go as one postMessage: Bun's costs 8-25 µs however small the message,
 * and the embedded store's main thread spent 12% of its time in it under the bench (a "run" per job and a
 * "query-result" per query; issue 9). Order is kept; nothing waits past the current turn's microtasks.
 */
export function outbox<T>(post: (posted: Posted<T>) => void): (message: T) => void {
  let queued: T[] | null = null;
  return (message) => {
    if (queued) {
      queued.push(message);
      return;
    }
    queued = [message];
    queueMicrotask(() => {
      const batch = queued!;
      queued = null;
      post(batch.length === 1 ? batch[0]! : batch);
    });
  };
}

/** Each message of what `outbox` posted, in order. */
export function eachPosted<T>(posted: Posted<T>, receive: (message: T) => void): void {
  if (Array.isArray(posted)) for (const message of posted) receive(message);
  else receive(posted);
}
