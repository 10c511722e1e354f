// The built-in handlers build their statements once per Drizzle instance (a worker thread's lives as long as
// the thread) and then only fill in values: building one cost 30–100 µs of a handler thread's CPU per event.
import { describe, expect, test } from "bun:test";
import { drizzle } from "drizzle-orm/pg-proxy";
import { builtinHandlers } from "../../src/handlers/index.ts";
import { dispatch } from "../../src/handlers/registry.ts";
import { silentLogger } from "../../src/log.ts";
import type { Orm } from "../../src/store/db.ts";
import { schema } from "../../src/store/schema.ts";

const created = 1_767_225_600;
const events: [source: string, type: string, payload: (n: number) => object][] = [
  ["stripe", "checkout.session.completed", (n) => ({ id: `evt_${n}`, type: "checkout.session.completed", created: created + n, data: { object: { id: `cs_${n}` } } })],
  ["stripe", "customer.subscription.updated", (n) => ({ id: `evt_${n}`, type: "customer.subscription.updated", created, data: { object: { id: `sub_${n}`, customer: "cus_1", status: "active", current_period_end: created, canceled_at: null } } })],
  ["stripe", "invoice.payment_failed", (n) => ({ id: `evt_${n}`, type: "invoice.payment_failed", created, data: { object: { id: `in_${n}`, customer: "cus_1", subscription: "sub_1", amount_due: 100, currency: "usd", attempt_count: n } } })],
  ["github", "push", (n) => ({ ref: "refs/heads/main", repository: { full_name: "acme/shop" }, head_commit: { id: `c${n}`, message: "m" }, pusher: { name: "p" }, commits: [] })],
  ["github", "pull_request", (n) => ({ action: "opened", repository: { full_name: "acme/shop" }, pull_request: { number: n, title: "t", state: "open", merged: false, updated_at: "2026-01-01T00:00:00Z" } })],
];

/** A worker thread's kind of Drizzle instance, counting the query builders handlers start on it. */
function countingOrm() {
  const statements: { sql: string; params: unknown[] }[] = [];
  const orm = drizzle(async (sql, params, method) => {
    statements.push({ sql, params });
    return { rows: method === "all" ? [[true, true]] : [] };
  }, { schema }) as unknown as Orm;
  let built = 0;
  const builders = new Set(["select", "insert", "update", "delete", "with", "$with"]);
  const tx = new Proxy(orm, {
    get(target, key, receiver) {
      if (typeof key === "string" && builders.has(key)) built++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { tx, statements, built: () => built };
}

describe("built-in handlers prepare their statements", () => {
  for (const [source, type, payload] of events) {
    test(`${source} ${type}: the second event builds nothing and sends the same text with its own values`, async () => {
      const { tx, statements, built } = countingOrm();
      const run = (n: number) =>
        dispatch(builtinHandlers, source, payload(n), { tx, log: silentLogger, event: { id: "0", source, eventId: `d${n}`, eventType: type, attempt: 1 }, note: () => {} });
      await run(1);
      const first = statements.splice(0);
      expect(first.length).toBeGreaterThan(0);
      expect(built()).toBeGreaterThan(0);
      const builtFirst = built();
      await run(2);
      expect(built()).toBe(builtFirst);
      expect(statements.map((s) => s.sql)).toEqual(first.map((s) => s.sql));
      expect(statements.map((s) => s.params)).not.toEqual(first.map((s) => s.params));
    });
  }
});
