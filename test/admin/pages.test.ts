// The admin's pages and partials through app.handle(): escaping, page vs partial, filters, live
// updates, the glance, the detail page, replay and bulk retry, static files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { bearer, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

let s: TestStore;
let app: ReturnType<typeof buildAdminApp>;
let session: { cookie: string; csrf: string };
const hostile = "<script>alert(1)</script>";

beforeAll(async () => {
  s = await createTestStore("embedded");
  app = buildAdminApp(s.db);
  session = await logIn(app.request);
});
afterAll(() => s.close());

const page = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { cookie: session.cookie, accept: "text/html", ...headers } });
const htmx = (path: string, headers: Record<string, string> = {}) => page(path, { "hx-request": "true", ...headers });

describe("escaping", () => {
  test("a payload, event type, event id and header full of markup render as text on every page", async () => {
    const payload = { id: "evt_x", object: "event", type: "charge.succeeded", data: { object: { description: hostile } } };
    const [id] = await store(s.db, [
      storedEvent(`evt_${hostile}`, { eventType: `<img src=x onerror=alert(2)>`, payloadJson: JSON.stringify(payload), headers: { "user-agent": hostile } }),
    ]);
    await s.db.query("update hookport_jobs set last_error = $1, note = $1 where webhook_event_id = $2", [hostile, id]);
    for (const body of [await (await page("/admin/webhooks")).text(), await (await page(`/admin/webhooks/${id}`)).text()]) {
      // Inside a quoted attribute value markup is inert (and a quote would be escaped); outside, it must be text.
      const outsideAttributes = body.replace(/="[^"]*"/g, '=""');
      expect(outsideAttributes).not.toContain("<script>alert");
      expect(outsideAttributes).not.toContain("<img src=x");
      expect(body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    const detail = await (await page(`/admin/webhooks/${id}`)).text();
    expect(detail).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(detail).toContain('<span class="j-string">&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span>');
  });

  test("pages carry a Content-Security-Policy that allows no inline script", async () => {
    const csp = (await page("/admin/webhooks")).headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
  });
});

describe("page or partial", () => {
  test("the full page has the layout and the session's CSRF token; htmx gets just #history; both vary on HX-Request", async () => {
    const full = await page("/admin/webhooks");
    const text = await full.text();
    expect(text).toStartWith("<!doctype html><html");
    expect(text).toContain(`<meta name="csrf-token" content="${session.csrf}"/>`);
    expect(full.headers.get("vary")).toBe("HX-Request");
    const partial = await htmx("/admin/webhooks");
    const fragment = await partial.text();
    expect(fragment).toStartWith('<section id="history"');
    expect(fragment).not.toContain("<html");
    expect(partial.headers.get("vary")).toBe("HX-Request");
  });

  test("a history restore (back button) gets the whole page, and a filter change pushes its canonical URL", async () => {
    expect(await (await htmx("/admin/webhooks", { "hx-history-restore-request": "true" })).text()).toStartWith("<!doctype html>");
    const filtered = await htmx("/admin/webhooks?source=stripe&status=&type=&q=", { "hx-trigger": "filters" });
    expect(filtered.headers.get("hx-push-url")).toBe("/admin/webhooks?source=stripe");
    expect((await htmx("/admin/webhooks?source=stripe")).headers.get("hx-push-url")).toBeNull();
  });

  test("a bad filter in the URL is a 400 that says what is allowed", async () => {
    const response = await app.request("/admin/webhooks?status=lost", { headers: bearer });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toContain("status must be one of pending, processing, processed, failed, dead");
  });
});

describe("history", () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 60; i++) ids.push(...(await store(s.db, [storedEvent(`evt_h${i}`, { source: i % 2 ? "github" : "stripe" })])));
    await s.db.query("update hookport_jobs set status = 'dead', attempts = 8 where webhook_event_id in (select id from hookport_events where event_id in ('evt_h58', 'evt_h56'))");
    await s.db.query("update hookport_jobs set status = 'failed', attempts = 2 where webhook_event_id in (select id from hookport_events where event_id = 'evt_h54')");
  });

  test("filters show only matching rows, and the filter form reflects them", async () => {
    const text = await (await page("/admin/webhooks?status=dead")).text();
    expect(text.match(/<tr id="row-/g)).toHaveLength(2);
    expect(text).toContain('<option value="dead" selected>dead</option>');
    const q = await (await htmx("/admin/webhooks?q=evt_h7")).text();
    expect(q.match(/<tr id="row-(\d+)"/g)).toEqual([`<tr id="row-${ids[7]}"`]);
  });

  test("fifty rows a page, then a load-older row whose answer is the next rows and the next load-older row", async () => {
    const first = await (await page("/admin/webhooks?source=stripe&type=charge.succeeded")).text();
    expect(first.match(/<tr id="row-/g)).toHaveLength(30);
    expect(first).not.toContain('id="more"');
    const all = await (await page("/admin/webhooks")).text();
    expect(all.match(/<tr id="row-/g)).toHaveLength(50);
    const more = /hx-get="(\/admin\/webhooks\/more\?cursor=\d+)"/.exec(all)![1]!;
    const next = await (await htmx(more)).text();
    expect(next).toStartWith("<tr id=");
    expect(next.match(/<tr id="row-/g)!.length).toBeGreaterThanOrEqual(10);
  });

  test("the live poll brings new rows, refreshes watched ones in place, and moves its cursor only past settled rows", async () => {
    const live = await (await htmx(`/admin/webhooks/live?since=${ids[58]}&watch=${ids[59]},${ids[54]}`)).text();
    // Nothing newer than 59 except itself: 59 is refreshed (it is watched), 54 too; nothing prepended.
    expect(live).toContain(`<tr id="row-${ids[59]}" class="status-pending" hx-swap-oob="true">`);
    expect(live).toContain(`<tr id="row-${ids[54]}" class="status-failed" hx-swap-oob="true">`);
    expect(live).not.toContain("afterbegin:#rows");
    const [newId] = await store(s.db, [storedEvent("evt_new")]);
    const after = await (await htmx(`/admin/webhooks/live?since=${ids[59]}&watch=${ids[59]}`)).text();
    expect(after).toContain('<tbody hx-swap-oob="afterbegin:#rows">');
    expect((await htmx(`/admin/webhooks/live?since=${ids[59]}&watch=${ids[59]}`)).headers.get("hx-trigger")).toBe("hookport:arrived");
    expect(after).toContain(`<tr id="row-${newId}" class="status-pending">`);
    // Just arrived, so not settled: the cursor stays and both rows stay watched.
    expect(after).toContain(`/admin/webhooks/live?since=${ids[59]}&watch=${newId},${ids[59]}`);
    const filtered = await (await htmx(`/admin/webhooks/live?source=github&since=${ids[59]}`)).text();
    expect(filtered).not.toContain(`row-${newId}`);
    expect(filtered).toContain("/admin/webhooks/live?source=github&since=");
  });

  test("the glance counts the last 24 h, draws the last hour and warns while anything is dead", async () => {
    const text = await (await htmx("/admin/webhooks/glance")).text();
    expect(text).toContain('role="alert"');
    expect(text).toContain("✕ 2 dead events");
    expect(text).toMatch(/<svg class="chart"[^>]*role="img"/);
    expect(text.match(/<rect class="chart-bar"/g)).toHaveLength(60);
    expect(text).toMatch(/badge-dead.*?<strong class="count">2<\/strong>/);
  });

  test("one glance answer serves every tab for 5 s, then it is counted again", async () => {
    const dead = async () => Number(/✕ (\d+) dead/.exec(await (await htmx("/admin/webhooks/glance")).text())?.[1] ?? 0);
    app.clock.advance(5);
    const before = await dead();
    await s.db.query("update hookport_jobs set status = 'dead' where webhook_event_id in (select id from hookport_events where event_id = 'evt_h0')");
    expect(await dead()).toBe(before);
    app.clock.advance(5);
    expect(await dead()).toBe(before + 1);
    await s.db.query("update hookport_jobs set status = 'pending' where webhook_event_id in (select id from hookport_events where event_id = 'evt_h0')");
  });

  test("bulk retry offers state the count, and retrying requeues exactly the matching dead events", async () => {
    const offers = await (await htmx("/admin/webhooks/bulk?source=stripe")).text();
    expect(offers).toContain('hx-confirm="Retry 2 dead events matching the current filter? They go back to pending now."');
    expect(offers).toContain("Retry 1 failed event…");
    expect(await (await htmx("/admin/webhooks/bulk?source=github")).text()).not.toContain("<form");
    const before = app.wakes.count;
    const response = await app.request("/admin/webhooks/retry", {
      method: "POST",
      headers: { cookie: session.cookie, "hx-request": "true", "x-csrf-token": session.csrf, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ retry: "dead", source: "stripe", type: "", q: "" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("hx-trigger")).toBe("hookport:requeued");
    expect(await response.text()).toContain("Queued 2 dead events again.");
    expect(app.wakes.count).toBe(before + 1);
    const rows = await s.db.query<{ status: string }>("select status from webhook_events where event_id in ('evt_h58', 'evt_h56', 'evt_h54') order by event_id");
    expect(rows.map((r) => r.status)).toEqual(["failed", "pending", "pending"]);
  });

  test("bulk retry by bearer answers JSON", async () => {
    await s.db.query("update hookport_jobs set status = 'dead' where webhook_event_id in (select id from hookport_events where event_id = 'evt_h2')");
    const response = await app.request("/admin/webhooks/retry", { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ retry: "dead" }) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "queued", count: 1 });
  });
});

describe("detail and replay", () => {
  test("shows headers, the pretty payload, the attempts timeline with durations and errors, and the Stripe link", async () => {
    const body = JSON.stringify({ id: "evt_live1", object: "event", type: "invoice.paid", livemode: true, data: {} });
    const [id] = await store(s.db, [storedEvent("evt_live1", { eventType: "invoice.paid", payloadJson: body, headers: { "stripe-signature": "t=1,v1=abc" } })]);
    await s.db.query(
      `insert into webhook_attempts (webhook_event_id, attempt, outcome, error, started_at, finished_at, duration_ms)
       values ($1, 1, 'failed', 'ECONNRESET from the ledger', now(), now(), 2500)`,
      [id],
    );
    const text = await (await page(`/admin/webhooks/${id}`)).text();
    expect(text).toContain('<th scope="row" class="mono">stripe-signature</th><td class="mono">t=1,v1=abc</td>');
    expect(text).toContain('<span class="j-key">&quot;livemode&quot;</span>');
    expect(text).toContain('<span class="duration">2.50 s</span>');
    expect(text).toContain('<pre class="attempt-error">ECONNRESET from the ledger</pre>');
    expect(text).toContain('href="https://dashboard.stripe.com/events/evt_live1"');
    expect(text).toContain('data-copy="#payload"');
    expect(text).toContain('hx-trigger="every 2s"');
  });

  test("links a GitHub event to its hook's deliveries when the headers name the hook", async () => {
    const payload = JSON.stringify({ zen: "x", repository: { html_url: "https://github.com/octo/hello" } });
    const raw = `payload=${encodeURIComponent(payload)}`;
    const [id] = await store(s.db, [
      storedEvent("6f1e0a9c-gh", { source: "github", eventType: "ping", payloadJson: payload, body: new TextEncoder().encode(raw), headers: { "x-github-hook-id": "4242" } }),
    ]);
    const text = await (await page(`/admin/webhooks/${id}`)).text();
    expect(text).toContain('href="https://github.com/octo/hello/settings/hooks/4242"');
    expect(text).toContain('<span class="j-key">&quot;zen&quot;</span>');
  });

  test("an unknown or malformed id is 404: a page for browsers, JSON for scripts", async () => {
    const browser = await page("/admin/webhooks/987654");
    expect(browser.status).toBe(404);
    expect(await browser.text()).toContain("There is no stored event with id 987654.");
    expect((await app.request("/admin/webhooks/abc", { headers: bearer })).status).toBe(404);
    const replay = await app.request("/admin/webhooks/987654/replay", { method: "POST", headers: bearer });
    expect(replay.status).toBe(404);
  });

  test("replay answers 202 queued and puts the event back to pending with a fresh budget; 409 while processing", async () => {
    const [id] = await store(s.db, [storedEvent("evt_replay")]);
    await s.db.query("update hookport_jobs set status = 'dead', attempts = 8, attempts_base = 0 where webhook_event_id = $1", [id]);
    const response = await app.request(`/admin/webhooks/${id}/replay`, { method: "POST", headers: { ...bearer, accept: "application/json" } });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "queued", id });
    const [row] = await s.db.query<{ status: string; attempts_base: number }>("select status, attempts_base from webhook_events where id = $1", [id]);
    expect(row).toEqual({ status: "pending", attempts_base: 8 });
    await s.db.query("update hookport_jobs set status = 'processing' where webhook_event_id = $1", [id]);
    expect((await app.request(`/admin/webhooks/${id}/replay`, { method: "POST", headers: bearer })).status).toBe(409);
  });

  test("an htmx replay answers with the live panel and a confirmation that stays while it polls", async () => {
    const [id] = await store(s.db, [storedEvent("evt_replay2")]);
    const response = await app.request(`/admin/webhooks/${id}/replay`, {
      method: "POST",
      headers: { cookie: session.cookie, "hx-request": "true", "x-csrf-token": session.csrf },
    });
    expect(response.status).toBe(202);
    const text = await response.text();
    expect(text).toStartWith('<section id="event-live"');
    expect(text).toMatch(/Replay queued at \d\d:\d\d:\d\d UTC\./);
    const poll = /hx-get="([^"]+)"/.exec(text)![1]!;
    expect(await (await htmx(poll)).text()).toMatch(/Replay queued at/);
  });

  test("a processing event's 409 reaches an htmx page as a notice in #flash", async () => {
    const [id] = await store(s.db, [storedEvent("evt_busy")]);
    await s.db.query("update hookport_jobs set status = 'processing' where webhook_event_id = $1", [id]);
    const response = await app.request(`/admin/webhooks/${id}/replay`, {
      method: "POST",
      headers: { cookie: session.cookie, "hx-request": "true", "x-csrf-token": session.csrf },
    });
    expect(response.status).toBe(409);
    expect(response.headers.get("hx-retarget")).toBe("#flash");
    expect(await response.text()).toContain("being processed right now");
  });
});

describe("static files", () => {
  test("are served without auth under a content hash, cached for a year; an old hash is 404", async () => {
    const text = await (await page("/admin/webhooks")).text();
    const htmxUrl = /<script src="(\/admin\/static\/htmx\.[0-9a-f]{12}\.js)"/.exec(text)![1]!;
    const cssUrl = /<link rel="stylesheet" href="(\/admin\/static\/admin\.[0-9a-f]{12}\.css)"/.exec(text)![1]!;
    const js = await app.request(htmxUrl);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-type")).toStartWith("text/javascript");
    expect(await js.text()).toContain("htmx");
    expect((await app.request(cssUrl)).headers.get("content-type")).toStartWith("text/css");
    expect((await app.request("/admin/static/htmx.000000000000.js")).status).toBe(404);
  });
});
