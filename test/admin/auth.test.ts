// Who may use the admin: the route table walk, bearer and session, CSRF and Origin, throttling, cookies.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminStaticFiles } from "../../src/runtime.ts";
import { baseUrl, buildTestApp } from "../support/app.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { adminToken, bearer, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

let s: TestStore;
let id: string;
beforeAll(async () => {
  s = await createTestStore("embedded");
  id = (await store(s.db, [storedEvent("evt_auth")]))[0]!;
});
afterAll(() => s.close());

const publicRoutes = new Set(["GET /admin/login", "POST /admin/login", "GET /admin/static/:name"]);

describe("every admin route requires auth", () => {
  test("walks the route table: each /admin route but the login and static files refuses an anonymous request", async () => {
    const { app, request } = buildAdminApp(s.db);
    const admin = app.routes.filter((r) => r.path.startsWith("/admin"));
    expect(admin.length).toBeGreaterThan(10);
    for (const route of admin) {
      if (publicRoutes.has(`${route.method} ${route.path}`)) continue;
      const path = route.path.replace(":id", id);
      const anonymous = await request(path, { method: route.method });
      expect({ route: `${route.method} ${route.path}`, status: anonymous.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
      const browser = await request(path, { method: route.method, headers: { accept: "text/html,application/xhtml+xml" } });
      const expected = route.method === "GET" ? 303 : 401;
      expect({ route: route.path, status: browser.status }).toEqual({ route: route.path, status: expected });
      if (expected === 303) expect(browser.headers.get("location")).toStartWith("/admin/login?next=");
    }
    // And each of them is there: a removed guard would show up above, a removed route here.
    const paths = admin.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain("POST /admin/webhooks/:id/replay");
    expect(paths).toContain("GET /admin/api/webhooks");
  });

  test("an htmx request without a session gets 401 and is sent to the login page", async () => {
    const { request } = buildAdminApp(s.db);
    const response = await request("/admin/webhooks/live?since=0", { headers: { "hx-request": "true", accept: "text/html" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("hx-redirect")).toBe("/admin/login");
  });

  test("a bearer token opens every route; a wrong one is 401", async () => {
    const { request } = buildAdminApp(s.db);
    expect((await request("/admin/api/webhooks", { headers: bearer })).status).toBe(200);
    expect((await request("/admin/webhooks", { headers: bearer })).status).toBe(200);
    expect((await request("/admin/api/webhooks", { headers: { authorization: "Bearer not-the-token" } })).status).toBe(401);
    expect((await request("/admin/api/webhooks", { headers: { authorization: `Basic ${btoa(`x:${adminToken}`)}` } })).status).toBe(401);
  });
});

describe("login and sessions", () => {
  test("login sets an HttpOnly, SameSite=Strict cookie with an expiry, and redirects to where the admin was going", async () => {
    const { request } = buildAdminApp(s.db);
    const response = await request("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: adminToken, next: "/admin/webhooks?status=dead" }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin/webhooks?status=dead");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^hookport_session=[^;]+; Path=\/admin; Max-Age=43200; HttpOnly; SameSite=Strict$/);
  });

  test("the cookie is Secure when the request came over HTTPS or X-Forwarded-Proto says https", async () => {
    const { app } = buildAdminApp(s.db);
    const post = (url: string, headers: Record<string, string> = {}) =>
      app.handle(new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: `token=${adminToken}` }));
    expect((await post("https://hookport.test/admin/login")).headers.get("set-cookie")).toEndWith("; Secure");
    expect((await post("http://hookport.test/admin/login", { "x-forwarded-proto": "https" })).headers.get("set-cookie")).toEndWith("; Secure");
    expect((await post("http://hookport.test/admin/login")).headers.get("set-cookie")).not.toContain("Secure");
  });

  test("never redirects off the admin after login", async () => {
    const { request } = buildAdminApp(s.db);
    for (const next of ["https://evil.example/", "//evil.example/admin/", "/admin/..//evil", "/\\evil.example"]) {
      const response = await request("/admin/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: adminToken, next }),
      });
      expect(response.headers.get("location")).toBe("/admin/webhooks");
    }
  });

  test("a wrong token shows the login again with 401 and sets no cookie", async () => {
    const { request } = buildAdminApp(s.db);
    const response = await request("/admin/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "token=nope" });
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).toContain("That is not the admin token.");
  });

  test("the session opens the pages until it expires; a tampered cookie does not", async () => {
    const { request, clock } = buildAdminApp(s.db);
    const { cookie } = await logIn(request);
    const page = () => request("/admin/webhooks", { headers: { cookie, accept: "text/html" } });
    expect((await page()).status).toBe(200);
    const tampered = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await request("/admin/api/webhooks", { headers: { cookie: tampered } })).status).toBe(401);
    clock.advance(12 * 3600 + 1);
    expect((await page()).status).toBe(303);
  });

  test("logout clears the cookie", async () => {
    const { request } = buildAdminApp(s.db);
    const { cookie, csrf } = await logIn(request);
    const response = await request("/admin/logout", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin/login");
    expect(response.headers.get("set-cookie")).toMatch(/^hookport_session=; Path=\/admin; Max-Age=0;/);
  });

  test("changing the admin token ends every session", async () => {
    const { request } = buildAdminApp(s.db);
    const { cookie } = await logIn(request);
    const rotated = buildTestApp({ admin: { db: s.db, adminToken: "a-brand-new-admin-token-987654", staticFiles: adminStaticFiles } }).app;
    const response = await rotated.handle(new Request(`${baseUrl}/admin/api/webhooks`, { headers: { cookie } }));
    expect(response.status).toBe(401);
  });

  test("sessions survive a restart: the signing key is kept in the store", async () => {
    const first = buildAdminApp(s.db);
    const { cookie } = await logIn(first.request);
    const second = buildAdminApp(s.db);
    expect((await second.request("/admin/api/webhooks", { headers: { cookie } })).status).toBe(200);
  });
});

describe("CSRF and Origin on state changes from a session", () => {
  const replay = (request: ReturnType<typeof buildAdminApp>["request"], headers: Record<string, string>, body?: string) =>
    request(`/admin/webhooks/${id}/replay`, { method: "POST", headers, body });

  test("refuses a replay without the CSRF token, with a wrong one, and from another Origin", async () => {
    const { request, wakes } = buildAdminApp(s.db);
    const { cookie, csrf } = await logIn(request);
    expect((await replay(request, { cookie })).status).toBe(403);
    expect((await replay(request, { cookie, "x-csrf-token": `${csrf}x` })).status).toBe(403);
    expect((await replay(request, { cookie, "content-type": "application/x-www-form-urlencoded" }, "_csrf=guess")).status).toBe(403);
    expect((await replay(request, { cookie, "x-csrf-token": csrf, origin: "https://evil.example" })).status).toBe(403);
    expect((await replay(request, { cookie, "x-csrf-token": csrf, origin: "null" })).status).toBe(403);
    expect(wakes.count).toBe(0);
  });

  test("accepts the token in the header or the form field, with our own Origin", async () => {
    const { request, wakes } = buildAdminApp(s.db);
    const { cookie, csrf } = await logIn(request);
    expect((await replay(request, { cookie, "x-csrf-token": csrf, origin: "http://hookport.test", accept: "application/json" })).status).toBe(202);
    const form = await replay(request, { cookie, "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, `_csrf=${encodeURIComponent(csrf)}`);
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toMatch(new RegExp(`^/admin/webhooks/${id}\\?replayed=\\d+$`));
    expect(wakes.count).toBe(2);
  });

  test("a token from one session does not work for another", async () => {
    const { request } = buildAdminApp(s.db);
    const a = await logIn(request);
    const b = await logIn(request);
    expect((await replay(request, { cookie: a.cookie, "x-csrf-token": b.csrf })).status).toBe(403);
  });

  test("bearer requests need neither", async () => {
    const { request } = buildAdminApp(s.db);
    expect((await replay(request, { ...bearer, origin: "https://elsewhere.example" })).status).toBe(202);
  });

  test("a login form posted from another site is refused", async () => {
    const { request } = buildAdminApp(s.db);
    const response = await request("/admin/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: new URLSearchParams({ token: adminToken }),
    });
    expect(response.status).toBe(403);
  });
});

describe("wrong tokens are slowed down per address", () => {
  const tryLogin = (request: ReturnType<typeof buildAdminApp>["request"], token: string) =>
    request("/admin/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }) });

  test("after five wrong tokens the address waits, even with the right one, and the wait doubles", async () => {
    const { request, clock } = buildAdminApp(s.db);
    for (let i = 0; i < 5; i++) expect((await tryLogin(request, "wrong")).status).toBe(401);
    expect((await tryLogin(request, "wrong")).status).toBe(401); // the sixth: now blocked for 1 s
    const blocked = await tryLogin(request, adminToken);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("1");
    clock.advance(1);
    expect((await tryLogin(request, "wrong")).status).toBe(401); // the seventh: 2 s
    expect((await tryLogin(request, adminToken)).headers.get("retry-after")).toBe("2");
    clock.advance(2);
    expect((await tryLogin(request, adminToken)).status).toBe(303);
  });

  test("wrong bearer tokens count too, and other addresses are not affected", async () => {
    const clockShared = { now: () => 1_000_000 };
    const attacker = buildAdminApp(s.db, { address: "198.51.100.1", clock: { ...clockShared, advance: () => {} } });
    for (let i = 0; i < 6; i++) await attacker.request("/admin/api/webhooks", { headers: { authorization: "Bearer guess" } });
    expect((await attacker.request("/admin/api/webhooks", { headers: bearer })).status).toBe(429);
    const admin = buildAdminApp(s.db, { address: "192.0.2.1" });
    expect((await admin.request("/admin/api/webhooks", { headers: bearer })).status).toBe(200);
  });
});
