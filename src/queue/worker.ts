// QUEUE: the inside of a handler worker thread. On PostgreSQL it opens a connection of its own and runs
// each batch it is given in a group transaction there (run-group.ts), completion included, and sends back
// the outcomes. On the embedded store it has no database: its Drizzle instance is the pg-proxy driver,
// whose queries travel to the owning thread and run there in the job's transaction.
import { drizzle } from "drizzle-orm/pg-proxy";
import { AsyncLocalStorage } from "node:async_hooks";
import { dispatch, type Registry } from "../handlers/registry.ts";
import { createLogger, type Logger } from "../log.ts";
import { collectEvery } from "../runtime/collect-garbage.ts";
import type { Database, Orm } from "../store/db.ts";
import { openPostgres } from "../store/postgres.ts";
import { schema } from "../store/schema.ts";
import type { LazyTx } from "./lazy-transaction.ts";
import { eachPosted, outbox, type FromWorker, type Job, type Posted, type QueryMethod, type ToWorker } from "./messages.ts";
import { runGroup, type HandlerResult } from "./run-group.ts";

type Port = { postMessage(posted: Posted<FromWorker>): void; onmessage: ((e: MessageEvent<Posted<ToWorker>>) => void) | null };
type Query = (sql: string, params: unknown[], method: QueryMethod) => Promise<{ rows: unknown[] }>;

// A handler thread's heap grew between full collections to about 700,000 objects and 60 MB at 1,000 jobs a
// second (PostgreSQL, bench at 2,350 deliveries/s): the objects of batches that outlived an eden collection,
// since a batch's jobs live until its transaction commits. Two such threads put the process over 250 MB.
// A full collection every 1,000 jobs kept each heap at 11-14 MB: peak RSS 244-267 -> 210-217 MiB over the
// sustained run, for 2-4% more CPU a delivery (bench/README.md). On the embedded store a pause inside a job
// would hold up the group transaction on the one connection (collecting every 100 jobs regardless: end to
// end 497-585 against 629-655/s), so there it waits until none of this thread's jobs is in flight.
const collectEveryJobsDefault = 1_000;

export type WorkerOptions = {
  /** A full collection of this thread's heap; without it, none is forced. */
  collectGarbage?: () => void;
  /** Jobs run on this thread's own connection between two collections. */
  collectEveryJobs?: number;
  /**
   * Lowers this thread's scheduling priority, called once it has a connection of its own (PostgreSQL), where
   * nothing waits on it: the main thread, which answers the senders, comes first for the CPU. On two
   * saturated cores that took the sustained run's p99 from 169–197 to 102–105 ms (bench/README.md). On the
   * embedded store the main thread's one connection waits inside a group transaction for this thread's
   * handlers, so there it keeps its priority.
   */
  yieldCpu?: () => void;
};

export function startWorker(port: Port, registry: Registry, { collectGarbage, collectEveryJobs = collectEveryJobsDefault, yieldCpu }: WorkerOptions = {}): void {
  const post = outbox<FromWorker>((posted) => port.postMessage(posted));
  let log: Logger = createLogger("info");
  let kinds: Record<string, string> = {};
  let instance = "";
  let db: Database | null = null;
  let queryIds = 0;
  // A collection is owed after so many jobs, on either store.
  let collectionOwed = false;
  const jobsRun = collectGarbage ? collectEvery(collectEveryJobs, () => (collectionOwed = true)) : () => {};
  /** Runs an owed collection in a later task, so the outcomes just posted go out before the pause; if `may`
   *  then says no, it stays owed. */
  const collectOwed = (may: () => boolean = () => true) => {
    if (!collectionOwed) return;
    collectionOwed = false;
    setTimeout(() => (may() ? collectGarbage!() : (collectionOwed = true)), 0);
  };
  let proxiedInFlight = 0;
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  // Set by "release" (shutdown): handlers still running end as released, and none starts again.
  let released: HandlerResult | null = null;
  let release!: (result: HandlerResult) => void;
  const releasing = new Promise<HandlerResult>((r) => (release = r));

  // One Drizzle instance for the thread; each job's queries reach its own transaction through the async
  // context its handler runs in. A Drizzle instance per job rebuilt the schema's relational config every
  // time, about 20-40 µs of this thread's CPU per event (issue 9).
  const route = new AsyncLocalStorage<Query>();
  const tx = drizzle((sql, params, method) => route.getStore()!(sql, params, method), { schema }) as unknown as Orm;

  /** The job's handler with its queries going to `query`: its note, or why it failed. */
  const handle = async (job: Job, query: Query): Promise<HandlerResult> => {
    if (released) return released;
    return Promise.race([route.run(query, () => dispatchTo(job, tx)), releasing]);
  };

  const dispatchTo = async (job: Job, tx: Orm): Promise<HandlerResult> => {
    const jobLog = log.child({ source: job.source, eventId: job.eventId, attempt: job.attempt });
    try {
      const note = await dispatch(registry, kinds[job.source] ?? job.source, JSON.parse(job.payloadJson), {
        tx,
        log: jobLog,
        event: { id: job.id, source: job.source, eventId: job.eventId, eventType: job.eventType, attempt: job.attempt },
        note: () => {},
      });
      return { kind: "ok", note };
    } catch (err) {
      return { kind: "failed", error: describe(err), released: false, timedOut: false };
    }
  };

  /** The embedded store: every query of the job goes to the owning thread. */
  const runProxied = async (job: Job) => {
    const result = await handle(
      job,
      (sql, params, method) =>
        new Promise((resolve, reject) => {
          const queryId = ++queryIds;
          pending.set(queryId, { resolve: (rows) => resolve({ rows }), reject });
          post({ type: "query", jobId: job.id, queryId, sql, params, method });
        }),
    );
    post(result.kind === "ok" ? { type: "done", jobId: job.id, note: result.note } : { type: "failed", jobId: job.id, error: result.error });
    jobsRun(1);
    // Only with none of this thread's jobs in flight: a job that came in meanwhile puts it off again.
    if (--proxiedInFlight === 0) collectOwed(() => proxiedInFlight === 0);
  };

  /** PostgreSQL: the whole batch on this thread's own connection. */
  const runBatch = async (own: Database, jobs: Job[]) => {
    const onTx = (tx: LazyTx): Query => async (sql, params, method) => ({ rows: await tx.query(sql, params, method === "all" ? "arrays" : "objects") });
    const outcomes = await runGroup(
      {
        db: own,
        instance,
        run: async (job, tx) => {
          const startedAt = new Date();
          const result = await handle(job, onTx(tx));
          // Handlers that return in the same turn reach the pool in one postMessage (the outbox).
          post({ type: "handled", jobId: job.id });
          return { result, timing: { worker: instance, startedAt, durationMs: Date.now() - startedAt.getTime() } };
        },
        onAlone: (job) => post({ type: "alone", jobId: job.id }),
      },
      jobs,
    ).catch((err: unknown) =>
      // Nothing of the batch committed that a fenced statement could not see: the owning thread records
      // each as failed, and a job that did complete meanwhile keeps its outcome (the fence says "lost").
      jobs.map((job) => ({
        job,
        kind: "failed" as const,
        error: `running the batch failed: ${describe(err)}`,
        released: false,
        timedOut: false,
        timing: { worker: instance, startedAt: new Date(), durationMs: 0 },
      })),
    );
    post({ type: "batch-done", outcomes: outcomes.map(({ job, ...outcome }) => ({ jobId: job.id, ...outcome })) });
    jobsRun(jobs.length);
    collectOwed();
  };

  port.onmessage = ({ data }) => eachPosted(data, receive);

  function receive(data: ToWorker) {
    switch (data.type) {
      case "init":
        log = createLogger(data.logLevel).child({ worker: data.worker });
        kinds = data.kinds;
        instance = data.instance;
        if (data.store) {
          db = openPostgres({ url: data.store.url, applicationName: data.store.applicationName, maxConnections: data.store.maxConnections, plans: "cached" });
          yieldCpu?.();
        }
        post({ type: "ready", handled: registry.flatMap((t) => t.types().map((type) => `${t.source}:${type}`)) });
        return;
      case "run":
        proxiedInFlight++;
        void runProxied(data.job);
        return;
      case "run-batch":
        void runBatch(db!, data.jobs);
        return;
      case "release":
        released = { kind: "failed", error: data.reason, released: true, timedOut: false };
        release(released);
        return;
      case "query-result":
        pending.get(data.queryId)?.resolve(data.rows);
        pending.delete(data.queryId);
        return;
      case "query-error": {
        const err = Object.assign(new Error(data.message), { code: data.code });
        pending.get(data.queryId)?.reject(err);
        pending.delete(data.queryId);
        return;
      }
    }
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // The first stack frames say where; the whole stack would drown the admin page.
  const frames = err.stack?.split("\n").slice(1, 4).join("\n") ?? "";
  return `${err.name}: ${err.message}${frames ? "\n" + frames : ""}`;
}
