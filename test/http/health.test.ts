// /healthz, /readyz and /metrics through app.handle(), with a store whose ping is a named fake.
import { describe, expect, test } from "bun:test";
import { baseUrl, buildTestApp } from "../support/app.ts";

const get = async (app: ReturnType<typeof buildTestApp>["app"], path: string) => {
  const response = await app.handle(new Request(baseUrl + path));
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
};

const storeUp = async () => true;
const storeDown = async () => false;
const storeUnreachable = () => Promise.reject(new Error("ECONNREFUSED"));

describe("health routes", () => {
  test("/healthz answers 200 while the process runs, even with the store down", async () => {
    expect(await get(buildTestApp({ ping: storeUnreachable }).app, "/healthz")).toMatchObject({ status: 200 });
  });

  test("/readyz answers 200 when the store answers", async () => {
    expect(await get(buildTestApp({ ping: storeUp }).app, "/readyz")).toMatchObject({ status: 200, text: '{"status":"ready"}' });
  });

  test("/readyz answers 503 when the store's ping fails", async () => {
    const result = await get(buildTestApp({ ping: storeDown }).app, "/readyz");
    expect(result.status).toBe(503);
    expect(JSON.parse(result.text)).toMatchObject({ error: expect.any(String) });
  });

  test("/readyz answers 503 when the store's ping throws", async () => {
    expect((await get(buildTestApp({ ping: storeUnreachable }).app, "/readyz")).status).toBe(503);
  });

  test("/metrics answers Prometheus text", async () => {
    const result = await get(buildTestApp().app, "/metrics");
    expect(result.status).toBe(200);
    expect(result.type).toStartWith("text/plain");
    expect(result.text).toContain("# TYPE hookport_events_received_total counter");
  });

  test("an unknown route answers 404 as JSON", async () => {
    const result = await get(buildTestApp().app, "/nowhere");
    expect(result.status).toBe(404);
    expect(JSON.parse(result.text)).toMatchObject({ error: expect.any(String) });
  });
});
