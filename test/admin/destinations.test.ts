// The destinations' JSON API and replay per destination (issue 10): health and backlog, pause and
// resume under the admin's guard (CSRF for sessions), retry of one destination's dead deliveries,
// and replay of one job of an event.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureDestinations } from "../../src/store/destinations.ts";
import { testConfig } from "../support/app.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { bearer, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

const forwardSecret = "whsec_" + Buffer.from("admin-destinations-test-secret").toString("base64");
const config = testConfig({ FORWARD_URL: "http://127.0.0.1:8000/hooks", FORWARD_SECRET: forwardSecret });
const json = { ...bearer, "content-type": "application/json" };

let s: TestStore;
let id: string;
beforeAll(async () => {
  s = await createTestStore("embedded");
  await ensureDestinations(s.db, ["default"]);
  id = (await store(s.db, [storedEvent("evt_dest_1", { forwardTo: ["default"] })]))[0]!;
});
afterAll(() => s.close());

const jobs = async () =>
  Object.fromEntries(
    (await s.db.query<{ target: string; status: string }>("select target, status from hookport_jobs where webhook_event_id = $1", [id])).map((r) => [r.target, r.status]),
  );

describe("GET /admin/api/destinations", () => {
  test("lists each configured destination with its state, URL and backlog by status", async () => {
    const { request } = buildAdminApp(s.db, { config });
    const response = await request("/admin/api/destinations", { headers: bearer });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Record<string, unknown>[] };
    expect(items).toEqual([
      expect.objectContaining({
        name: "default",
        url: "http://127.0.0.1:8000/hooks",
        state: "closed",
        paused: false,
        failuresInARow: 0,
        backlog: { pending: 1, processing: 0, failed: 0, dead: 0 },
      }),
    ]);
    expect(JSON.stringify(items)).not.toContain(forwardSecret);
  });

  test("needs the admin's credentials", async () => {
    const { request } = buildAdminApp(s.db, { config });
    expect((await request("/admin/api/destinations")).status).toBe(401);
  });
});

describe("GET /admin/api/webhooks/:id/deliveries", () => {
  test("answers the event's deliveries per destination with their attempts; 404 for an unknown event", async () => {
    const { request } = buildAdminApp(s.db, { config });
    const response = await request(`/admin/api/webhooks/${id}/deliveries`, { headers: bearer });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [expect.objectContaining({ destination: "default", status: "pending", attempts: 0, history: [] })] });
    expect((await request("/admin/api/webhooks/999999/deliveries", { headers: bearer })).status).toBe(404);
    expect((await request("/admin/api/webhooks/x/deliveries", { headers: bearer })).status).toBe(404);
  });
});

describe("pause and resume", () => {
  test("a session needs its CSRF token; with it, the pause is kept with its reason until resumed", async () => {
    const { request, wakes } = buildAdminApp(s.db, { config });
    const { cookie, csrf } = await logIn(request);
    const form = { cookie, "content-type": "application/x-www-form-urlencoded" };
    expect((await request("/admin/api/destinations/default/pause", { method: "POST", headers: form, body: "reason=deploy" })).status).toBe(403);
    const paused = await request("/admin/api/destinations/default/pause", { method: "POST", headers: form, body: new URLSearchParams({ _csrf: csrf, reason: "deploy" }) });
    expect([paused.status, await paused.json()]).toEqual([200, { name: "default", paused: true }]);
    const listed = (await (await request("/admin/api/destinations", { headers: bearer })).json()) as { items: Record<string, unknown>[] };
    expect(listed.items[0]).toMatchObject({ state: "paused", paused: true, pausedReason: "deploy" });

    const resumed = await request("/admin/api/destinations/default/resume", { method: "POST", headers: json, body: "{}" });
    expect([resumed.status, await resumed.json()]).toEqual([200, { name: "default", paused: false }]);
    expect(wakes.count).toBe(1);
  });

  test("an unknown destination is a 404", async () => {
    const { request } = buildAdminApp(s.db, { config });
    expect((await request("/admin/api/destinations/nope/pause", { method: "POST", headers: json, body: "{}" })).status).toBe(404);
    expect((await request("/admin/api/destinations/nope/retry", { method: "POST", headers: json, body: '{"status":"dead"}' })).status).toBe(404);
  });
});

describe("retry and replay per destination", () => {
  test("retry requeues one destination's dead deliveries; a bad status is a 400", async () => {
    const { request, wakes } = buildAdminApp(s.db, { config });
    await s.db.query("update hookport_jobs set status = 'dead' where webhook_event_id = $1 and target = 'forward:default'", [id]);
    expect((await request("/admin/api/destinations/default/retry", { method: "POST", headers: json, body: '{"status":"processed"}' })).status).toBe(400);
    const retried = await request("/admin/api/destinations/default/retry", { method: "POST", headers: json, body: '{"status":"dead"}' });
    expect([retried.status, await retried.json()]).toEqual([202, { status: "queued", count: 1 }]);
    expect(wakes.count).toBe(1);
    expect(await jobs()).toEqual({ handler: "pending", "forward:default": "pending" });
  });

  test("replay with ?target= requeues only that job; without, every job; an unknown target is a 400", async () => {
    const { request } = buildAdminApp(s.db, { config });
    await s.db.query("update hookport_jobs set status = 'processed' where webhook_event_id = $1", [id]);
    const replay = (query: string) => request(`/admin/webhooks/${id}/replay${query}`, { method: "POST", headers: bearer });
    expect((await replay("?target=default")).status).toBe(202);
    expect(await jobs()).toEqual({ handler: "processed", "forward:default": "pending" });
    await s.db.query("update hookport_jobs set status = 'processed' where webhook_event_id = $1", [id]);
    expect((await replay("?target=handler")).status).toBe(202);
    expect(await jobs()).toEqual({ handler: "pending", "forward:default": "processed" });
    const bad = await replay("?target=elsewhere");
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'target must be one of handler, default, or absent for every job of the event (got "elsewhere")']);
    expect((await replay("")).status).toBe(202);
    expect(await jobs()).toEqual({ handler: "pending", "forward:default": "pending" });
  });

  test("bulk retry by the history's filter retries the handler only, never re-sending a delivery that succeeded", async () => {
    const { request } = buildAdminApp(s.db, { config });
    await s.db.query("update hookport_jobs set status = case when target = 'handler' then 'dead' else 'processed' end where webhook_event_id = $1", [id]);
    const response = await request("/admin/webhooks/retry", { method: "POST", headers: json, body: '{"retry":"dead"}' });
    expect(response.status).toBe(202);
    expect(await jobs()).toEqual({ handler: "pending", "forward:default": "processed" });
  });
});
