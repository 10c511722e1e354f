// Issue 8, item 6: logging out ends the session on the server, at once and on every instance sharing
// the store; the old cookie is refused even by a browser (or thief) that kept a copy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openPostgres } from "../../src/store/postgres.ts";
import type { Database } from "../../src/store/db.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";
import { buildAdminApp, logIn, testClock } from "./admin-app.ts";

type Request = ReturnType<typeof buildAdminApp>["request"];

const logOut = (request: Request, cookie: string, csrf: string) =>
  request("/admin/logout", { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
const api = (request: Request, cookie: string) => request("/admin/api/webhooks", { headers: { cookie } });
const page = (request: Request, cookie: string) => request("/admin/webhooks", { headers: { cookie, accept: "text/html" } });

for (const kind of storeKinds) {
  describe(`logout (${kind})`, () => {
    let s: TestStore;
    // A second instance: on PostgreSQL its own connection pool, as another replica would have.
    let other: Database;
    beforeAll(async () => {
      s = await createTestStore(kind);
      other = s.url ? openPostgres({ url: s.url, applicationName: "hookport-test-replica", maxConnections: 2 }) : s.db;
    });
    afterAll(async () => {
      if (other !== s.db) await other.close();
      await s.close();
    });

    test("the old cookie is refused at once after logout: 401 from the API, 303 to the login for a page", async () => {
      const { request } = buildAdminApp(s.db);
      const { cookie, csrf } = await logIn(request);
      expect((await api(request, cookie)).status).toBe(200);
      expect((await logOut(request, cookie, csrf)).status).toBe(303);
      expect((await api(request, cookie)).status).toBe(401);
      const again = await page(request, cookie);
      expect(again.status).toBe(303);
      expect(again.headers.get("location")).toStartWith("/admin/login");
      // And it cannot log out (or change anything) any more either.
      expect((await logOut(request, cookie, csrf)).status).toBe(401);
    });

    test("a logout on one instance ends the session on another sharing the store", async () => {
      const a = buildAdminApp(s.db);
      const b = buildAdminApp(other);
      const { cookie, csrf } = await logIn(a.request);
      expect((await api(b.request, cookie)).status).toBe(200);
      expect((await logOut(a.request, cookie, csrf)).status).toBe(303);
      expect((await api(b.request, cookie)).status).toBe(401);
      expect((await api(a.request, cookie)).status).toBe(401);
    });

    test("logging out one session leaves the others open", async () => {
      const { request } = buildAdminApp(s.db);
      const first = await logIn(request);
      const second = await logIn(request);
      await logOut(request, first.cookie, first.csrf);
      expect((await api(request, first.cookie)).status).toBe(401);
      expect((await api(request, second.cookie)).status).toBe(200);
    });

    test("expired sessions leave the store at the next login", async () => {
      const clock = testClock();
      const { request } = buildAdminApp(s.db, { clock });
      await logIn(request);
      const count = async () => Number((await s.db.query<{ n: string }>("select count(*)::text as n from hookport_settings where key like 'session:%'"))[0]!.n);
      const before = await count();
      clock.advance(12 * 3600 + 1);
      await logIn(request);
      expect(await count()).toBeLessThan(before);
      const live = await s.db.query<{ value: string }>("select value from hookport_settings where key like 'session:%'");
      expect(live.every((r) => Number(r.value) > clock.now())).toBe(true);
    });
  });
}
