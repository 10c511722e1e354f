// The admin's read queries on both stores: filters, keyset paging, the live cursor and the counts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  countByStatus,
  countMatching,
  countPerMinute,
  getEventDetail,
  listEventTypes,
  listHistory,
  listMatchingIds,
  listSince,
} from "../../src/store/history.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { store as storeEvents, storedEvent } from "./admin-app.ts";

for (const kind of storeKinds) {
  describe(`history queries on the ${kind} store`, () => {
    let s: TestStore;
    const ids: string[] = [];
    beforeAll(async () => {
      s = await createTestStore(kind);
      // 30 events, one per batch so ids follow the loop: even = stripe, odd = github; every third is dead.
      for (let i = 0; i < 30; i++) {
        const [id] = await storeEvents(s.db, [
          storedEvent(`evt_${i}`, { source: i % 2 ? "github" : "stripe", eventType: i % 5 === 0 ? "push" : "charge.succeeded" }),
        ]);
        ids.push(id!);
      }
      await s.db.query("update hookport_jobs set status = 'dead' where webhook_event_id in (select id from hookport_events where event_id = any($1))", [Array.from({ length: 10 }, (_, j) => `evt_${j * 3}`)]);
    });
    afterAll(() => s.close());

    test("pages newest first by cursor, without repeats or gaps, and says when there is no next page", async () => {
      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await listHistory(s.db, {}, { before, limit: 7 });
        seen.push(...page.rows.map((r) => r.eventId));
        if (!page.next) break;
        expect(page.rows).toHaveLength(7);
        before = page.next;
      }
      expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `evt_${29 - i}`));
    });

    test("orders ids numerically, not as text (id 10 comes after id 9)", async () => {
      const page = await listHistory(s.db, {}, { limit: 30 });
      const numeric = page.rows.map((r) => Number(r.id));
      expect(numeric).toEqual([...numeric].sort((a, b) => b - a));
    });

    test("filters by source, status, type and exact event id, alone and together", async () => {
      const list = async (filter: Parameters<typeof listHistory>[1]) => (await listHistory(s.db, filter, { limit: 100 })).rows.map((r) => r.eventId);
      expect(await list({ source: "github" })).toHaveLength(15);
      expect(await list({ status: "dead" })).toEqual(["evt_27", "evt_24", "evt_21", "evt_18", "evt_15", "evt_12", "evt_9", "evt_6", "evt_3", "evt_0"]);
      expect(await list({ type: "push" })).toEqual(["evt_25", "evt_20", "evt_15", "evt_10", "evt_5", "evt_0"]);
      expect(await list({ source: "github", status: "dead", type: "push" })).toEqual(["evt_15"]);
      expect(await list({ q: "evt_7" })).toEqual(["evt_7"]);
      expect(await list({ q: "evt_" })).toEqual([]);
    });

    test("a filtered page continues from its cursor under the same filter", async () => {
      const first = await listHistory(s.db, { status: "dead" }, { limit: 4 });
      const second = await listHistory(s.db, { status: "dead" }, { before: first.next!, limit: 4 });
      expect(second.rows.map((r) => r.eventId)).toEqual(["evt_15", "evt_12", "evt_9", "evt_6"]);
    });

    test("rows come in the JSON API's shape, timestamps as ISO 8601 UTC", async () => {
      const [row] = (await listHistory(s.db, { q: "evt_29" }, { limit: 1 })).rows;
      expect(row).toEqual({
        id: ids[29]!,
        source: "github",
        eventId: "evt_29",
        eventType: "charge.succeeded",
        status: "pending",
        attempts: 0,
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        processedAt: null,
        lastError: null,
      });
    });

    test("since returns only newer rows, and marks none settled right after they arrived", async () => {
      const { rows, more } = await listSince(s.db, {}, { since: ids[26]!, limit: 10 });
      expect(rows.map((r) => r.eventId)).toEqual(["evt_29", "evt_28", "evt_27"]);
      expect(rows.every((r) => !r.settled)).toBe(true);
      expect(more).toBe(false);
      const settledLater = await listSince(s.db, {}, { since: ids[26]!, limit: 2, settleSeconds: 0 });
      expect(settledLater.more).toBe(true);
    });

    test("counts per status over 24 h and per minute over the last hour", async () => {
      await s.db.query("update hookport_events set received_at = now() - interval '2 days' where event_id = 'evt_1'");
      await s.db.query("update hookport_events set received_at = now() - interval '10 minutes 30 seconds' where event_id = 'evt_2'");
      const now = new Date();
      const counts = await countByStatus(s.db, now);
      expect(counts).toEqual({ pending: 19, processing: 0, processed: 0, failed: 0, dead: 10 });
      const perMinute = await countPerMinute(s.db, now);
      expect(perMinute).toHaveLength(60);
      expect(perMinute[49]).toBe(1);
      expect(perMinute.reduce((a, b) => a + b, 0)).toBe(29);
    });

    test("counts matching rows up to a cap, and lists their ids in keyset batches", async () => {
      expect(await countMatching(s.db, { status: "dead" })).toBe(10);
      expect(await countMatching(s.db, { status: "dead" }, 4)).toBe(4);
      const first = await listMatchingIds(s.db, { status: "dead", source: "stripe" }, { limit: 3 });
      const rest = await listMatchingIds(s.db, { status: "dead", source: "stripe" }, { before: first.at(-1), limit: 3 });
      expect([...first, ...rest]).toEqual([24, 18, 12, 6, 0].map((i) => ids[i]!));
    });

    test("lists the distinct event types", async () => {
      expect(await listEventTypes(s.db)).toEqual(["charge.succeeded", "push"]);
    });

    test("one event comes with its headers, raw body and attempts in order", async () => {
      const id = ids[4]!;
      await s.db.query(
        `insert into webhook_attempts (webhook_event_id, attempt, outcome, error, started_at, finished_at, duration_ms)
         values ($1, 2, 'processed', null, now(), now(), 12), ($1, 1, 'failed', 'boom <b>', now() - interval '1 minute', now(), 3050)`,
        [id],
      );
      const detail = await getEventDetail(s.db, id);
      expect(detail?.eventId).toBe("evt_4");
      expect(detail?.headers).toEqual({ "content-type": "application/json" });
      expect(JSON.parse(detail!.rawBody).id).toBe("evt_4");
      expect(detail?.attemptsTimeline.map((a) => [a.attempt, a.outcome, a.error, a.durationMs])).toEqual([
        [1, "failed", "boom <b>", 3050],
        [2, "processed", null, 12],
      ]);
      expect(await getEventDetail(s.db, "999999")).toBeNull();
    });
  });
}
