// Helpers for queue tests: store events directly and wait for the queue to act on them.
import type { Config } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { startQueue, type Queue } from "../../src/queue/start-queue.ts";
import type { Database } from "../../src/store/db.ts";
import { writeBatch } from "../../src/store/events.ts";

export const testWorkerEntry = new URL("./test-worker.ts", import.meta.url);

export const fastConfig = {
  workers: 2,
  workerConcurrency: 4,
  handlerTimeoutMs: 5_000,
  maxAttempts: 3,
  retryBaseMs: 20,
  pollIntervalMs: 50,
  logLevel: "error" as const,
};

export function startTestQueue(
  db: Database,
  overrides: Partial<typeof fastConfig> & Partial<Pick<Config, "endpoints">> = {},
  instance = `test:${crypto.randomUUID().slice(0, 8)}`,
): Promise<Queue> {
  return startQueue({ db, config: { ...fastConfig, ...overrides }, instance, log: silentLogger, entry: testWorkerEntry });
}

let counter = 0;

/** Stores events as the ingest path would; returns their row ids. */
export async function storeEvents(
  db: Database,
  source: string,
  items: { eventType: string; payload: object; eventId?: string; forwardTo?: string[] }[],
): Promise<string[]> {
  const outcomes = await writeBatch(
    db,
    items.map(({ eventType, payload, eventId, forwardTo }) => {
      const json = JSON.stringify(payload);
      return { source, eventId: eventId ?? `ev_${Date.now()}_${++counter}`, eventType, payloadJson: json, body: new TextEncoder().encode(json), headers: {}, secretIndex: 0, forwardTo };
    }),
  );
  return outcomes.map((o) => {
    if (o.status !== "received") throw new Error(`expected a new event, got ${o.status}`);
    return o.id;
  });
}

export type EventState = { id: string; status: string; attempts: number; last_error: string | null; note: string | null };

/** The states of these events, in the order of `ids` (row ids follow the writer's key order, not the caller's). */
export async function eventStates(db: Database, ids: readonly string[]): Promise<EventState[]> {
  const rows = await db.query<EventState>(
    "select id::text as id, status, attempts, last_error, note from webhook_events where id = any($1::int8[])",
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Polls until every event is in one of `statuses`, or fails after `timeoutMs` with the states seen. */
export async function waitForStatus(db: Database, ids: readonly string[], statuses: string[], timeoutMs = 15_000): Promise<EventState[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await eventStates(db, ids);
    if (states.length === ids.length && states.every((s) => statuses.includes(s.status))) return states;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${statuses.join("/")}: ${JSON.stringify(states.filter((s) => !statuses.includes(s.status)).slice(0, 5))}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
