// Issue 8, item 5: every admin input, hostile or malformed, gets a 400 with a message and a log line, a 404
// for an id that names no event, or a safe redirect; never a 500. One table, walked on both stores
// (PostgreSQL text cannot hold NUL, so that store is where `?q=%00` broke).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { recordingLogger } from "../support/app.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { adminToken, bearer, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

type Case = { what: string; path: string; init?: RequestInit; status: number; location?: string };

const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { ...bearer, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields),
});
const jsonBody = (value: unknown): RequestInit => ({ method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify(value) });
const long = "e".repeat(201);

function cases(id: string): Case[] {
  const filterValues = ["%00", "a%00b", "%01", "%7F", "%C2%85", long];
  const lists = ["/admin/api/webhooks", "/admin/webhooks", "/admin/webhooks/bulk", "/admin/webhooks/more?cursor=5&", "/admin/webhooks/live?since=0&"];
  const table: Case[] = [];
  for (const base of lists) {
    const join = base.endsWith("&") ? "" : "?";
    for (const name of ["q", "type"]) {
      for (const value of filterValues) table.push({ what: `${base} ${name}=${value.slice(0, 8)}`, path: `${base}${join}${name}=${value}`, status: 400 });
    }
    for (const value of ["%00", "%E2%82%AC", "STRIPE%20"]) {
      table.push({ what: `${base} source=${value}`, path: `${base}${join}source=${value}`, status: 400 });
      table.push({ what: `${base} status=${value}`, path: `${base}${join}status=${value}`, status: 400 });
    }
  }
  for (const value of ["abc", "-1", "1e3", "%00", "%E2%82%AC", "9".repeat(30)]) {
    table.push({ what: `api limit=${value}`, path: `/admin/api/webhooks?limit=${value}`, status: 400 });
  }
  for (const value of ["abc", "0", "%00", "%E2%82%AC", "9".repeat(30), "1.5"]) {
    table.push({ what: `api cursor=${value}`, path: `/admin/api/webhooks?cursor=${value}`, status: 400 });
    table.push({ what: `page cursor=${value}`, path: `/admin/webhooks?cursor=${value}`, status: 400 });
    table.push({ what: `more cursor=${value}`, path: `/admin/webhooks/more?cursor=${value}`, status: 400 });
  }
  for (const query of ["since=%00", "since=-1", "since=" + "9".repeat(30), "since=0&watch=%00", "since=0&watch=1,x", `since=0&watch=${"1,".repeat(201)}1`]) {
    table.push({ what: `live ${query.slice(0, 20)}`, path: `/admin/webhooks/live?${query}`, status: 400 });
  }
  for (const value of ["%ZZ", "%00", "%E2%82%AC", "0", "-1", "1.5", "9".repeat(30), "abc"]) {
    table.push({ what: `detail :id=${value}`, path: `/admin/webhooks/${value}`, status: 404 });
    table.push({ what: `replay :id=${value}`, path: `/admin/webhooks/${value}/replay`, init: { method: "POST", headers: bearer }, status: 404 });
  }
  table.push({ what: "static %ZZ", path: "/admin/static/%ZZ", status: 404 });
  table.push({ what: "detail replayed=%00 is ignored", path: `/admin/webhooks/${id}?replayed=%00`, status: 200 });
  table.push({ what: "retry form retry=NUL", path: "/admin/webhooks/retry", init: form({ retry: "\0" }), status: 400 });
  table.push({ what: "retry form q=NUL", path: "/admin/webhooks/retry", init: form({ retry: "dead", q: "a\0" }), status: 400 });
  table.push({ what: "retry form type=long", path: "/admin/webhooks/retry", init: form({ retry: "dead", type: long }), status: 400 });
  table.push({ what: "retry json retry=number", path: "/admin/webhooks/retry", init: jsonBody({ retry: 1 }), status: 400 });
  table.push({ what: "retry json type=NUL", path: "/admin/webhooks/retry", init: jsonBody({ retry: "dead", type: "\0" }), status: 400 });
  table.push({ what: "retry json array", path: "/admin/webhooks/retry", init: jsonBody(["dead"]), status: 400 });
  const login = (fields: Record<string, string>): RequestInit => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
  table.push({ what: "login next=€", path: "/admin/login", init: login({ token: adminToken, next: "/admin/€" }), status: 303, location: "/admin/%E2%82%AC" });
  table.push({ what: "login next=NUL", path: "/admin/login", init: login({ token: adminToken, next: "/admin/\0x" }), status: 303, location: "/admin/%00x" });
  table.push({ what: "login next=query €", path: "/admin/login", init: login({ token: adminToken, next: "/admin/webhooks?q=€" }), status: 303, location: "/admin/webhooks?q=%E2%82%AC" });
  table.push({ what: "login next=dot-dot", path: "/admin/login", init: login({ token: adminToken, next: "/admin/../login" }), status: 303, location: "/admin/webhooks" });
  table.push({ what: "login token=NUL", path: "/admin/login", init: login({ token: "\0" }), status: 401 });
  table.push({ what: "login token=long", path: "/admin/login", init: login({ token: "t".repeat(10_000) }), status: 401 });
  table.push({ what: "login form over the cap", path: "/admin/login", init: login({ token: "t".repeat(100_000) }), status: 413 });
  return table;
}

for (const kind of storeKinds) {
  describe(`admin inputs (${kind})`, () => {
    let s: TestStore;
    let id: string;
    beforeAll(async () => {
      s = await createTestStore(kind);
      id = (await store(s.db, [storedEvent("evt_inputs")]))[0]!;
    });
    afterAll(() => s.close());

    test("each malformed input gets its 400 with a message and a log line, a 404, or a safe redirect; never a 500", async () => {
      const table = cases(id);
      expect(table.length).toBeGreaterThan(100);
      // One app: the table's two wrong login tokens stay within the free tries, so nothing is throttled.
      const { log, lines } = recordingLogger();
      const { request } = buildAdminApp(s.db, { log });
      for (const c of table) {
        const logged = lines.length;
        const init = { ...c.init, headers: { ...bearer, ...(c.init?.headers as Record<string, string>) } };
        const response = await request(c.path, init);
        const got = { what: c.what, status: response.status, location: response.headers.get("location") ?? undefined };
        expect(got).toEqual({ what: c.what, status: c.status, location: c.location });
        if (c.status === 400) {
          const body = (await response.json()) as { error?: unknown };
          expect({ what: c.what, error: typeof body.error }).toEqual({ what: c.what, error: "string" });
          const line = lines.slice(logged).find((l) => l.includes('"admin request refused"') && l.includes('"status":400'));
          expect({ what: c.what, logged: line !== undefined }).toEqual({ what: c.what, logged: true });
        }
      }
    }, 60_000);

    test("an htmx filter with a NUL gets a 400 notice in #flash, not a 500", async () => {
      const { request } = buildAdminApp(s.db);
      const response = await request("/admin/webhooks?type=%00", { headers: { ...bearer, "hx-request": "true" } });
      expect(response.status).toBe(400);
      expect(response.headers.get("hx-retarget")).toBe("#flash");
      expect(await response.text()).toContain("type must not contain control characters");
    });

    test("a signed-in admin sent to the login page with next=/admin/€ is redirected there, encoded", async () => {
      const { request } = buildAdminApp(s.db);
      const { cookie } = await logIn(request);
      const response = await request("/admin/login?next=/admin/%E2%82%AC", { headers: { cookie } });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/admin/%E2%82%AC");
    });
  });
}
