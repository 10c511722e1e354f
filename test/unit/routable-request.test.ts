// routableRequest: the request Elysia is given finds its real path, and keeps everything else.
import { describe, expect, test } from "bun:test";
import { routableRequest } from "../../src/http/routable-request.ts";

describe("routableRequest", () => {
  test("passes a request with a host of 4 characters or more through untouched", () => {
    const request = new Request("http://abcd/xx/admin");
    expect(routableRequest(request)).toBe(request);
  });

  test("moves a short-host request under a placeholder origin, keeping path, query, method, headers and body", async () => {
    const request = new Request("http://a/xx/admin/api?q=1", { method: "POST", headers: { host: "a", "x-test": "yes" }, body: "payload" });
    const routed = routableRequest(request);
    expect(routed.url).toBe("http://unnamed-host.invalid/xx/admin/api?q=1");
    expect(routed.method).toBe("POST");
    expect(routed.headers.get("x-test")).toBe("yes");
    expect(await routed.text()).toBe("payload");
  });
});
