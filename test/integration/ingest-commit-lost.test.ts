// Issue 11: the ingest statement can commit on the server while the PostgreSQL connection dies before the
// answer arrives. Every request of that batch was answered 503, and every retry of its new events found
// the row and was answered duplicate: none was ever answered received. A TCP proxy in front of PostgreSQL
// (test/support/tcp-proxy.ts) drops the connection right after such a commit, before its answer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createMetrics } from "../../src/metrics.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import type { Database } from "../../src/store/db.ts";
import { createEventWriter } from "../../src/store/events.ts";
import { openPostgres } from "../../src/store/postgres.ts";
import { baseUrl, buildTestApp } from "../support/app.ts";
import { stripeRequest } from "../support/signing.ts";
import { createTestStore, testDatabaseUrl, type TestStore } from "../support/stores.ts";
import { startTcpProxy, throughProxy, type TcpProxy } from "../support/tcp-proxy.ts";

describe.skipIf(!testDatabaseUrl)("a commit whose answer the PostgreSQL connection lost", () => {
  let store: TestStore;
  let proxy: TcpProxy;
  let viaProxy: Database;
  beforeAll(async () => {
    store = await createTestStore("postgres");
    const target = new URL(store.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    viaProxy = openPostgres({ url: throughProxy(store.url!, proxy), applicationName: "hookport-test-commit-lost", maxConnections: 4 });
  });
  afterAll(async () => {
    await viaProxy?.close();
    await proxy?.close();
    await store?.close();
  }, 30_000);

  test("each new event of the batch is answered received exactly once, by the batch or by its retry", async () => {
    const metrics = createMetrics();
    const { app } = buildTestApp({ writer: createEventWriter(viaProxy), metrics, storeTimeoutMs: 5_000 });
    const prefix = `evt_lost_${crypto.randomUUID().slice(0, 8)}_`;
    const bodies = Array.from({ length: 8 }, (_, i) => {
      const event = JSON.parse(sampleStripeEvent("checkout.session.completed", { now: Math.floor(Date.now() / 1000) }));
      return JSON.stringify({ ...event, id: `${prefix}${i}` });
    });
    const deliver = async (body: string) => {
      const response = await app.handle((await stripeRequest(baseUrl, "checkout.session.completed", { body })).request);
      const answer = (await response.json()) as { status?: string };
      return response.status === 200 ? answer.status! : String(response.status);
    };
    const cut = proxy.cutAfterCommit(prefix);
    const first = await Promise.all(bodies.map(deliver));
    await cut;
    const retries = await Promise.all(bodies.map(deliver));
    const stored = await store.db.query<{ n: number }>("select count(*)::int as n from hookport_events where event_id like $1", [`${prefix}%`]);
    expect(stored[0]!.n).toBe(bodies.length);
    const received = bodies.map((_, i) => [first[i], retries[i]].filter((s) => s === "received").length);
    expect({ received, retries: retries.filter((s) => s !== "received" && s !== "duplicate") }).toEqual({ received: bodies.map(() => 1), retries: [] });
    expect(metrics.render()).toContain(`hookport_events_received_total{source="stripe",status="received"} ${bodies.length}`);
  }, 30_000);
});
