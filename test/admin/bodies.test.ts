// Issue 8, item 10 (admin part): an unauthenticated admin request is refused before its body is read, and
// an authenticated one reads at most a small form. Bodies here are streams that count what is pulled and
// end after a fixed size, so a regression fails on the count instead of hanging.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestStore, type TestStore } from "../support/stores.ts";
import { adminToken, bearer, buildAdminApp, logIn, store, storedEvent } from "./admin-app.ts";

const chunk = 64 * 1024;
const total = 4 * 1024 * 1024;

/** A form body of `total` bytes, streamed in chunks; `pulled()` says how much of it was read. */
function countingBody(prefix = "") {
  let pulled = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        const text = pulled === 0 ? (prefix + "x=").padEnd(chunk, "a") : "a".repeat(chunk);
        pulled += chunk;
        controller.enqueue(encoder.encode(text));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

let s: TestStore;
let id: string;
beforeAll(async () => {
  s = await createTestStore("embedded");
  id = (await store(s.db, [storedEvent("evt_bodies")]))[0]!;
});
afterAll(() => s.close());

const form = { "content-type": "application/x-www-form-urlencoded" };

describe("admin request bodies", () => {
  test("an unauthenticated POST to any admin route is refused without reading its 4 MB body", async () => {
    const { app } = buildAdminApp(s.db);
    const posts = app.routes.filter((r) => r.method === "POST" && r.path.startsWith("/admin/") && r.path !== "/admin/login");
    expect(posts.map((r) => r.path).sort()).toEqual([
      "/admin/api/destinations/:name/pause",
      "/admin/api/destinations/:name/resume",
      "/admin/api/destinations/:name/retry",
      "/admin/destinations/:name/pause",
      "/admin/destinations/:name/resume",
      "/admin/destinations/:name/retry",
      "/admin/logout",
      "/admin/webhooks/:id/replay",
      "/admin/webhooks/retry",
    ]);
    for (const [n, path] of posts.map((r) => r.path.replace(":id", id).replace(":name", "default")).entries()) {
      // Each route from its own address: the wrong bearer tokens sent here would trip the throttle (429) first.
      const { request } = buildAdminApp(s.db, { address: `198.51.100.${n + 1}` });
      for (const headers of [form, { ...form, authorization: "Bearer not-the-admin-token" }, { ...form, cookie: "hookport_session=1.forged.sig" }]) {
        const body = countingBody();
        const response = await request(path, { method: "POST", headers, body: body.stream, duplex: "half" } as RequestInit);
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
        // At most what a stream hands over before anyone reads it; the whole body would be 64 chunks.
        expect({ path, chunksPulled: body.pulled() / chunk }).toEqual({ path, chunksPulled: expect.any(Number) });
        expect(body.pulled()).toBeLessThanOrEqual(2 * chunk);
      }
    }
  });

  test("an authenticated form larger than the admin's cap gets 413 after reading little more than the cap", async () => {
    const { request } = buildAdminApp(s.db);
    const { cookie } = await logIn(request);
    const body = countingBody("retry=dead&");
    const response = await request("/admin/webhooks/retry", { method: "POST", headers: { ...form, cookie }, body: body.stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(body.pulled()).toBeLessThan(total / 2);
  });

  test("a form from a session still carries its CSRF token, and a JSON body from a script still works", async () => {
    const { request, wakes } = buildAdminApp(s.db);
    const { cookie, csrf } = await logIn(request);
    const viaForm = await request("/admin/webhooks/retry", { method: "POST", headers: { ...form, cookie }, body: new URLSearchParams({ _csrf: csrf, retry: "dead" }) });
    expect(viaForm.status).toBe(202);
    const viaJson = await request("/admin/webhooks/retry", { method: "POST", headers: { ...bearer, "content-type": "application/json" }, body: JSON.stringify({ retry: "failed" }) });
    expect(viaJson.status).toBe(202);
    const noToken = await request("/admin/webhooks/retry", { method: "POST", headers: { ...form, cookie }, body: new URLSearchParams({ retry: "dead" }) });
    expect(noToken.status).toBe(403);
    expect(wakes.count).toBe(0);
  });

  test("the login form reads at most the admin's cap", async () => {
    const { request } = buildAdminApp(s.db);
    const body = countingBody(`token=${adminToken}&`);
    const response = await request("/admin/login", { method: "POST", headers: form, body: body.stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(body.pulled()).toBeLessThan(total / 2);
  });
});
