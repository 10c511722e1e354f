// The service must survive PostgreSQL going away under load: answer 503 while it is gone, 200 again once
// it is back, never exit. Before scripts/patch-postgres.mjs it exited (code 1) with an uncaught TypeError
// from postgres.js (porsager/postgres#1208). PostgreSQL is taken away by a TCP proxy in front of the
// shared server (test/support/tcp-proxy.ts), never by stopping it.
//
// It also found two store faults, fixed with it: postgres.js's own error codes (CONNECTION_CLOSED,
// ECONNRESET) were taken for SQLSTATEs, so a dropped connection was answered 400 "PostgreSQL refused the
// event" instead of 503; and a held transaction whose connection died before commit left an unhandled
// rejection that ended the service.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { killLeftovers, launchers, makeSandbox, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { rawRequest, sendThenHangUp } from "../support/raw-http.ts";
import { githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";
import { startTcpProxy, throughProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const rounds = 4;

describe.skipIf(!testDatabaseUrl).each(launchers)("$name, PostgreSQL cut under load", (launcher) => {
  let box: Sandbox;
  let databaseUrl: string;
  let proxy: TcpProxy;
  let service: Service;

  beforeAll(async () => {
    box = makeSandbox(launcher);
    databaseUrl = await createTestDatabase();
    const target = new URL(databaseUrl);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const started = performance.now();
    service = startService(box, { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, DATABASE_URL: throughProxy(databaseUrl, proxy), WORKERS: "1" });
    await waitReady(service, started);
  }, 60_000);

  afterAll(async () => {
    killLeftovers();
    await proxy?.close();
    if (databaseUrl) await dropTestDatabase(databaseUrl);
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const errors: string[] = [];
  const deliver = async () => {
    const { request } = await stripeRequest(service.url);
    return fetch(request).then((r) => r.status, (err: Error) => (errors.push(`${err.name}: ${err.message} ${(err as { code?: string }).code ?? ""}`), 0));
  };

  // Issue 11: a sender (or its proxy) with a shorter timeout than ours hangs up while the write waits; the write
  // then commits as `received`, but that answer goes nowhere. The write is held by a table lock taken here,
  // which is released only once the sender is gone.
  test("a sender that hangs up while its event is stored: its retry is answered received, the next duplicate", async () => {
    const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
    try {
      // A minimal event: Deno 2.9 reports a hang-up (aborts request.signal) only for a body under about 400
      // bytes (measured; runtime/deno.ts). Bun reports it for any body.
      const eventId = `evt_hangup_${crypto.randomUUID().replaceAll("-", "")}`;
      const body = JSON.stringify({ id: eventId, object: "event", type: "customer.created", data: { object: { id: "cus_hangup", object: "customer" } } });
      const signed = async () => {
        const headers = await signStripe(body, stripeSecret, Math.floor(Date.now() / 1000));
        return rawRequest("POST /webhooks/stripe HTTP/1.1", [`Host: 127.0.0.1:${new URL(service.url).port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)], body);
      };
      const counted = async () => {
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const count = (status: string) => Number(new RegExp(`hookport_events_received_total\\{source="stripe",status="${status}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
        return { received: count("received"), duplicate: count("duplicate") };
      };
      const before = await counted();
      let heard = "";
      await sql.begin(async (tx) => {
        await tx`lock table hookport_events in share mode`;
        const sender = await sendThenHangUp(Number(new URL(service.url).port), await signed());
        const deadline = performance.now() + 10_000;
        const waiting = () => sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'with v(%'`.then((r) => r.length > 0);
        while (!(await waiting()) && performance.now() < deadline) await Bun.sleep(20);
        heard = sender.hangUp();
        // The runtime sees the hang-up within a few milliseconds (measured on Bun and Deno); the lock holds the write until then.
        await Bun.sleep(300);
      });
      const logged = performance.now() + 5_000;
      while (!service.stdout().includes("event stored after its sender hung up") && performance.now() < logged) await Bun.sleep(20);
      const retry = async () => {
        const response = await fetch(`${service.url}/webhooks/stripe`, { method: "POST", headers: await signStripe(body, stripeSecret, Math.floor(Date.now() / 1000)), body });
        return { status: response.status, body: await response.json() };
      };
      expect(heard).toBe("");
      expect(await retry()).toEqual({ status: 200, body: { status: "received", id: eventId } });
      expect(await retry()).toEqual({ status: 200, body: { status: "duplicate", id: eventId } });
      const after = await counted();
      expect({ received: after.received - before.received, duplicate: after.duplicate - before.duplicate }).toEqual({ received: 1, duplicate: 1 });
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 60_000);

  test("answers 503 while PostgreSQL is cut, 200 once it is back, and stays up", async () => {
    const seen = new Map<number, number>();
    for (let round = 0; round < rounds; round++) {
      let loading = true;
      // Eight senders keep writes in flight on every pooled connection when the cut lands.
      const senders = Array.from({ length: 8 }, async () => {
        while (loading) {
          const status = await deliver();
          seen.set(status, (seen.get(status) ?? 0) + 1);
        }
      });
      await Bun.sleep(300);
      proxy.cut();
      await Bun.sleep(1500);
      const whileCut = await deliver();
      proxy.restore();
      loading = false;
      await Promise.all(senders);
      expect({ round, whileCut, errors: whileCut === 503 ? [] : errors.slice(-2), exit: service.proc.exitCode, log: service.proc.exitCode === null ? "" : service.stderr().split("\n").filter((l) => !l.startsWith("{")).slice(-30).join("\n") }).toEqual({ round, whileCut: 503, errors: [], exit: null, log: "" });
      let back = 0;
      const deadline = performance.now() + 20_000;
      while (back !== 200 && performance.now() < deadline) {
        back = await deliver();
        if (back !== 200) await Bun.sleep(200);
      }
      expect({ round, back, exitCode: service.proc.exitCode }).toEqual({ round, back: 200, exitCode: null });
    }
    expect(service.stderr() + service.stdout()).not.toContain("TypeError");
    // Only stored (200) or refused for the outage (503): never a 500, never a dropped connection (0).
    expect([...seen.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(seen.get(503)).toBeGreaterThan(0);
  }, 120_000);
});
