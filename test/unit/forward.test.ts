// Forwarding's pure parts (issue 10): backoff with full jitter, Retry-After, the circuit breaker, what
// an answer means, and the request itself (verified with the standardwebhooks package, as an app would).
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { forwardDelayMs, maxRetryAfterMs, parseRetryAfter } from "../../src/forward/backoff.ts";
import { breakerAfter, breakerSlots, breakerThreshold, closedBreaker, isProbe, maxCoolDownMs, minCoolDownMs } from "../../src/forward/breaker.ts";
import { classify, deliveryId, forwardRequest, originalHeaderPrefix } from "../../src/forward/deliver.ts";
import type { ForwardJob } from "../../src/store/forwarding.ts";
import { standardWebhookHeaders } from "../support/signing.ts";

const now = Date.parse("2026-11-30T12:00:00Z");

describe("forwardDelayMs", () => {
  test("full jitter: anywhere from zero to the exponential delay, doubling per attempt", () => {
    expect([1, 2, 3, 4].map((a) => forwardDelayMs(a, 1_000, null, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((a) => forwardDelayMs(a, 1_000, null, () => 0))).toEqual([0, 0, 0, 0]);
    expect(forwardDelayMs(3, 1_000, null, () => 0.5)).toBe(2_000);
  });

  test("is capped at one hour however many attempts failed", () => {
    expect(forwardDelayMs(500, 1_000, null, () => 1)).toBe(3_600_000);
  });

  test("a Retry-After is honoured instead, within a cap", () => {
    expect(forwardDelayMs(1, 1_000, 120_000, () => 1)).toBe(120_000);
    expect(forwardDelayMs(9, 1_000, 0, () => 1)).toBe(0);
    expect(forwardDelayMs(1, 1_000, 30 * 86_400_000, () => 1)).toBe(maxRetryAfterMs);
  });
});

describe("parseRetryAfter", () => {
  test("reads delay-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  test("reads an HTTP-date, as time from now; a past date is now", () => {
    expect(parseRetryAfter("Mon, 30 Nov 2026 12:01:30 GMT", now)).toBe(90_000);
    expect(parseRetryAfter("Mon, 30 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  test("is null when absent or unreadable", () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter("1.5", now)).toBeNull();
    expect(parseRetryAfter("2026", now)).toBe(2_026_000);
  });
});

describe("the circuit breaker", () => {
  const down = (state = closedBreaker, at = now, probe = false) => breakerAfter(state, "down", { nowMs: at, probe });

  test(`stays closed for ${breakerThreshold - 1} failures in a row, opens at the ${breakerThreshold}th for ${minCoolDownMs / 1000} s`, () => {
    let state = closedBreaker;
    for (let i = 1; i < breakerThreshold; i++) {
      state = down(state);
      expect(state).toEqual({ failuresInARow: i, openUntil: null, coolDownMs: null });
      expect(breakerSlots(state, now, 4, 1)).toBe(3);
    }
    state = down(state);
    expect(state).toEqual({ failuresInARow: breakerThreshold, openUntil: new Date(now + minCoolDownMs), coolDownMs: minCoolDownMs });
    expect(breakerSlots(state, now, 4, 0)).toBe(0);
  });

  test("a success (or a 4xx: the destination answered) closes it and resets the count", () => {
    const open = { failuresInARow: 7, openUntil: new Date(now - 1), coolDownMs: 60_000 };
    expect(breakerAfter(open, "up", { nowMs: now, probe: true })).toEqual(closedBreaker);
    expect(breakerAfter({ failuresInARow: 3, openUntil: null, coolDownMs: null }, "up", { nowMs: now, probe: false })).toEqual(closedBreaker);
  });

  test("after the cool-down, one probe alone; a failed probe doubles the cool-down up to 10 min", () => {
    let state = { failuresInARow: breakerThreshold, openUntil: new Date(now + minCoolDownMs), coolDownMs: minCoolDownMs };
    const later = now + minCoolDownMs;
    expect(isProbe(state, later - 1)).toBe(false);
    expect(isProbe(state, later)).toBe(true);
    expect(breakerSlots(state, later, 4, 0)).toBe(1);
    expect(breakerSlots(state, later, 4, 1)).toBe(0);
    const cooldowns: number[] = [];
    for (let i = 0; i < 8; i++) {
      state = down(state, later, true) as typeof state;
      cooldowns.push(state.coolDownMs);
    }
    expect(cooldowns).toEqual([60_000, 120_000, 240_000, 480_000, maxCoolDownMs, maxCoolDownMs, maxCoolDownMs, maxCoolDownMs]);
  });

  test("a delivery started before it opened that fails late only counts; it does not reopen or double it", () => {
    const open = { failuresInARow: breakerThreshold, openUntil: new Date(now + 10_000), coolDownMs: minCoolDownMs };
    expect(down(open, now + 1_000, false)).toEqual({ ...open, failuresInARow: breakerThreshold + 1 });
  });
});

describe("classify", () => {
  test("2xx is delivered", () => {
    expect(classify(200, null, now).kind).toBe("delivered");
    expect(classify(204, null, now).kind).toBe("delivered");
  });

  test("5xx, 429 and 408 say the destination is down, with Retry-After read", () => {
    expect(classify(503, "7", now)).toEqual({ kind: "down", status: 503, error: "HTTP 503", retryAfterMs: 7_000 });
    expect(classify(429, null, now)).toEqual({ kind: "down", status: 429, error: "HTTP 429", retryAfterMs: null });
    expect(classify(408, null, now).kind).toBe("down");
  });

  test("other 4xx and 3xx are the app refusing: kept, retried, and not counted by the breaker", () => {
    expect(classify(400, "60", now)).toEqual({ kind: "refused", status: 400, error: "HTTP 400", retryAfterMs: null });
    expect(classify(410, null, now).kind).toBe("refused");
    expect(classify(301, null, now).error).toContain("redirects are not followed");
  });
});

describe("forwardRequest", () => {
  const secret = "whsec_" + Buffer.from("the-apps-forwarding-secret-0001").toString("base64");
  const body = new Uint8Array(Buffer.from('{"id":"evt_1","type":"checkout.session.completed","object":"event"}'));
  const job: ForwardJob = {
    id: "42",
    target: "forward:app",
    destination: "app",
    source: "stripe",
    eventId: "evt_1",
    eventType: "checkout.session.completed",
    body,
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": "t=1,v1=abc", "user-agent": "Stripe/1.0 (é)" },
    attempt: 3,
  };
  const destination = { name: "app", url: "http://127.0.0.1:8000/hooks", secret, timeoutMs: 1000, concurrency: 1, retryForHours: 1 };

  test("carries the body as is, the sender's headers under the prefix, and a signature the standardwebhooks package verifies", () => {
    // verify() checks the timestamp against the real clock, so this one is signed at the real now.
    const at = new Date();
    const { url, init } = forwardRequest(destination, new Webhook(secret), job, at);
    const headers = init.headers as Headers;
    expect(url).toBe(destination.url);
    expect(init.body).toBe(body);
    expect(headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(headers.get(`${originalHeaderPrefix}stripe-signature`)).toBe("t=1,v1=abc");
    expect(Buffer.from(headers.get(`${originalHeaderPrefix}user-agent`)!, "latin1").toString("utf8")).toBe("Stripe/1.0 (é)");
    expect(headers.get("x-hookport-event-type")).toBe("checkout.session.completed");
    expect(headers.get("webhook-id")).toBe(deliveryId("app", "stripe", "evt_1"));
    expect(headers.get("webhook-timestamp")).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(new Webhook(secret).verify(Buffer.from(body), standardWebhookHeaders(headers))).toEqual(JSON.parse(Buffer.from(body).toString()));
    expect(() => new Webhook(secret).verify(Buffer.from(body).toString() + " ", standardWebhookHeaders(headers))).toThrow();
  });

  test("a stored value no header can carry as is (a line break, non-ASCII) is sent without breaking the request", () => {
    const odd = { ...job, eventId: "evt\nwith-break", headers: { "user-agent": "a\r\nx-injected: 1" } };
    const { init } = forwardRequest(destination, new Webhook(secret), odd, new Date());
    const headers = init.headers as Headers;
    expect(headers.get("x-hookport-event-id")).toBe("evt with-break");
    expect(headers.get(`${originalHeaderPrefix}user-agent`)).toBe("a  x-injected: 1");
    expect(headers.get("x-injected")).toBeNull();
  });

  test("the webhook-id is the same at every attempt of one event to one destination, and differs between destinations and events", () => {
    expect(deliveryId("app", "stripe", "evt_1")).toBe(deliveryId("app", "stripe", "evt_1"));
    expect(deliveryId("app", "stripe", "evt_1")).not.toBe(deliveryId("audit", "stripe", "evt_1"));
    expect(deliveryId("app", "stripe", "evt_1")).not.toBe(deliveryId("app", "stripe-eu", "evt_1"));
    expect(deliveryId("app", "stripe", "evt_1")).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
  });
});
