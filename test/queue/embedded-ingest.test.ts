// The embedded store has one connection, and a queue group's transaction holds it while its handlers run
// on worker threads. Ingest must not wait for a handler that takes its time (issue 9): see pglite-gate.ts.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { Queue } from "../../src/queue/start-queue.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { startTestQueue, storeEvents, waitForStatus } from "../support/queue.ts";

let store: TestStore;
let queue: Queue | null = null;
beforeEach(async () => {
  store = await createTestStore("embedded");
});
afterEach(async () => {
  await queue?.stop(1_000);
  queue = null;
  await store.close();
});

const holdMs = 300;

/** Stores an unhandled event every 20 ms for `forMs`; the longest a write waited. */
async function ingestWhile(forMs: number): Promise<number> {
  let longest = 0;
  const until = performance.now() + forMs;
  while (performance.now() < until) {
    const started = performance.now();
    await storeEvents(store.db, "test", [{ eventType: "unhandled", payload: {} }]);
    longest = Math.max(longest, performance.now() - started);
    await Bun.sleep(20);
  }
  return longest;
}

async function holdingHandler(sessionId: string, volatile: boolean) {
  queue = await startTestQueue(store.db, { workers: 1 });
  const [id] = await storeEvents(store.db, "test", [{ eventType: "read_sleep_write", payload: { sessionId, ms: holdMs, volatile } }]);
  queue.wake();
  // Past the claim and the handler's first query, into its sleep.
  await Bun.sleep(100);
  return id!;
}

test("a handler holding its transaction does not hold ingest up, and its write lands once", async () => {
  const id = await holdingHandler("cs_hold", false);
  const longest = await ingestWhile(holdMs * 2);
  // Well under the hold: each write waits for the lending transaction's budget and statements of its own
  // (13-67 ms on a 2-core machine at load 5, 116 ms at worst; before, the whole hold: 330-360 ms).
  expect(longest).toBeLessThan(holdMs / 2);
  const [state] = await waitForStatus(store.db, [id], ["processed", "dead"]);
  expect(state).toMatchObject({ status: "processed", attempts: 1 });
  expect(await store.db.query("select status from orders where stripe_session_id = 'cs_hold'")).toEqual([{ status: "written" }]);
});

test("a handler whose reads change when run again runs again holding the connection, without an attempt's cost", async () => {
  const id = await holdingHandler("cs_volatile", true);
  await ingestWhile(holdMs);
  const [state] = await waitForStatus(store.db, [id], ["processed", "dead"]);
  expect(state).toMatchObject({ status: "processed", attempts: 1 });
  expect(await store.db.query("select status from orders where stripe_session_id = 'cs_volatile'")).toEqual([{ status: "written" }]);
});
