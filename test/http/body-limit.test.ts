// The body limit holds on every route, not only the webhook ones, with the same JSON 413 and log line.
import { describe, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import { baseUrl, buildTestApp, testConfig } from "../support/app.ts";

describe("body limit on every route", () => {
  test("a declared Content-Length over MAX_BODY_BYTES is refused with JSON 413 and logged, whatever the route", async () => {
    const lines: string[] = [];
    const { app } = buildTestApp({ config: testConfig({ MAX_BODY_BYTES: "2048" }), log: createLogger("info", (l) => lines.push(l)) });
    for (const path of ["/admin/login", "/webhooks/stripe", "/nowhere"]) {
      const response = await app.handle(
        new Request(`${baseUrl}${path}`, { method: "POST", headers: { "content-length": "4096", "content-type": "application/x-www-form-urlencoded" }, body: "x".repeat(4096) }),
      );
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ reason: "too-large" });
    }
    expect(lines.filter((l) => l.includes('"too-large"'))).toHaveLength(3);
  });
});
