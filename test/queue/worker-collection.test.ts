// A handler thread forces a full collection every so many jobs (queue/worker.ts): on PostgreSQL after the
// batch's outcomes have gone out; on the embedded store only once none of its jobs is in flight, so the
// pause never falls inside the group transaction that holds the one connection. Run on this thread, with a
// port of our own; PostgreSQL's case on a real server.
import { afterEach, describe, expect, test } from "bun:test";
import { builtinHandlers } from "../../src/handlers/index.ts";
import { defineHandlers } from "../../src/handlers/registry.ts";
import { eachPosted, type FromWorker, type Job, type Posted, type ToWorker } from "../../src/queue/messages.ts";
import { startWorker } from "../../src/queue/worker.ts";
import { claimDue } from "../../src/store/jobs.ts";
import { storeEvents } from "../support/queue.ts";
import { createTestStore, testDatabaseUrl, type TestStore } from "../support/stores.ts";

const instance = "test:collection";

/** A worker on this thread; each collection is recorded as `collected after <count> <counted>s`, counting messages. */
function inThreadWorker(options: { collectEveryJobs: number; counted: "done" | "batch-done"; registry?: Parameters<typeof startWorker>[1] }) {
  const events: string[] = [];
  const received: FromWorker[] = [];
  const port = {
    onmessage: null as ((e: MessageEvent<Posted<ToWorker>>) => void) | null,
    postMessage: (posted: Posted<FromWorker>) => eachPosted(posted, (m) => received.push(m)),
  };
  const label = options.counted === "done" ? "done" : "batches";
  startWorker(port, options.registry ?? builtinHandlers, {
    collectGarbage: () => events.push(`collected after ${received.filter((m) => m.type === options.counted).length} ${label}`),
    collectEveryJobs: options.collectEveryJobs,
  });
  const send = (message: ToWorker) => port.onmessage!({ data: message } as MessageEvent<Posted<ToWorker>>);
  return { events, received, send };
}

describe("a handler thread on the embedded store", () => {
  let jobIds = 0;
  const job = (eventType: string): Job => ({
    id: String(++jobIds),
    target: "handler",
    source: "test",
    eventId: `evt_${jobIds}`,
    eventType,
    payloadJson: "{}",
    attempt: 1,
  });

  test("collects once every collectEveryJobs jobs, and only when none of its jobs is in flight", async () => {
    // "slow" events wait until the test lets them go, as a handler inside its transaction would.
    const waiting: (() => void)[] = [];
    const registry = [defineHandlers<Record<string, unknown>>("test").on("slow", () => new Promise<void>((r) => waiting.push(r)))];
    const { events, received, send } = inThreadWorker({ collectEveryJobs: 5, counted: "done", registry });
    send({ type: "init", logLevel: "error", worker: "w1", instance, kinds: {}, store: null });
    const done = () => received.filter((m) => m.type === "done").length;
    const settle = () => Bun.sleep(20);

    for (let i = 0; i < 3; i++) send({ type: "run", job: job("unhandled") });
    await settle();
    expect(done()).toBe(3);
    expect(events).toEqual([]);

    // The fifth job ends while a slow one is still in flight: the collection waits for it.
    send({ type: "run", job: job("slow") });
    for (let i = 0; i < 2; i++) send({ type: "run", job: job("unhandled") });
    await settle();
    expect(done()).toBe(5);
    expect(events).toEqual([]);
    waiting.shift()!();
    await settle();
    expect(events).toEqual(["collected after 6 done"]);

    // Owed again five jobs on, while a slow one that came with them is in flight.
    for (let i = 0; i < 5; i++) send({ type: "run", job: job("unhandled") });
    send({ type: "run", job: job("slow") });
    await settle();
    expect(events).toEqual(["collected after 6 done"]);
    waiting.shift()!();
    await settle();
    expect(events).toEqual(["collected after 6 done", "collected after 12 done"]);
    send({ type: "release", reason: "test over" });
  });
});

describe.skipIf(!testDatabaseUrl)("a handler thread on PostgreSQL", () => {
  let store: TestStore;
  afterEach(async () => {
    await store?.close();
  });

  test("collects its garbage once every collectEveryJobs jobs, after posting the batch's outcomes", async () => {
    store = await createTestStore("postgres");
    const { events, received, send } = inThreadWorker({ collectEveryJobs: 5, counted: "batch-done" });
    const batchesDone = () => received.filter((m) => m.type === "batch-done").length;
    send({ type: "init", logLevel: "error", worker: "w1", instance, kinds: {}, store: { url: store.url!, applicationName: instance, maxConnections: 1 } });

    // An event nobody handles still runs through the batch's transaction and completes.
    await storeEvents(store.db, "test", Array.from({ length: 12 }, () => ({ eventType: "unhandled", payload: {} })));
    const runBatch = async (size: number) => {
      const done = batchesDone();
      send({ type: "run-batch", jobs: await claimDue(store.db, { instance, limit: size }) });
      while (batchesDone() === done) await Bun.sleep(5);
      await Bun.sleep(20);
    };

    await runBatch(3);
    expect(events).toEqual([]);
    await runBatch(3); // 6 jobs: past 5
    expect(events).toEqual(["collected after 2 batches"]);
    await runBatch(3);
    expect(events).toEqual(["collected after 2 batches"]);
    await runBatch(3); // 6 since the last
    expect(events).toEqual(["collected after 2 batches", "collected after 4 batches"]);
    const outcomes = received.flatMap((m) => (m.type === "batch-done" ? m.outcomes : []));
    expect(outcomes.map((o) => o.kind)).toEqual(Array(12).fill("processed"));
    send({ type: "release", reason: "test over" });
  });
});
