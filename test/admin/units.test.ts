// The admin's pure parts: the live cursor, the JSON colouring, sender links, payload text, redirects, throttling.
import { describe, expect, test } from "bun:test";
import { firstLiveCursor, planLiveUpdate } from "../../src/http/admin/live.ts";
import { prettyPayload, senderLink } from "../../src/http/admin/present.ts";
import { safeNext } from "../../src/http/admin/session-routes.ts";
import { createThrottle } from "../../src/http/admin/throttle.ts";
import type { HistoryRow, SinceRow } from "../../src/store/history.ts";
import { tokenizeJson } from "../../views/components/json-view.tsx";

const row = (id: number, status: HistoryRow["status"] = "pending", settled = false): SinceRow => ({
  id: String(id),
  source: "stripe",
  eventId: `evt_${id}`,
  eventType: "x",
  status,
  attempts: 0,
  receivedAt: "2026-01-01T00:00:00.000Z",
  processedAt: null,
  lastError: null,
  settled,
});

describe("live cursor", () => {
  test("the first cursor starts below the oldest row shown and watches every row shown", () => {
    expect(firstLiveCursor([row(12), row(11), row(9)])).toEqual({ since: "8", watch: ["12", "11", "9"] });
    expect(firstLiveCursor([])).toEqual({ since: "0", watch: [] });
  });

  test("a row committed late (an id below rows already shown) is prepended, not skipped", () => {
    // The page showed 10 and 12; 11 committed after them.
    const plan = planLiveUpdate({ since: "9", watch: ["12", "10"] }, [row(12), row(11), row(10)], []);
    expect(plan.prepend.map((r) => r.id)).toEqual(["11"]);
    expect(plan.refresh.map((r) => r.id)).toEqual(["12", "10"]);
    expect(plan.cursor).toEqual({ since: "9", watch: ["12", "11", "10"] });
  });

  test("the cursor moves past settled rows only, and finished rows below it stop being watched", () => {
    const plan = planLiveUpdate({ since: "9", watch: ["12", "10", "3"] }, [row(12), row(11, "processed", true), row(10, "processed", true)], [row(3, "dead")]);
    expect(plan.cursor).toEqual({ since: "11", watch: ["12"] });
    expect(plan.refresh.map((r) => r.id)).toEqual(["12", "10", "3"]);
    expect(plan.prepend.map((r) => r.id)).toEqual(["11"]);
    expect("settled" in plan.prepend[0]!).toBe(false);
  });

  test("rows that can still change stay watched below the cursor", () => {
    const plan = planLiveUpdate({ since: "20", watch: ["5"] }, [], [row(5, "failed")]);
    expect(plan.cursor).toEqual({ since: "20", watch: ["5"] });
  });
});

describe("payload presentation", () => {
  test("colours keys, strings, numbers and literals, and keeps every character", () => {
    const pretty = JSON.stringify({ a: "b:\"c\"", n: -1.5e3, ok: true, none: null, list: [1] }, null, 2);
    const pieces = tokenizeJson(pretty);
    expect(pieces.map((p) => p.text).join("")).toBe(pretty);
    expect(pieces.filter((p) => p.kind === "key").map((p) => p.text)).toEqual(['"a"', '"n"', '"ok"', '"none"', '"list"']);
    expect(pieces.filter((p) => p.kind === "string").map((p) => p.text)).toEqual(['"b:\\"c\\""']);
    expect(pieces.filter((p) => p.kind === "number").map((p) => p.text)).toEqual(["-1500", "1"]);
    expect(pieces.filter((p) => p.kind === "literal").map((p) => p.text)).toEqual(["true", "null"]);
  });

  test("pretty-prints the raw body in the sender's key order, GitHub form posts included", () => {
    const json = '{"zeta":1,"alpha":2}';
    expect(prettyPayload({ rawBody: json, payloadJson: '{"alpha": 2, "zeta": 1}' })).toBe('{\n  "zeta": 1,\n  "alpha": 2\n}');
    expect(prettyPayload({ rawBody: `payload=${encodeURIComponent(json)}`, payloadJson: "{}" })).toStartWith('{\n  "zeta"');
  });

  test("links Stripe events to the test or live dashboard, GitHub ones to the hook, and nothing from unchecked parts", () => {
    const stripe = (livemode: boolean) => senderLink({ source: "stripe", eventId: "evt_1A", headers: {}, payloadJson: JSON.stringify({ livemode }) });
    expect(stripe(false)?.href).toBe("https://dashboard.stripe.com/test/events/evt_1A");
    expect(stripe(true)?.href).toBe("https://dashboard.stripe.com/events/evt_1A");
    const github = (html_url: string, hook = "77") =>
      senderLink({ source: "github", eventId: "d-1", headers: { "x-github-hook-id": hook }, payloadJson: JSON.stringify({ repository: { html_url } }) });
    expect(github("https://github.com/o/r")?.href).toBe("https://github.com/o/r/settings/hooks/77");
    expect(github("javascript:alert(1)//github.com/o/r")).toBeNull();
    expect(github("https://github.com/o/r", "77/../../x")).toBeNull();
    expect(senderLink({ source: "github", eventId: "d", headers: {}, payloadJson: "{}" })).toBeNull();
  });
});

describe("login redirects and throttling", () => {
  test("after login, goes only to admin paths", () => {
    expect(safeNext("/admin/webhooks/5")).toBe("/admin/webhooks/5");
    for (const bad of [null, "", "/", "https://x.example", "//x.example", "/admin//x.example", "/admin/login", "/\\x"]) {
      expect(safeNext(bad)).toBe("/admin/webhooks");
    }
  });

  test("forgets an address after a quiet spell and bounds how many it remembers", () => {
    let t = 0;
    const throttle = createThrottle({ now: () => t, freeFailures: 1, forgetAfterSeconds: 60, maxAddresses: 2 });
    throttle.fail("a");
    throttle.fail("a");
    expect(throttle.retryAfter("a")).toBe(1);
    t = 61;
    expect(throttle.retryAfter("a")).toBe(0);
    throttle.fail("b");
    throttle.fail("b");
    throttle.fail("c");
    throttle.fail("d"); // over the bound: the least recently failing address (b) is dropped
    expect(throttle.retryAfter("b")).toBe(0);
  });
});
