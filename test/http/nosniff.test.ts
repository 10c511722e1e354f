// Every answer carries X-Content-Type-Options: nosniff, whichever part of the app produced it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEventWriter } from "../../src/store/events.ts";
import { adminToken, buildAdminApp } from "../admin/admin-app.ts";
import { baseUrl, buildTestApp, failingWriter, testConfig } from "../support/app.ts";
import { githubRequest, stripeRequest } from "../support/signing.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";

describe("X-Content-Type-Options: nosniff on every answer", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore("embedded");
  });
  afterAll(() => store.close());

  const cases: [string, () => Promise<Response>][] = [
    ["/healthz", () => buildTestApp().app.handle(new Request(`${baseUrl}/healthz`))],
    ["/readyz 503", () => buildTestApp({ ping: async () => false }).app.handle(new Request(`${baseUrl}/readyz`))],
    ["/metrics", () => buildTestApp().app.handle(new Request(`${baseUrl}/metrics`))],
    ["a 404 from the error map", () => buildTestApp().app.handle(new Request(`${baseUrl}/nowhere`))],
    ["a 404 for an unknown source", () => buildTestApp().app.handle(new Request(`${baseUrl}/webhooks/shopify`, { method: "POST", body: "{}" }))],
    ["a 413 refused before routing", () =>
      buildTestApp({ config: testConfig({ MAX_BODY_BYTES: "2048" }) }).app.handle(
        new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "content-length": "4096" }, body: "x".repeat(4096) }),
      )],
    ["a webhook 400", () => buildTestApp().app.handle(new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: "{}" }))],
    ["a webhook 503", async () => buildTestApp({ writer: failingWriter }).app.handle((await githubRequest(baseUrl)).request)],
    ["a webhook 200", async () => buildTestApp({ writer: createEventWriter(store.db) }).app.handle((await stripeRequest(baseUrl)).request)],
    ["an admin JSON 401", () => buildAdminApp(store.db).request("/admin/api/webhooks", { headers: { authorization: "Bearer wrong-token-0123456789" } })],
    ["an admin JSON 200", () => buildAdminApp(store.db).request("/admin/api/webhooks", { headers: { authorization: `Bearer ${adminToken}` } })],
    ["the admin login page", () => buildAdminApp(store.db).request("/admin/login")],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const response = await make();
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    });
  }
});
