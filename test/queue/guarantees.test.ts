// The queue's guarantees, on both stores, with real worker threads and real transactions.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { silentLogger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics.ts";
import { startQueue, type Queue } from "../../src/queue/start-queue.ts";
import { openPostgres } from "../../src/store/postgres.ts";
import { requeueEvents, reclaimOrphans } from "../../src/store/jobs.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { eventStates, fastConfig, startTestQueue, storeEvents, testWorkerEntry, waitForStatus } from "../support/queue.ts";

for (const kind of storeKinds) {
  describe(`queue on the ${kind} store`, () => {
    let store: TestStore;
    const queues: Queue[] = [];
    const start = async (...args: Parameters<typeof startTestQueue> extends [unknown, ...infer R] ? R : never) => {
      const q = await startTestQueue(store.db, ...args);
      queues.push(q);
      return q;
    };
    beforeEach(async () => {
      store = await createTestStore(kind);
    });
    afterEach(async () => {
      for (const q of queues.splice(0)) await q.stop(1_000);
      await store.close();
    });

    test("a handler that writes and then throws leaves no write behind; the retry writes once", async () => {
      await start();
      const [id] = await storeEvents(store.db, "test", [{ eventType: "write_then_throw", payload: { sessionId: "cs_atomic", failUntilAttempt: 1 } }]);
      const [state] = await waitForStatus(store.db, [id!], ["processed", "dead"]);
      expect(state).toMatchObject({ status: "processed", attempts: 2 });
      const rows = await store.db.query("select status from orders where stripe_session_id = 'cs_atomic'");
      expect(rows).toEqual([{ status: "written" }]);
      const attempts = await store.db.query("select attempt, outcome from webhook_attempts where webhook_event_id = $1 order by attempt", [id]);
      expect(attempts).toEqual([
        { attempt: 1, outcome: "failed" },
        { attempt: 2, outcome: "processed" },
      ]);
    });

    test("hookport_events_handled_total counts each finished attempt by source and outcome; hookport_events_backlog counts what is left", async () => {
      const metrics = createMetrics();
      queues.push(
        await startQueue({ db: store.db, config: { ...fastConfig, maxAttempts: 2, retryBaseMs: 60_000 }, instance: "test:metrics", log: silentLogger, metrics, entry: testWorkerEntry }),
      );
      const ids = await storeEvents(store.db, "test", [
        { eventType: "write", payload: { sessionId: "cs_metrics_1" } },
        { eventType: "write", payload: { sessionId: "cs_metrics_2" } },
        { eventType: "always_throws", payload: {} },
      ]);
      await waitForStatus(store.db, ids.slice(0, 2), ["processed"]);
      await waitForStatus(store.db, ids.slice(2), ["failed"]);
      const text = () => metrics.render();
      expect(text()).toContain('hookport_events_handled_total{source="test",outcome="processed"} 2');
      expect(text()).toContain('hookport_events_handled_total{source="test",outcome="failed"} 1');
      // The gauge is counted every 5 s: the poison event waits a minute for its retry.
      const deadline = Date.now() + 8_000;
      while (!text().includes('hookport_events_backlog{status="failed"} 1') && Date.now() < deadline) await Bun.sleep(100);
      expect(text()).toContain('hookport_events_backlog{status="failed"} 1');
      expect(text()).toContain('hookport_events_backlog{status="pending"} 0');
    }, 20_000);

    test("a handler that throws in a batch costs its neighbours nothing: each write lands once", async () => {
      await start();
      const ids = await storeEvents(store.db, "test", [
        ...Array.from({ length: 6 }, (_, i) => ({ eventType: "write", payload: { sessionId: `cs_batch_${i}` } })),
        { eventType: "write_then_throw", payload: { sessionId: "cs_batch_thrower", failUntilAttempt: 1 } },
      ]);
      const states = await waitForStatus(store.db, ids, ["processed"]);
      expect(states.map((s) => s.attempts)).toEqual([1, 1, 1, 1, 1, 1, 2]);
      const orders = await store.db.query<{ n: number }>("select count(*)::int as n from orders where stripe_session_id like 'cs_batch_%'");
      expect(orders[0]?.n).toBe(7);
      const processedAttempts = await store.db.query<{ n: number }>(
        "select count(*)::int as n from webhook_attempts where outcome = 'processed' and webhook_event_id = any($1::int8[])",
        [ids],
      );
      expect(processedAttempts[0]?.n).toBe(7);
    });

    test("a job of a failed group that runs again alone gets its full time limit again", async () => {
      // Each run takes 600 ms of a 1,000 ms limit: the group's run and the run alone together would not fit.
      await start({ handlerTimeoutMs: 1_000, maxAttempts: 1 });
      const ids = await storeEvents(store.db, "test", [
        { eventType: "write_then_sleep", payload: { sessionId: "cs_again", ms: 600 } },
        { eventType: "always_throws", payload: {} },
      ]);
      const states = await waitForStatus(store.db, ids, ["processed", "dead"]);
      expect(states.map((s) => s.status)).toEqual(["processed", "dead"]);
    });

    test("a poison event ends dead after MAX_ATTEMPTS with growing backoff, and other events keep flowing", async () => {
      await start({ maxAttempts: 4, retryBaseMs: 40 });
      const [poison] = await storeEvents(store.db, "test", [{ eventType: "always_throws", payload: {} }]);
      const others = await storeEvents(store.db, "github", Array.from({ length: 5 }, () => ({ eventType: "ping", payload: { zen: "ok" } })));
      await waitForStatus(store.db, others, ["processed"]);
      const [dead] = await waitForStatus(store.db, [poison!], ["dead"]);
      expect(dead).toMatchObject({ attempts: 4, last_error: expect.stringContaining("poison event") });
      const starts = await store.db.query<{ started_at: string }>(
        "select started_at from webhook_attempts where webhook_event_id = $1 order by attempt",
        [poison],
      );
      const gaps = starts.slice(1).map((s, i) => Date.parse(s.started_at) - Date.parse(starts[i]!.started_at));
      // base 40 ms, equal jitter: attempt n waits between 20·2^(n-1) and 40·2^(n-1) ms after its failure.
      expect(gaps).toHaveLength(3);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i));
    });

    test("a hanging handler and a spinning one lose their worker and end dead; others are processed meanwhile", async () => {
      await start({ handlerTimeoutMs: 300, maxAttempts: 2, retryBaseMs: 10 });
      const stuck = await storeEvents(store.db, "test", [
        { eventType: "hangs", payload: {} },
        { eventType: "spins", payload: {} },
      ]);
      const others = await storeEvents(store.db, "github", Array.from({ length: 10 }, () => ({ eventType: "ping", payload: {} })));
      await waitForStatus(store.db, others, ["processed"]);
      const states = await waitForStatus(store.db, stuck, ["dead"]);
      for (const s of states) expect(s.last_error).toContain("timed out after 300 ms");
      // Two attempts each, a worker replaced after each: 4.4 s measured on a loaded 2-core machine, over bun's 5 s default.
    }, 20_000);

    test("a timed-out handler's writes never commit; its batch neighbours are given back and done once", async () => {
      // Event ids put the neighbours first in the batch: their time limits, started with the slow one's,
      // must stop when their own handlers return, not when their group ends (it never does).
      await start({ handlerTimeoutMs: 1_000, maxAttempts: 1 });
      const ids = await storeEvents(store.db, "test", [
        { eventType: "write_then_sleep", payload: { sessionId: "cs_timed_out", ms: 10_000 }, eventId: `z_${crypto.randomUUID()}` },
        ...Array.from({ length: 3 }, (_, i) => ({ eventType: "write", payload: { sessionId: `cs_neighbour_${i}` }, eventId: `a_${i}_${crypto.randomUUID()}` })),
      ]);
      const states = await waitForStatus(store.db, ids, ["processed", "dead"]);
      expect(states.map((s) => s.status)).toEqual(["dead", "processed", "processed", "processed"]);
      // The worker thread and its connection are gone: nothing of the timed-out run may commit later.
      await new Promise((r) => setTimeout(r, 300));
      const rows = await store.db.query<{ stripe_session_id: string }>(
        "select stripe_session_id from orders where stripe_session_id like 'cs_timed_out%' or stripe_session_id like 'cs_neighbour_%' order by 1",
      );
      expect(rows.map((r) => r.stripe_session_id)).toEqual(["cs_neighbour_0", "cs_neighbour_1", "cs_neighbour_2"]);
      const processed = await store.db.query<{ n: number }>("select count(*)::int as n from webhook_attempts where outcome = 'processed' and webhook_event_id = any($1::int8[])", [ids]);
      expect(processed[0]?.n).toBe(3);
    });

    test("two runners and 120 events: each event is handled exactly once", async () => {
      // On PostgreSQL the second runner is a second instance with its own connections.
      const second = kind === "postgres" ? openPostgres({ url: store.url!, applicationName: "test:second", maxConnections: 10 }) : store.db;
      try {
        await start({}, "test:first");
        queues.push(await startTestQueue(second, {}, "test:second"));
        const ids = await storeEvents(
          store.db,
          "test",
          Array.from({ length: 120 }, (_, i) => ({ eventType: "write", payload: { sessionId: `cs_race_${i}` } })),
        );
        for (const q of queues) q.wake();
        await waitForStatus(store.db, ids, ["processed"]);
        const [orders] = await store.db.query<{ n: number }>("select count(*)::int as n from orders where stripe_session_id like 'cs_race_%'");
        expect(orders?.n).toBe(120);
        const perEvent = await store.db.query<{ n: number }>(
          "select count(*)::int as n from webhook_attempts where webhook_event_id = any($1::int8[]) group by webhook_event_id",
          [ids],
        );
        expect(perEvent).toHaveLength(120);
        expect(perEvent.every((r) => r.n === 1)).toBe(true);
        const workers = await store.db.query<{ worker: string }>(
          "select distinct worker from webhook_attempts where webhook_event_id = any($1::int8[])",
          [ids],
        );
        expect(workers.length).toBeGreaterThanOrEqual(1);
      } finally {
        for (const q of queues.splice(0)) await q.stop(1_000);
        if (second !== store.db) await second.close();
      }
    });

    test.skipIf(kind !== "postgres")("on PostgreSQL a handler's queries run on its worker's own connection, named as the instance", async () => {
      // The queue's store gets one connection: the proxy would run the handler's queries on it.
      const own = await createTestStore("postgres", { maxConnections: 1 });
      try {
        const queue = await startTestQueue(own.db);
        const [main] = await own.db.query<{ pid: string }>("select pg_backend_pid()::text as pid");
        const ids = await storeEvents(own.db, "test", [{ eventType: "whoami", payload: { sessionId: "cs_whoami" } }]);
        await waitForStatus(own.db, ids, ["processed"]);
        await queue.stop(1_000);
        const [order] = await own.db.query<{ status: string }>("select status from orders where stripe_session_id = 'cs_whoami'");
        const [pid, name] = order!.status.split(" ");
        expect(pid).not.toBe(main!.pid);
        expect(name).toBe("hookport-test");
      } finally {
        await own.close();
      }
    });

    test("replay puts a processed event back with its history and runs it again", async () => {
      await start();
      const [id] = await storeEvents(store.db, "github", [{ eventType: "ping", payload: {} }]);
      await waitForStatus(store.db, [id!], ["processed"]);
      expect(await requeueEvents(store.db, [id!])).toEqual([id!]);
      const [state] = await waitForStatus(store.db, [id!], ["processed"]);
      expect(state?.attempts).toBe(2);
      const attempts = await store.db.query("select attempt from webhook_attempts where webhook_event_id = $1 order by attempt", [id]);
      expect(attempts).toEqual([{ attempt: 1 }, { attempt: 2 }]);
    });

    test("a replayed dead event gets a fresh MAX_ATTEMPTS budget", async () => {
      await start({ maxAttempts: 2, retryBaseMs: 5 });
      const [id] = await storeEvents(store.db, "test", [{ eventType: "always_throws", payload: {} }]);
      await waitForStatus(store.db, [id!], ["dead"]);
      await requeueEvents(store.db, [id!]);
      const [state] = await waitForStatus(store.db, [id!], ["dead"]);
      expect(state?.attempts).toBe(4);
    });

    test("an event left processing by a stopped instance is taken back; a live one's is not", async () => {
      const [orphan, live] = await storeEvents(store.db, "github", [
        { eventType: "ping", payload: {} },
        { eventType: "ping", payload: {} },
      ]);
      const ownName = kind === "postgres" ? "hookport-test" : "test:me";
      await store.db.query(
        "update hookport_jobs set status = 'processing', attempts = 1, locked_at = now(), locked_by = case when webhook_event_id = $1 then 'hookport:gone:1' else $2 end where webhook_event_id = any($3::int8[])",
        [orphan, ownName, [orphan, live]],
      );
      const taken = await reclaimOrphans(store.db, "test:me", { leaseMs: 60_000, maxAttempts: 8 });
      expect(taken).toBe(1);
      const states = await eventStates(store.db, [orphan!, live!]);
      expect(states.map((s) => s.status)).toEqual(["failed", "processing"]);
      expect(states[0]?.last_error).toContain("hookport:gone:1");
    });

    test("shutdown lets a running handler finish within the deadline, and releases one that does not", async () => {
      const queue = await start();
      const [quick, slow] = await storeEvents(store.db, "test", [
        { eventType: "sleeps", payload: { ms: 150 } },
        { eventType: "sleeps", payload: { ms: 5_000 } },
      ]);
      await waitForStatus(store.db, [quick!, slow!], ["processing"]);
      queues.splice(queues.indexOf(queue), 1);
      await queue.stop(600);
      const states = await eventStates(store.db, [quick!, slow!]);
      expect(states.map((s) => [s.status, s.attempts])).toEqual([
        ["processed", 1],
        ["pending", 0],
      ]);
    });
  });
}
