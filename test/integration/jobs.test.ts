// Each safety net of the job statements on its own (STYLE §13), and the point of issue 9's split:
// working on a job never rewrites its event row.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { claimDue, completeJobs, failJob, releaseJob } from "../../src/store/jobs.ts";
import { storeEvents } from "../support/queue.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

const timing = () => ({ worker: "test", startedAt: new Date(), durationMs: 1 });

for (const kind of storeKinds) {
  describe(`jobs on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterAll(() => store.close());
    // Each test takes every due job, so one test's leftovers cannot leak into the next.
    const claimAll = (instance: string) => claimDue(store.db, { instance, limit: 1000 });

    test("completing, failing or releasing as another instance changes nothing and says so", async () => {
      await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 1 } }]);
      const [job] = await claimAll("owner");
      expect(await completeJobs(store.db, "intruder", [{ job: job!, note: null, timing: timing() }])).toEqual([false]);
      expect(await failJob(store.db, "intruder", job!, "nope", { ...timing(), maxAttempts: 3, delayMs: 0 })).toBe("lost");
      await releaseJob(store.db, "intruder", job!, "nope", timing());
      // A stale claim of the owner (an earlier attempt) is fenced too.
      expect(await completeJobs(store.db, "owner", [{ job: { ...job!, attempt: job!.attempt - 1 }, note: null, timing: timing() }])).toEqual([false]);
      const [state] = await store.db.query<{ status: string; locked_by: string; attempts: number }>(
        "select status, locked_by, attempts from hookport_jobs where webhook_event_id = $1",
        [job!.id],
      );
      expect(state).toEqual({ status: "processing", locked_by: "owner", attempts: 1 });
      expect(await completeJobs(store.db, "owner", [{ job: job!, note: null, timing: timing() }])).toEqual([true]);
    });

    // PGlite has one connection, so nothing can hold a row from elsewhere: PostgreSQL only.
    test.skipIf(kind !== "postgres")("a claim skips a job held FOR UPDATE elsewhere instead of waiting for it", async () => {
      const [held, free] = await storeEvents(store.db, "stripe", [
        { eventType: "x", payload: { n: 2 } },
        { eventType: "x", payload: { n: 3 } },
      ]);
      const tx = await store.db.begin();
      try {
        await tx.query("select 1 from hookport_jobs where webhook_event_id = $1 for update", [held]);
        const claimed = await Promise.race([claimAll("skipper"), Bun.sleep(3000).then(() => "blocked" as const)]);
        expect(claimed === "blocked" ? claimed : claimed.map((j) => j.id)).toEqual([free!]);
      } finally {
        await tx.rollback();
      }
      await claimAll("cleanup");
    });

    test("claiming and completing a job leaves its event row as it was written", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 4 } }]);
      const version = () => store.db.query<{ v: string }>("select xmin::text || '/' || ctid::text as v from hookport_events where id = $1", [id]);
      const before = await version();
      const jobs = await claimAll("worker");
      expect(jobs.map((j) => j.id)).toEqual([id!]);
      expect(jobs[0]).toMatchObject({ target: "handler", source: "stripe", eventType: "x", payloadJson: '{"n":4}', attempt: 1 });
      expect(await completeJobs(store.db, "worker", jobs.map((job) => ({ job, note: null, timing: timing() })))).toEqual([true]);
      expect(await version()).toEqual(before);
    });

    // Issue 9: on PostgreSQL a claim commits without waiting for its WAL flush. That must hold for the
    // claim's own transaction only: ingest on a connection that inherited it would answer 2xx for events
    // not yet on disk.
    test("a claim that does not wait for its flush turns synchronous_commit off for itself alone", async () => {
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: 5 } }]);
      const tx = await store.db.begin({ hold: true });
      let inside: string | undefined;
      try {
        const jobs = await claimDue(tx, { instance: "quick", limit: 1000, flush: false });
        expect(jobs.map((j) => j.id)).toEqual([id!]);
        inside = (await tx.query<{ synchronous_commit: string }>("show synchronous_commit"))[0]?.synchronous_commit;
      } finally {
        await tx.commit();
      }
      expect(inside).toBe("off");
      // Every connection of the pool, the one that ran the claim among them.
      const after = await Promise.all(Array.from({ length: 10 }, () => store.db.query<{ synchronous_commit: string }>("show synchronous_commit")));
      expect(after.map(([row]) => row!.synchronous_commit)).toEqual(Array(10).fill("on"));
      await claimAll("cleanup");
    });
  });
}
