// GET /admin/api/webhooks exactly as CONTRACT.md has it: shape, filters, cursor paging, limit clamping.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { bearer, buildAdminApp, store, storedEvent } from "./admin-app.ts";

let s: TestStore;
let api: (query?: string) => Promise<Response>;
const ids: string[] = [];

beforeAll(async () => {
  s = await createTestStore("embedded");
  const { request } = buildAdminApp(s.db);
  api = (query = "") => request(`/admin/api/webhooks${query}`, { headers: bearer });
  // 120 events: every fourth from GitHub (type push), the rest Stripe; one per batch so ids follow i.
  for (let i = 0; i < 120; i++) {
    const github = i % 4 === 0;
    ids.push(...(await store(s.db, [storedEvent(`evt_${i}`, { source: github ? "github" : "stripe", eventType: github ? "push" : "invoice.paid" })])));
  }
  await s.db.query("update hookport_jobs set status = 'failed', attempts = 3, last_error = 'timeout' where webhook_event_id in (select id from hookport_events where event_id = 'evt_117')");
});
afterAll(() => s.close());

type Page = { items: Record<string, unknown>[]; next: string | null };

describe("GET /admin/api/webhooks", () => {
  test("answers items newest first in the contract's shape, 50 by default", async () => {
    const response = await api();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as Page;
    expect(Object.keys(body).sort()).toEqual(["items", "next"]);
    expect(body.items).toHaveLength(50);
    expect(body.items[0]).toEqual({
      id: ids[119],
      source: "stripe",
      eventId: "evt_119",
      eventType: "invoice.paid",
      status: "pending",
      attempts: 0,
      receivedAt: expect.stringMatching(/Z$/),
      processedAt: null,
      lastError: null,
    });
    expect(body.items[2]).toMatchObject({ eventId: "evt_117", status: "failed", attempts: 3, lastError: "timeout" });
    expect(typeof body.next).toBe("string");
  });

  test("follows next to the end without repeats, and next is null on the last page", async () => {
    const seen: unknown[] = [];
    let query = "?limit=45";
    for (let pages = 0; pages < 10; pages++) {
      const body = (await (await api(query)).json()) as Page;
      seen.push(...body.items.map((i) => i.eventId));
      if (body.next === null) break;
      query = `?limit=45&cursor=${encodeURIComponent(body.next)}`;
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `evt_${119 - i}`));
  });

  test("filters by source, status, type and event id", async () => {
    const items = async (query: string) => ((await (await api(query)).json()) as Page).items.map((i) => i.eventId);
    expect(await items("?source=github&limit=100")).toHaveLength(30);
    expect(await items("?source=github&type=push&limit=3")).toEqual(["evt_116", "evt_112", "evt_108"]);
    expect(await items("?status=failed")).toEqual(["evt_117"]);
    expect(await items("?q=evt_42")).toEqual(["evt_42"]);
    expect(await items("?q=evt_42&source=github")).toEqual([]);
  });

  test("clamps limit to 1–100 and refuses one that is not a number", async () => {
    expect(((await (await api("?limit=1000")).json()) as Page).items).toHaveLength(100);
    expect(((await (await api("?limit=0")).json()) as Page).items).toHaveLength(1);
    const bad = await api("?limit=ten");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain("limit must be a whole number from 1 to 100");
  });

  test("refuses an unknown source or status and a cursor it did not give out", async () => {
    expect((await api("?source=paypal")).status).toBe(400);
    expect((await api("?status=done")).status).toBe(400);
    expect((await api("?cursor=abc")).status).toBe(400);
    expect((await api("?cursor=-1")).status).toBe(400);
  });
});
