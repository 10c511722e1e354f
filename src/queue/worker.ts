// QUEUE: the inside of a handler worker thread. It has no database of its own: its Drizzle instance is
// the pg-proxy driver, whose queries travel to the owning thread and run there in the job's transaction.
import { drizzle } from "drizzle-orm/pg-proxy";
import { dispatch, type Registry } from "../handlers/registry.ts";
import { createLogger, type Logger } from "../log.ts";
import { schema } from "../store/schema.ts";
import type { Orm } from "../store/db.ts";
import type { FromWorker, Job, QueryMethod, ToWorker } from "./messages.ts";

type Port = { postMessage(message: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };

export function startWorker(port: Port, registry: Registry): void {
  let log: Logger = createLogger("info");
  let kinds: Record<string, string> = {};
  let queryIds = 0;
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();

  const proxyFor = (jobId: string): Orm =>
    drizzle(
      (sql: string, params: unknown[], method: QueryMethod) =>
        new Promise((resolve, reject) => {
          const queryId = ++queryIds;
          pending.set(queryId, { resolve: (rows) => resolve({ rows }), reject });
          port.postMessage({ type: "query", jobId, queryId, sql, params, method });
        }),
      { schema },
    ) as unknown as Orm;

  const run = async (job: Job) => {
    const jobLog = log.child({ source: job.source, eventId: job.eventId, attempt: job.attempt });
    try {
      const note = await dispatch(registry, kinds[job.source] ?? job.source, JSON.parse(job.payloadJson), {
        tx: proxyFor(job.id),
        log: jobLog,
        event: { id: job.id, source: job.source, eventId: job.eventId, eventType: job.eventType, attempt: job.attempt },
        note: () => {},
      });
      port.postMessage({ type: "done", jobId: job.id, note });
    } catch (err) {
      port.postMessage({ type: "failed", jobId: job.id, error: describe(err) });
    }
  };

  port.onmessage = ({ data }) => {
    switch (data.type) {
      case "init":
        log = createLogger(data.logLevel).child({ worker: data.worker });
        kinds = data.kinds;
        port.postMessage({ type: "ready", handled: registry.flatMap((t) => t.types().map((type) => `${t.source}:${type}`)) });
        return;
      case "run":
        void run(data.job);
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
  };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // The first stack frames say where; the whole stack would drown the admin page.
  const frames = err.stack?.split("\n").slice(1, 4).join("\n") ?? "";
  return `${err.name}: ${err.message}${frames ? "\n" + frames : ""}`;
}
