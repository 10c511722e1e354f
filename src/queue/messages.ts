// QUEUE: the typed messages between the thread that owns the database and the handler worker threads.
// Everything here must survive structured clone: plain data only.
import type { ClaimedJob } from "../store/jobs.ts";

/** A claimed job as a worker sees it: the store's type, plain data that survives structured clone. */
export type Job = ClaimedJob;

export type QueryMethod = "all" | "execute";

export type ToWorker =
  | {
      type: "init";
      logLevel: "debug" | "info" | "warn" | "error";
      worker: string;
      /** Endpoint name (an event's source) → its sender kind, whose handler table serves it. */
      kinds: Record<string, string>;
    }
  | { type: "run"; job: Job }
  | { type: "query-result"; queryId: number; rows: unknown[] }
  | { type: "query-error"; queryId: number; message: string; code?: string };

export type FromWorker =
  /** Sent once started: the "source:type" pairs this worker has handlers for. */
  | { type: "ready"; handled: string[] }
  | { type: "query"; jobId: string; queryId: number; sql: string; params: unknown[]; method: QueryMethod }
  | { type: "done"; jobId: string; note: string | null }
  | { type: "failed"; jobId: string; error: string };
