// Issue 8, item 9: behind a trusted TLS proxy, wrong tokens are counted per client (the right-most
// X-Forwarded-For hop that is not a trusted proxy), not per proxy; and what a lockout does to a right token.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClientAddress } from "../../src/http/client-address.ts";
import { adminStaticFiles } from "../../src/runtime.ts";
import { baseUrl, buildTestApp } from "../support/app.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { adminToken, testClock } from "./admin-app.ts";

let s: TestStore;
beforeAll(async () => {
  s = await createTestStore("embedded");
});
afterAll(() => s.close());

const proxy = "10.0.0.2";

/** The admin behind a proxy at 10.0.0.2: every request's socket peer is `peer`. */
function behindProxy(trusted: string[], peer = proxy) {
  const clock = testClock(1_000_000);
  const clientAddress = createClientAddress(trusted, () => peer);
  const { app } = buildTestApp({ now: clock.now, admin: { db: s.db, adminToken, staticFiles: adminStaticFiles, clientAddress } });
  const api = (token: string, forwardedFor?: string) =>
    app.handle(new Request(`${baseUrl}/admin/api/webhooks`, { headers: { authorization: `Bearer ${token}`, ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}) } }));
  return { api, clock, clientAddress };
}

describe("TRUSTED_PROXIES", () => {
  test("six wrong tokens from one client behind the proxy do not lock out another client", async () => {
    const { api } = behindProxy(["10.0.0.0/8"]);
    for (let i = 0; i < 6; i++) expect((await api("guess", "198.51.100.9")).status).toBe(401);
    expect((await api(adminToken, "198.51.100.9")).status).toBe(429);
    expect((await api(adminToken, "192.0.2.44")).status).toBe(200);
  });

  test("a client cannot escape its lockout by writing its own X-Forwarded-For: only the proxy's hop counts", async () => {
    const { api } = behindProxy(["10.0.0.0/8"]);
    for (let i = 0; i < 6; i++) await api("guess", `203.0.113.${i}, 198.51.100.9`);
    expect((await api(adminToken, "203.0.113.200, 198.51.100.9")).status).toBe(429);
  });

  test("hops through several trusted proxies are skipped, right to left", () => {
    const { clientAddress } = behindProxy(["10.0.0.0/8", "fd00::/8"]);
    const from = (xff: string) => clientAddress(new Request(baseUrl, { headers: { "x-forwarded-for": xff } }));
    expect(from("6.6.6.6, 198.51.100.9, 10.1.1.1, fd00::5")).toBe("198.51.100.9");
    expect(from("198.51.100.9:4711, 10.1.1.1")).toBe("198.51.100.9");
    expect(from("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(from("10.9.9.9, 10.1.1.1")).toBe("10.9.9.9");
    expect(clientAddress(new Request(baseUrl))).toBe(proxy);
  });

  test("X-Forwarded-For from a peer that is not trusted is ignored (and with none trusted, from anyone)", async () => {
    for (const { trusted, peer } of [{ trusted: ["10.0.0.0/8"], peer: "198.51.100.77" }, { trusted: [], peer: proxy }]) {
      const { api, clientAddress } = behindProxy(trusted, peer);
      expect(clientAddress(new Request(baseUrl, { headers: { "x-forwarded-for": "1.2.3.4" } }))).toBe(peer);
      for (let i = 0; i < 6; i++) await api("guess", `192.0.2.${i}`);
      expect((await api(adminToken, "192.0.2.250")).status).toBe(429);
    }
  });
});

describe("a right token and the lockout", () => {
  test("while locked out every try gets 429 with Retry-After, the token unchecked; afterwards the right token clears the failures", async () => {
    const { api, clock } = behindProxy([]);
    for (let i = 0; i < 6; i++) await api("guess");
    const locked = await api(adminToken);
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("1");
    expect((await api("guess")).status).toBe(429); // not counted: the wait does not grow while it runs
    clock.advance(1);
    expect((await api(adminToken)).status).toBe(200);
    // Cleared: five typos are free again before the next wait.
    for (let i = 0; i < 5; i++) expect((await api("guess")).status).toBe(401);
    expect((await api(adminToken)).status).toBe(200);
  });
});
