// How admin answers are made: routes return rendered views, @elysiajs/html makes them HTML responses and
// respond.ts sets the rest. Every HTML answer, whichever route made it, must carry the same headers; and
// the plugin's global hooks must leave the receive, health and fallback answers as they were.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminStaticFiles } from "../../src/runtime.ts";
import type { EventWriter } from "../../src/store/events.ts";
import { baseUrl, buildTestApp, testConfig } from "../support/app.ts";
import { githubRequest, stripeRequest } from "../support/signing.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { adminToken, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

let s: TestStore;
beforeAll(async () => {
  s = await createTestStore("embedded");
});
afterAll(() => s.close());

describe("every HTML answer", () => {
  test("has the HTML content type, Vary: HX-Request, no-store, the strict CSP, nosniff and the referrer policy", async () => {
    const { request } = buildAdminApp(s.db);
    const session = await logIn(request);
    const [oldest, busy] = await store(s.db, [storedEvent("evt_answers_1"), storedEvent("evt_answers_2")]);
    await s.db.query("update hookport_jobs set status = 'processing' where webhook_event_id = $1", [busy]);
    const page = { cookie: session.cookie, accept: "text/html" };
    const htmx = { cookie: session.cookie, "hx-request": "true", "x-csrf-token": session.csrf };
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const cases: { what: string; path: string; init?: RequestInit; status: number; page?: boolean }[] = [
      { what: "login page", path: "/admin/login", status: 200, page: true },
      { what: "wrong token", path: "/admin/login", init: { method: "POST", headers: form, body: "token=nope" }, status: 401, page: true },
      { what: "history page", path: "/admin/webhooks", init: { headers: page }, status: 200, page: true },
      { what: "history partial", path: "/admin/webhooks", init: { headers: htmx }, status: 200 },
      { what: "bad filter, htmx", path: "/admin/webhooks?status=lost", init: { headers: htmx }, status: 400 },
      { what: "no older rows (empty partial)", path: `/admin/webhooks/more?cursor=${oldest}`, init: { headers: htmx }, status: 200 },
      { what: "live poll", path: "/admin/webhooks/live?since=0", init: { headers: htmx }, status: 200 },
      { what: "glance", path: "/admin/webhooks/glance", init: { headers: htmx }, status: 200 },
      { what: "bulk offers", path: "/admin/webhooks/bulk", init: { headers: htmx }, status: 200 },
      { what: "bulk retry notice", path: "/admin/webhooks/retry", init: { method: "POST", headers: { ...htmx, ...form }, body: "retry=dead" }, status: 200 },
      { what: "detail page", path: `/admin/webhooks/${oldest}`, init: { headers: page }, status: 200, page: true },
      { what: "not found page", path: "/admin/webhooks/999999", init: { headers: page }, status: 404, page: true },
      { what: "not found, htmx", path: "/admin/webhooks/999999", init: { headers: htmx }, status: 404 },
      { what: "replay, htmx", path: `/admin/webhooks/${oldest}/replay`, init: { method: "POST", headers: htmx }, status: 202 },
      { what: "replay while processing", path: `/admin/webhooks/${busy}/replay`, init: { method: "POST", headers: htmx }, status: 409 },
      { what: "CSRF refusal", path: `/admin/webhooks/${oldest}/replay`, init: { method: "POST", headers: { ...htmx, "x-csrf-token": "x" } }, status: 403 },
      { what: "session ended", path: "/admin/webhooks/glance", init: { headers: { "hx-request": "true" } }, status: 401 },
    ];
    for (const c of cases) {
      const response = await request(c.path, c.init);
      const text = await response.text();
      const headers = Object.fromEntries(["content-type", "vary", "cache-control", "x-content-type-options", "referrer-policy"].map((h) => [h, response.headers.get(h)]));
      expect({ what: c.what, status: response.status, headers }).toEqual({
        what: c.what,
        status: c.status,
        headers: {
          "content-type": "text/html; charset=utf-8",
          vary: "HX-Request",
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin",
        },
      });
      expect(response.headers.get("content-security-policy")).toStartWith("default-src 'none'; script-src 'self'");
      if (c.page) expect({ what: c.what, start: text.slice(0, 20) }).toEqual({ what: c.what, start: "<!doctype html><html" });
      else expect({ what: c.what, doctype: text.includes("<!doctype") }).toEqual({ what: c.what, doctype: false });
    }
  });
});

describe("mounting the admin", () => {
  test("leaves every answer of the receive, health and fallback routes as it was", async () => {
    const received: EventWriter = { write: async () => ({ status: "received", id: "42" }), drain: async () => {} };
    const deps = { writer: received, config: testConfig({ MAX_BODY_BYTES: "2048" }) };
    const without = buildTestApp(deps).app;
    const withAdmin = buildTestApp({ ...deps, admin: { db: s.db, adminToken, staticFiles: adminStaticFiles } }).app;
    const requests = [
      (await stripeRequest(baseUrl)).request,
      (await githubRequest(baseUrl)).request,
      (await stripeRequest(baseUrl, "checkout.session.completed", { secret: "whsec_wrong" })).request,
      new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: "<html><body>not json</body></html>" }),
      new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: "x".repeat(4096) }),
      new Request(`${baseUrl}/webhooks/shopify`, { method: "POST", body: "{}" }),
      new Request(`${baseUrl}/healthz`),
      new Request(`${baseUrl}/readyz`),
      new Request(`${baseUrl}/metrics`),
      new Request(`${baseUrl}/nowhere`, { headers: { accept: "text/html" } }),
    ];
    const answer = async (response: Response) => {
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => name !== "date" && (headers[name] = value));
      return { status: response.status, headers, text: await response.text() };
    };
    for (const request of requests) {
      const expected = await answer(await without.handle(request.clone()));
      expect({ path: new URL(request.url).pathname, ...(await answer(await withAdmin.handle(request))) }).toEqual({
        path: new URL(request.url).pathname,
        ...expected,
      });
    }
  });
});
