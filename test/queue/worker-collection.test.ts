// A handler thread forces a full collection every so many jobs it ran on its own connection (queue/worker.ts),
// after the batch's outcomes have gone out. Run on this thread, with a port of our own, on real PostgreSQL.
import { afterEach, describe, expect, test } from "bun:test";
import { builtinHandlers } from "../../src/handlers/index.ts";
import { eachPosted, type FromWorker, type Posted, type ToWorker } from "../../src/queue/messages.ts";
import { startWorker } from "../../src/queue/worker.ts";
import { claimDue } from "../../src/store/jobs.ts";
import { storeEvents } from "../support/queue.ts";
import { createTestStore, testDatabaseUrl, type TestStore } from "../support/stores.ts";

const instance = "test:collection";

describe.skipIf(!testDatabaseUrl)("a handler thread on PostgreSQL", () => {
  let store: TestStore;
  afterEach(async () => {
    await store?.close();
  });

  test("collects its garbage once every collectEveryJobs jobs, after posting the batch's outcomes", async () => {
    store = await createTestStore("postgres");
    const events: string[] = [];
    const received: FromWorker[] = [];
    const batchesDone = () => received.filter((m) => m.type === "batch-done").length;
    const port = {
      onmessage: null as ((e: MessageEvent<Posted<ToWorker>>) => void) | null,
      postMessage: (posted: Posted<FromWorker>) => eachPosted(posted, (m) => received.push(m)),
    };
    startWorker(port, builtinHandlers, {
      collectGarbage: () => events.push(`collected after ${batchesDone()} batches`),
      collectEveryJobs: 5,
    });
    const send = (message: ToWorker) => port.onmessage!({ data: message } as MessageEvent<Posted<ToWorker>>);
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
