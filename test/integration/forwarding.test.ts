// Forward jobs in the store (issue 10), on both stores: one job per destination beside the handler's,
// none for a duplicate; claims split by target and by destination; a pause holds a destination back;
// failures retry until the deadline, then `dead`; replay per destination; what the admin reads.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureDestinations, eventDeliveries, listDestinations, readDestinationStates, saveBreaker, setPaused } from "../../src/store/destinations.ts";
import { writeBatch } from "../../src/store/events.ts";
import { getEventDetail } from "../../src/store/history.ts";
import {
  claimForward,
  completeForwards,
  failForward,
  reclaimForwardOrphans,
  requeueDestination,
  type ForwardAttempt,
  type ForwardJob,
} from "../../src/store/forwarding.ts";
import { claimDue, countBacklog, reclaimOrphans, requeueEvents } from "../../src/store/jobs.ts";
import { storeEvents } from "../support/queue.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

const completeForward = async (db: Parameters<typeof completeForwards>[0], instance: string, job: ForwardJob, a: ForwardAttempt) =>
  (await completeForwards(db, instance, [{ job, attempt: a }]))[0]!;
const attempt = (responseStatus: number | null = 200) => ({ startedAt: new Date(), durationMs: 3, responseStatus, responseStart: responseStatus ? "ok" : null });

for (const kind of storeKinds) {
  describe(`forward jobs on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
      await ensureDestinations(store.db, ["app", "audit", "paused", "other"]);
    });
    afterAll(() => store.close());
    const jobsOf = (id: string) =>
      store.db.query<{ target: string; status: string }>("select target, status from hookport_jobs where webhook_event_id = $1 order by target", [id]);

    test("a stored event gets a job per destination beside its handler's, in the same statement; a duplicate gets none", async () => {
      const event = { source: "stripe", eventId: `evt_fw_${crypto.randomUUID()}`, eventType: "checkout.session.completed", payloadJson: "{}", headers: {}, secretIndex: 0 };
      const body = new TextEncoder().encode("{}");
      const [first, again] = await writeBatch(store.db, [
        { ...event, body, forwardTo: ["app", "audit"] },
        { ...event, body, forwardTo: ["app", "audit"] },
      ]);
      expect(first).toMatchObject({ status: "received" });
      expect(again).toMatchObject({ status: "duplicate" });
      const [later] = await writeBatch(store.db, [{ ...event, body, forwardTo: ["other"] }]);
      expect(later).toMatchObject({ status: "duplicate" });
      expect(await jobsOf((first as { id: string }).id)).toEqual([
        { target: "forward:app", status: "pending" },
        { target: "forward:audit", status: "pending" },
        { target: "handler", status: "pending" },
      ]);
      // Clean up for the tests below.
      await claimDue(store.db, { instance: "h", limit: 1000 });
      for (const d of ["app", "audit"]) for (const job of await claimForward(store.db, { instance: "f", destination: d, limit: 1000 })) await completeForward(store.db, "f", job, attempt());
    });

    test("the handler's claim takes only handler jobs; a destination's claim only its own, with the body byte for byte", async () => {
      const bytes = Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x00, 0x22, 0x7d]); // not UTF-8
      const [stored] = await writeBatch(store.db, [
        { source: "raw", eventId: `raw_${crypto.randomUUID()}`, eventType: "t", payloadJson: '{"a":"x"}', body: bytes, headers: { "content-type": "application/json" }, secretIndex: 0, forwardTo: ["app"] },
      ]);
      const id = (stored as { id: string }).id;
      expect((await claimDue(store.db, { instance: "h", limit: 1000 })).map((j) => [j.id, j.target])).toEqual([[id, "handler"]]);
      expect(await claimForward(store.db, { instance: "f", destination: "audit", limit: 10 })).toEqual([]);
      const [job] = await claimForward(store.db, { instance: "f", destination: "app", limit: 10 });
      expect(job).toMatchObject({ id, target: "forward:app", destination: "app", source: "raw", eventType: "t", headers: { "content-type": "application/json" }, attempt: 1 });
      expect([...job!.body]).toEqual([...bytes]);
      expect(await completeForward(store.db, "intruder", job!, attempt())).toBe(false);
      expect(await completeForward(store.db, "f", job!, attempt(204))).toBe(true);
    });

    test("completions share one statement, each fenced on its own claim", async () => {
      const ids = await storeEvents(store.db, "stripe", [
        { eventType: "x", payload: { n: "b1" }, forwardTo: ["app"] },
        { eventType: "x", payload: { n: "b2" }, forwardTo: ["app"] },
      ]);
      const jobs = await claimForward(store.db, { instance: "f", destination: "app", limit: 10 });
      expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
      const results = await completeForwards(store.db, "f", [
        { job: jobs[0]!, attempt: attempt(200) },
        { job: { ...jobs[1]!, attempt: jobs[1]!.attempt + 1 }, attempt: attempt(200) },
      ]);
      expect(results).toEqual([true, false]);
      expect(await completeForwards(store.db, "f", [{ job: jobs[1]!, attempt: attempt(201) }])).toEqual([true]);
      const [delivery] = await eventDeliveries(store.db, jobs[1]!.id);
      expect(delivery!.history.map((a) => [a.outcome, a.responseStatus])).toEqual([["processed", 201]]);
      await claimDue(store.db, { instance: "h", limit: 1000 });
    });

    test("a paused destination's jobs wait, unclaimed, and are claimed once it is resumed", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 1 }, forwardTo: ["paused"] }]);
      expect(await setPaused(store.db, "paused", true, "maintenance")).toBe(true);
      expect(await setPaused(store.db, "no-such-destination", true)).toBe(false);
      expect(await claimForward(store.db, { instance: "f", destination: "paused", limit: 10 })).toEqual([]);
      const [state] = await readDestinationStates(store.db, ["paused"]);
      expect(state).toMatchObject({ paused: true, pausedReason: "maintenance" });
      expect(await setPaused(store.db, "paused", false)).toBe(true);
      const jobs = await claimForward(store.db, { instance: "f", destination: "paused", limit: 10 });
      expect(jobs.map((j) => j.id)).toEqual([id!]);
      await completeForward(store.db, "f", jobs[0]!, attempt());
      await claimDue(store.db, { instance: "h", limit: 1000 });
    });

    test("a failure waits its delay; at or past the deadline set by the first failure, the job is dead", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 2 }, forwardTo: ["other"] }]);
      let [job] = await claimForward(store.db, { instance: "f", destination: "other", limit: 10 });
      expect(await failForward(store.db, "f", job!, "HTTP 503", { ...attempt(503), delayMs: 0, retryForMs: 60_000 })).toBe("failed");
      [job] = await claimForward(store.db, { instance: "f", destination: "other", limit: 10 });
      expect(job!.attempt).toBe(2);
      // The deadline stays where the first failure put it: a long delay is cut to it, not past it.
      expect(await failForward(store.db, "f", job!, "HTTP 503", { ...attempt(503), delayMs: 3_600_000, retryForMs: 1 })).toBe("failed");
      const [row] = await store.db.query<{ late: boolean }>(
        "select next_attempt_at <= retry_until and retry_until < now() + interval '61 seconds' as late from hookport_jobs where webhook_event_id = $1 and target = 'forward:other'",
        [id],
      );
      expect(row!.late).toBe(true);
      await store.db.query("update hookport_jobs set retry_until = now() - interval '1 second', next_attempt_at = now() where webhook_event_id = $1 and target = 'forward:other'", [id]);
      [job] = await claimForward(store.db, { instance: "f", destination: "other", limit: 10 });
      expect(await failForward(store.db, "f", job!, "timeout", { ...attempt(null), delayMs: 0, retryForMs: 60_000 })).toBe("dead");

      const [delivery] = await eventDeliveries(store.db, id!);
      expect(delivery).toMatchObject({ destination: "other", status: "dead", attempts: 3, lastError: "timeout" });
      // The event's own timeline is its handler's: no delivery attempt in it.
      expect((await getEventDetail(store.db, id!))!.attemptsTimeline).toEqual([]);
      expect(delivery!.history.map((a) => [a.attempt, a.outcome, a.responseStatus, a.error])).toEqual([
        [1, "failed", 503, "HTTP 503"],
        [2, "failed", 503, "HTTP 503"],
        [3, "dead", null, "timeout"],
      ]);

      // Replay to that destination only: a fresh deadline; the handler's job is untouched.
      expect(await requeueEvents(store.db, [id!], "forward:other")).toEqual([id!]);
      expect(await jobsOf(id!)).toEqual([
        { target: "forward:other", status: "pending" },
        { target: "handler", status: "pending" },
      ]);
      [job] = await claimForward(store.db, { instance: "f", destination: "other", limit: 10 });
      expect(await failForward(store.db, "f", job!, "HTTP 500", { ...attempt(500), delayMs: 0, retryForMs: 60_000 })).toBe("failed");
      await claimDue(store.db, { instance: "h", limit: 1000 });
    });

    test("destination-wide retry of dead jobs, and the backlog the admin lists", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 3 }, forwardTo: ["audit"] }]);
      await store.db.query("update hookport_jobs set status = 'dead' where webhook_event_id = $1 and target = 'forward:audit'", [id]);
      const audit = async () => (await listDestinations(store.db)).find((d) => d.name === "audit")!;
      expect((await audit()).backlog).toMatchObject({ dead: 1 });
      expect(await requeueDestination(store.db, "audit", "dead")).toBe(1);
      expect((await audit()).backlog).toMatchObject({ dead: 0, pending: 1 });
      await saveBreaker(store.db, "audit", { failuresInARow: 5, openUntil: new Date(Date.now() + 30_000), coolDownMs: 30_000 }, { ok: false, error: "HTTP 502" });
      expect(await audit()).toMatchObject({ failuresInARow: 5, coolDownMs: 30_000, lastError: "HTTP 502", paused: false });
      expect((await audit()).openUntil).toBeInstanceOf(Date);
      await claimDue(store.db, { instance: "h", limit: 1000 });
    });

    test("a delivery left processing by a stopped instance is taken back, due now", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 4 }, forwardTo: ["app"] }]);
      await claimForward(store.db, { instance: "gone-instance-that-has-no-session", destination: "app", limit: 10 });
      expect(await reclaimForwardOrphans(store.db, "me", { leaseMs: 60_000 })).toBe(1);
      expect((await jobsOf(id!)).find((j) => j.target === "forward:app")).toEqual({ target: "forward:app", status: "failed" });
      const [job] = await claimForward(store.db, { instance: "me", destination: "app", limit: 10 });
      expect(job!.attempt).toBe(2);
      await completeForward(store.db, "me", job!, attempt());
      await claimDue(store.db, { instance: "h", limit: 1000 });
    });

    test("the handler's statements leave forward jobs alone: no orphan reclaim under MAX_ATTEMPTS, not in the events backlog", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 5 }, forwardTo: ["app"] }]);
      await claimDue(store.db, { instance: "h", limit: 1000 });
      await store.db.query("update hookport_jobs set status = 'processed' where webhook_event_id = $1 and target = 'handler'", [id]);
      // Many attempts already, more than any MAX_ATTEMPTS: a handler's reclaim would make it dead.
      await store.db.query("update hookport_jobs set attempts = 50 where webhook_event_id = $1 and target = 'forward:app'", [id]);
      const [job] = await claimForward(store.db, { instance: "gone-instance-that-has-no-session", destination: "app", limit: 10 });
      await reclaimOrphans(store.db, "me", { leaseMs: 60_000, maxAttempts: 3 });
      expect((await jobsOf(id!)).find((j) => j.target === "forward:app")!.status).toBe("processing");
      // The gauge counts handler jobs only: a forward job in processing is not an event waiting for its handler.
      const handlerJobs = await store.db.query<{ status: string; n: number }>(
        "select status, count(*)::int as n from hookport_jobs where target = 'handler' and status in ('pending', 'failed', 'processing') group by 1",
      );
      expect(await countBacklog(store.db)).toEqual({ pending: 0, failed: 0, processing: 0, ...Object.fromEntries(handlerJobs.map((r) => [r.status, r.n])) });
      expect(await reclaimForwardOrphans(store.db, "me", { leaseMs: 60_000 })).toBe(1);
      expect((await jobsOf(id!)).find((j) => j.target === "forward:app")!.status).toBe("failed");
      const [again] = await claimForward(store.db, { instance: "me", destination: "app", limit: 10 });
      expect(again!.attempt).toBe(job!.attempt + 1);
      await completeForward(store.db, "me", again!, attempt());
    });

    // PGlite has one connection, so nothing can hold a row from elsewhere: PostgreSQL only.
    test.skipIf(kind !== "postgres")("a destination's claim skips a job held FOR UPDATE elsewhere instead of waiting for it", async () => {
      for (const job of await claimForward(store.db, { instance: "f", destination: "audit", limit: 100 })) await completeForward(store.db, "f", job, attempt());
      const [held, free] = await storeEvents(store.db, "stripe", [
        { eventType: "x", payload: { n: 6 }, forwardTo: ["audit"] },
        { eventType: "x", payload: { n: 7 }, forwardTo: ["audit"] },
      ]);
      await claimDue(store.db, { instance: "h", limit: 1000 });
      const tx = await store.db.begin();
      try {
        await tx.query("select 1 from hookport_jobs where webhook_event_id = $1 and target = 'forward:audit' for update", [held]);
        const claimed = await Promise.race([
          claimForward(store.db, { instance: "f", destination: "audit", limit: 10 }),
          Bun.sleep(3000).then(() => "blocked" as const),
        ]);
        expect(claimed === "blocked" ? claimed : claimed.map((j) => j.id)).toEqual([free!]);
      } finally {
        await tx.rollback();
      }
      for (const job of await claimForward(store.db, { instance: "f", destination: "audit", limit: 10 })) await completeForward(store.db, "f", job, attempt());
    });
  });
}
