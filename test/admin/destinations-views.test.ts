// The forwarding pages of the admin (issue 10): the destinations page with health, backlog and
// pause/resume/retry that swap the table in place, and an event's deliveries on its detail page with
// every attempt's HTTP status, duration and the start of the response, redelivery per destination.
// The attempts are made by the forwarder's own store functions (claim, fail, complete).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureDestinations, saveBreaker } from "../../src/store/destinations.ts";
import { claimForward, completeForwards, failForward } from "../../src/store/forwarding.ts";
import { baseUrl, testConfig } from "../support/app.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

const forwardSecret = "whsec_" + Buffer.from("admin-destinations-views-secret").toString("base64");
const config = testConfig({ FORWARD_URL: "http://127.0.0.1:8000/hooks", FORWARD_SECRET: forwardSecret });
const instance = "hookport:views-test";

let s: TestStore;
let delivered: string;
let failing: string;
beforeAll(async () => {
  s = await createTestStore("embedded");
  await ensureDestinations(s.db, ["default"]);
  const ids = await store(s.db, [storedEvent("evt_view_ok", { forwardTo: ["default"] }), storedEvent("evt_view_bad", { forwardTo: ["default"] })]);
  [delivered, failing] = [ids[0]!, ids[1]!];
  const jobs = await claimForward(s.db, { instance, destination: "default", limit: 10 });
  const ok = jobs.find((j) => j.id === delivered)!;
  const bad = jobs.find((j) => j.id === failing)!;
  const attempt = (status: number | null, start: string | null) => ({ startedAt: new Date(), durationMs: 42, responseStatus: status, responseStart: start });
  await failForward(s.db, instance, bad, "HTTP 500 from the destination", { ...attempt(500, "<script>alert(1)</script> upstream down"), delayMs: 0, retryForMs: 0 });
  await completeForwards(s.db, instance, [{ job: ok, attempt: attempt(204, "") }]);
  await saveBreaker(s.db, "default", { failuresInARow: 1, openUntil: null, coolDownMs: null }, { ok: false, error: "HTTP 500 from the destination" });
});
afterAll(() => s.close());

async function session() {
  const app = buildAdminApp(s.db, { config });
  const { cookie, csrf } = await logIn(app.request);
  const htmx = { cookie, "hx-request": "true", "x-csrf-token": csrf, origin: baseUrl };
  return { ...app, cookie, csrf, htmx };
}

describe("the destinations page", () => {
  test("shows each destination's URL, state and backlog, with Pause and a Retry for its dead deliveries", async () => {
    const { request, cookie } = await session();
    const response = await request("/admin/destinations", { headers: { cookie, accept: "text/html" } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("http://127.0.0.1:8000/hooks");
    expect(page).toContain("delivering");
    expect(page).toContain('action="/admin/destinations/default/pause"');
    expect(page).toContain("Retry 1 dead");
    expect(page).toContain("HTTP 500 from the destination");
    expect(page).not.toContain(forwardSecret);
    expect(page).toContain('href="/admin/destinations"'); // the topbar links to it
  });

  test("pause and resume swap the table in place through htmx, and a browser's form post comes back to the page", async () => {
    const { request, htmx, cookie, csrf, wakes } = await session();
    const paused = await request("/admin/destinations/default/pause", { method: "POST", headers: { ...htmx, "content-type": "application/x-www-form-urlencoded" }, body: "reason=deploying" });
    expect(paused.status).toBe(200);
    const table = await paused.text();
    expect(table).toStartWith('<div id="destinations"');
    expect(table).toContain("default paused: its deliveries wait.");
    expect(table).toContain("deploying");
    expect(table).toContain('action="/admin/destinations/default/resume"');

    const form = await request("/admin/destinations/default/resume", {
      method: "POST",
      headers: { cookie, origin: baseUrl, accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect([form.status, form.headers.get("location")]).toEqual([303, "/admin/destinations"]);
    expect(wakes.count).toBe(1);
    const [state] = await s.db.query<{ paused: boolean }>("select paused from hookport_destinations where name = 'default'");
    expect(state!.paused).toBe(false);
  });

  test("a pause without the session's CSRF token is refused and changes nothing", async () => {
    const { request, cookie } = await session();
    const response = await request("/admin/destinations/default/pause", { method: "POST", headers: { cookie, "hx-request": "true", origin: baseUrl } });
    expect(response.status).toBe(403);
    const [state] = await s.db.query<{ paused: boolean }>("select paused from hookport_destinations where name = 'default'");
    expect(state!.paused).toBe(false);
  });

  test("without destinations it says how to configure one", async () => {
    const app = buildAdminApp(s.db);
    const { cookie } = await logIn(app.request);
    const page = await (await app.request("/admin/destinations", { headers: { cookie, accept: "text/html" } })).text();
    expect(page).toContain("No destination is configured");
    expect(page).toContain("FORWARD_URL");
  });
});

describe("an event's deliveries on its detail page", () => {
  test("lists each attempt with its HTTP status, duration and the start of the response, escaped", async () => {
    const { request, cookie } = await session();
    const page = await (await request(`/admin/webhooks/${failing}`, { headers: { cookie, accept: "text/html" } })).text();
    expect(page).toContain('id="event-deliveries"');
    expect(page).toContain("Forwarded to");
    expect(page).toContain(">500<");
    expect(page).toContain("42 ms");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; upstream down");
    expect(page).not.toContain("<script>alert(1)");
    // The handler's Replay re-runs the handler only; each destination has its own Redeliver.
    expect(page).toContain(`action="/admin/webhooks/${failing}/replay?target=handler"`);
    expect(page).toContain(`action="/admin/webhooks/${failing}/replay?target=default"`);
    const ok = await (await request(`/admin/webhooks/${delivered}`, { headers: { cookie, accept: "text/html" } })).text();
    expect(ok).toContain(">204<");
    // A delivered event's panel has nothing left to wait for: it does not poll.
    expect(/id="event-deliveries"[^>]*hx-trigger/.test(ok)).toBe(false);
  });

  test("the panel refreshes itself through htmx, and Redeliver queues that destination's delivery alone", async () => {
    const { request, htmx } = await session();
    const partial = await request(`/admin/webhooks/${delivered}/deliveries`, { headers: htmx });
    expect(partial.status).toBe(200);
    expect(await partial.text()).toStartWith('<section id="event-deliveries"');

    const replay = await request(`/admin/webhooks/${delivered}/replay?target=default`, { method: "POST", headers: htmx });
    expect(replay.status).toBe(202);
    const panel = await replay.text();
    expect(panel).toStartWith('<section id="event-deliveries"');
    expect(panel).toContain('hx-trigger="every 2s"'); // pending again: it polls until settled
    const jobs = await s.db.query<{ target: string; status: string }>("select target, status from hookport_jobs where webhook_event_id = $1 order by target", [delivered]);
    expect(jobs).toEqual([
      { target: "forward:default", status: "pending" },
      { target: "handler", status: "pending" },
    ]);
  });

  test("an unknown event's deliveries are a 404; without destinations the detail page has no deliveries panel", async () => {
    const { request, htmx } = await session();
    expect((await request("/admin/webhooks/999999/deliveries", { headers: htmx })).status).toBe(404);
    const [plain] = await store(s.db, [storedEvent("evt_view_plain")]);
    const app = buildAdminApp(s.db);
    const { cookie } = await logIn(app.request);
    const page = await (await app.request(`/admin/webhooks/${plain}`, { headers: { cookie, accept: "text/html" } })).text();
    expect(page).not.toContain("event-deliveries");
  });
});
