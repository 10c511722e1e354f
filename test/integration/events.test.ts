import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEventWriter, insertSql, writeBatch, type NewEvent } from "../../src/store/events.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

const event = (eventId: string, payloadJson = `{"id":"${eventId}","object":"event","type":"x"}`): NewEvent => ({
  source: "stripe",
  eventId,
  eventType: "x",
  payloadJson,
  body: new TextEncoder().encode(payloadJson),
  headers: { "content-type": "application/json" },
  secretIndex: 0,
});

for (const kind of storeKinds) {
  describe(`events on the ${kind} store`, () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterAll(() => store.close());

    test("stores a new event once and counts a redelivery as a duplicate", async () => {
      const [first] = await writeBatch(store.db, [event("evt_a")]);
      const [again] = await writeBatch(store.db, [event("evt_a")]);
      expect(first).toEqual({ status: "received", id: expect.any(String) });
      expect(again).toEqual({ status: "duplicate", id: (first as { id: string }).id });
      const [row] = await store.db.query<{ duplicate_count: number; status: string; payload: unknown; processed: boolean }>(
        "select duplicate_count, status, payload, processed from webhook_events where event_id = 'evt_a'",
      );
      expect(row).toEqual({ duplicate_count: 1, status: "pending", payload: { id: "evt_a", object: "event", type: "x" }, processed: false });
    });

    test("answers each copy of one id inside a batch: one received, the rest duplicate", async () => {
      const outcomes = await writeBatch(store.db, [event("evt_b"), event("evt_c"), event("evt_b")]);
      expect(outcomes.map((o) => o.status)).toEqual(["received", "received", "duplicate"]);
      const [row] = await store.db.query<{ duplicate_count: number }>("select duplicate_count from webhook_events where event_id = 'evt_b'");
      expect(row?.duplicate_count).toBe(1);
    });

    test("a row that jsonb refuses does not fail its neighbours", async () => {
      const bad = event("evt_bad", '{"id":"evt_bad","object":"event","type":"x","note":"nul \\u0000 here"}');
      const outcomes = await writeBatch(store.db, [event("evt_d"), bad, event("evt_e")]);
      expect(outcomes.map((o) => o.status)).toEqual(["received", "refused", "received"]);
      const rows = await store.db.query("select 1 from webhook_events where event_id = 'evt_bad'");
      expect(rows).toHaveLength(0);
    });

    test("keeps a body that is not UTF-8 byte for byte, and its JSON for the view", async () => {
      // A Latin-1 "é" (0xE9) inside the JSON: text cannot hold these bytes, bytea can.
      const bytes = new Uint8Array([...new TextEncoder().encode('{"id":"evt_latin","name":"caf'), 0xe9, ...new TextEncoder().encode('"}')]);
      const payloadJson = new TextDecoder().decode(bytes);
      const [outcome] = await writeBatch(store.db, [{ ...event("evt_latin", payloadJson), body: bytes }]);
      expect(outcome!.status).toBe("received");
      const [row] = await store.db.query<{ hex: string; payload: { name: string } }>(
        "select encode(e.body, 'hex') as hex, w.payload from hookport_events e join webhook_events w using (id) where e.event_id = 'evt_latin'",
      );
      expect(row!.hex).toBe(Buffer.from(bytes).toString("hex"));
      expect(row!.payload.name).toBe("caf\ufffd");
    });

    test("stores the verifier's text of the body byte for byte: a leading BOM kept, a NUL that text cannot hold as bytes", async () => {
      const bom = "\ufeff" + '{"id":"evt_bom"}';
      const nul = '{"id":"evt_nul","s":"a\u0000b"}';
      const outcomes = await writeBatch(store.db, [
        { ...event("evt_bom", '{"id":"evt_bom"}'), body: new TextEncoder().encode(bom), bodyText: bom },
        { ...event("evt_nul", '{"id":"evt_nul"}'), body: new TextEncoder().encode(nul), bodyText: nul },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["received", "received"]);
      const rows = await store.db.query<{ event_id: string; hex: string }>(
        "select event_id, encode(body, 'hex') as hex from hookport_events where event_id in ('evt_bom', 'evt_nul') order by event_id",
      );
      expect(rows).toEqual([
        { event_id: "evt_bom", hex: Buffer.from(bom).toString("hex") },
        { event_id: "evt_nul", hex: Buffer.from(nul).toString("hex") },
      ]);
    });

    // Issue 8: rows that get past no check the verifiers make (written here directly) and fail outside
    // the data-exception class; each once answered every sender in its batch 503.
    // Random, so TOAST cannot compress the key under the btree's 2,704-byte limit.
    const incompressible = () => Buffer.from(crypto.getRandomValues(new Uint8Array(6_144))).toString("base64");
    const poisons: [string, (id: string) => NewEvent][] = [
      ["an 8 KB event id (index row too large, 54000)", (id) => ({ ...event(id), eventId: id + incompressible() })],
      ["an 8 KB event type (index row too large, 54000)", (id) => ({ ...event(id), eventType: incompressible() })],
    ];
    // PGlite (0.5) does not raise here: at this depth its INSERT returned no rows and its next query
    // hung, so on the embedded store the verifiers' depth limit (shape.ts) is the only guard.
    if (kind === "postgres") {
      poisons.push(["a payload nested 100,000 deep (stack depth, 54001)", (id) => event(id, `{"deep":${"[".repeat(100_000)}${"]".repeat(100_000)}}`)]);
    }
    for (const [name, poison] of poisons) {
      test(`a poison row among concurrent good ones gets refused, the good ones are received: ${name}`, async () => {
        const writer = createEventWriter(store.db);
        const prefix = `evt_${crypto.randomUUID().slice(0, 8)}`;
        const good = Array.from({ length: 30 }, (_, i) => event(`${prefix}_good_${i}`));
        const batch = [...good.slice(0, 15), poison(`${prefix}_poison`), ...good.slice(15)];
        const outcomes = await Promise.all(batch.map((e) => writer.write(e)));
        expect(outcomes[15]).toMatchObject({ status: "refused", detail: expect.stringContaining("SQLSTATE") });
        expect(outcomes.filter((o) => o.status === "received")).toHaveLength(30);
        const [row] = await store.db.query<{ n: number }>("select count(*)::int as n from webhook_events where event_id like $1", [`${prefix}%`]);
        expect(row!.n).toBe(30);
        // The store still takes writes afterwards.
        expect(await writer.write(event(`${prefix}_after`))).toMatchObject({ status: "received" });
      });
    }

    // Regression (issue 5): PGlite runs a statement to completion inside the microtask queue, so a batch
    // flushed on a microtask held one event; writes arriving as separate requests never shared a commit.
    test("writes that arrive as separate macrotasks, as HTTP requests do, share statements", async () => {
      let statements = 0;
      const counting = { ...store.db, query: (text: string, params?: readonly unknown[]) => (statements++, store.db.query(text, params)) } as typeof store.db;
      const writer = createEventWriter(counting);
      const writes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => new Promise((resolve) => setImmediate(() => resolve(writer.write(event(`evt_tick_${i}`)))))),
      );
      expect(writes.every((o) => (o as { status: string }).status === "received")).toBe(true);
      expect(statements).toBeLessThanOrEqual(4);
    });

    // Regression (issue 5 bench, PostgreSQL log "deadlock detected" between two ingest INSERTs): two
    // batches in flight holding the same new ids in opposite orders each waited for the other's row.
    test("two concurrent batches with the same new ids in opposite orders both commit", async () => {
      for (let round = 0; round < 5; round++) {
        const ids = Array.from({ length: 200 }, (_, i) => event(`evt_order_${round}_${i}`));
        const [forward, backward] = await Promise.all([writeBatch(store.db, ids), writeBatch(store.db, [...ids].reverse())]);
        const received = [...forward!, ...backward!].filter((o) => o.status === "received");
        expect(received).toHaveLength(200);
      }
    }, 20_000); // 2,000 rows through PGlite: about 5 s on a busy 2-core machine

    test("100 concurrent writes of one new event id make one row and one received answer", async () => {
      const writer = createEventWriter(store.db);
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => writer.write(event("evt_race"))));
      expect(outcomes.filter((o) => o.status === "received")).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === "duplicate")).toHaveLength(99);
      const [row] = await store.db.query<{ n: number; d: number }>(
        "select count(*)::int as n, max(duplicate_count) as d from webhook_events where event_id = 'evt_race'",
      );
      expect(row).toEqual({ n: 1, d: 99 });
    });

    // Regression (issue 9, pg_stat_user_tables after the bench's burst: 258 sequential scans of
    // hookport_events reading 2.2M rows, one per ingest batch). The ingest statement is prepared once per
    // connection, often on a new store, and PostgreSQL keeps that plan as the table grows: it must look
    // the batch's rows up by index whatever the table's size. PGlite plans every statement anew.
    test.skipIf(kind !== "postgres")("the ingest statement looks events up by index on the connections that run it", async () => {
      const batch = Array.from({ length: 64 }, (_, i) => event(`evt_plan_${i}`));
      const params = batch.flatMap((e) => [e.source, e.eventId, e.eventType, e.payloadJson, null, null, "{}", 0, 1, null]);
      const rows = await store.db.queryCommitted!<Record<string, string>>(`explain ${insertSql(64)}`, params);
      const plan = rows.map((r) => Object.values(r)[0]).join("\n");
      expect(plan).toContain("Update on hookport_events");
      expect(plan).not.toMatch(/Seq Scan on hookport_events/);
    });
  });
}

describe("writeBatch when the store, not a row, fails", () => {
  // A store that raises the given error on every statement: no row can be blamed, so every sender must
  // get a 503 and retry, never a 400 that tells them to give up.
  const failing = (err: unknown) => ({ query: () => Promise.reject(err), queryArrays: () => Promise.reject(err) });
  for (const [name, err] of [
    ["a dropped connection (no SQLSTATE)", new Error("write CONNECTION_CLOSED")],
    ["an administrator shutdown (57P01)", Object.assign(new Error("terminating connection"), { code: "57P01" })],
    ["a read-only server after a failover (25006)", Object.assign(new Error("cannot execute INSERT in a read-only transaction"), { code: "25006" })],
    ["a missing table (42P01)", Object.assign(new Error('relation "webhook_events" does not exist'), { code: "42P01" })],
    ["a full disk (53100)", Object.assign(new Error("could not extend file"), { code: "53100" })],
  ] as const) {
    test(`fails the whole batch on ${name}`, async () => {
      await expect(writeBatch(failing(err), [event("evt_1"), event("evt_2")])).rejects.toBe(err);
    });
  }
});
