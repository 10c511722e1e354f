// The app with the admin mounted on a real store, a clock the test moves, and a wake() that counts.
import type { Config } from "../../src/config.ts";
import { adminStaticFiles } from "../../src/runtime.ts";
import { silentLogger, type Logger } from "../../src/log.ts";
import type { Database } from "../../src/store/db.ts";
import { writeBatch, type NewEvent } from "../../src/store/events.ts";
import { baseUrl, buildTestApp } from "../support/app.ts";

export const adminToken = "admin-token-for-tests-0123456789";
export const bearer = { authorization: `Bearer ${adminToken}` };

export type TestClock = { now: () => number; advance(seconds: number): void };

export function testClock(start = Date.now() / 1000): TestClock {
  let t = start;
  return { now: () => t, advance: (s) => void (t += s) };
}

export function buildAdminApp(
  db: Database,
  { clock = testClock(), address = "203.0.113.7", log = silentLogger as Logger, config = undefined as Config | undefined } = {},
) {
  const wakes = { count: 0 };
  const { app } = buildTestApp({
    ...(config ? { config } : {}),
    log,
    now: clock.now,
    wake: () => void wakes.count++,
    admin: { db, adminToken, staticFiles: adminStaticFiles, clientAddress: () => address },
  });
  const request = (path: string, init: RequestInit = {}) => app.handle(new Request(`${baseUrl}${path}`, init));
  return { app, request, clock, wakes };
}

/** Logs in through the form and returns the cookie header and the CSRF token of the session. */
export async function logIn(request: (path: string, init?: RequestInit) => Promise<Response>): Promise<{ cookie: string; csrf: string }> {
  const response = await request("/admin/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: adminToken }),
  });
  if (response.status !== 303) throw new Error(`login answered ${response.status}`);
  const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
  const page = await (await request("/admin/webhooks", { headers: { cookie, accept: "text/html" } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

export function storedEvent(eventId: string, overrides: Partial<NewEvent> = {}): NewEvent {
  const payload = { id: eventId, object: "event", type: overrides.eventType ?? "charge.succeeded", livemode: false, data: { object: {} } };
  const payloadJson = overrides.payloadJson ?? JSON.stringify(payload);
  return {
    source: "stripe",
    eventId,
    eventType: "charge.succeeded",
    payloadJson,
    body: new TextEncoder().encode(payloadJson),
    headers: { "content-type": "application/json" },
    secretIndex: 0,
    ...overrides,
  };
}

/** Stores events through the receive path's own writer; returns their row ids in order. */
export async function store(db: Database, events: NewEvent[]): Promise<string[]> {
  const outcomes = await writeBatch(db, events);
  return outcomes.map((o) => {
    if (o.status === "refused") throw new Error(o.detail);
    return o.id;
  });
}
