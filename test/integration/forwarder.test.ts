// The forwarder against a real local HTTP sink, on both stores (issue 10): deliveries arrive signed and
// byte for byte; a 4xx is kept with its response and retried; a destination that is down opens the
// breaker, nothing is lost, and every event arrives once it is back; an admin pause holds it back.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import type { Destination } from "../../src/destinations.ts";
import { startForwarder, type Forwarder } from "../../src/forward/forwarder.ts";
import { silentLogger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics.ts";
import { ensureDestinations, eventDeliveries, readDestinationStates, saveBreaker, setPaused } from "../../src/store/destinations.ts";
import { storeEvents } from "../support/queue.ts";
import { standardWebhookHeaders } from "../support/signing.ts";
import { freePort } from "../support/binary.ts";
import { createTestStore, storeKinds, type TestStore } from "../support/stores.ts";

const secret = "whsec_" + Buffer.from("forwarder-integration-secret-01").toString("base64");

type Received = { id: string; body: string; status: number };

/** A sink on a fixed port that answers `answer()` and remembers what it verified. */
function startSink(port: number, received: Received[], answer: () => number) {
  const verifier = new Webhook(secret);
  return Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(request) {
      const body = Buffer.from(await request.arrayBuffer());
      verifier.verify(body, standardWebhookHeaders(request.headers));
      const status = answer();
      received.push({ id: request.headers.get("webhook-id")!, body: body.toString(), status });
      return new Response(status >= 400 ? `no thanks (${status})` : "ok", { status });
    },
  });
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

for (const kind of storeKinds) {
  describe(`the forwarder on the ${kind} store`, () => {
    let store: TestStore;
    let forwarder: Forwarder | null = null;
    let sink: ReturnType<typeof Bun.serve> | null = null;
    const port = freePort();
    const destination: Destination = { name: "sink", url: `http://127.0.0.1:${port}/in`, secret, timeoutMs: 2_000, concurrency: 2, retryForHours: 1 };
    let metrics = createMetrics();
    const start = () =>
      startForwarder({
        db: store.db,
        destinations: [destination],
        instance: `fw-${kind}`,
        log: silentLogger,
        metrics: (metrics = createMetrics()),
        retryBaseMs: 10,
        pollIntervalMs: 50,
        coolDownMs: 200,
        gaugeIntervalMs: 50,
      });

    beforeAll(async () => {
      store = await createTestStore(kind);
    });
    afterEach(async () => {
      await forwarder?.stop(1_000);
      sink?.stop(true);
      forwarder = null;
      sink = null;
    });
    afterAll(() => store.close());

    test("a 4xx is kept with the start of the response and tried again; the next 2xx delivers it", async () => {
      const received: Received[] = [];
      let answers = [422, 200];
      sink = startSink(port, received, () => answers.shift() ?? 200);
      forwarder = await start();
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "invoice.paid", payload: { n: "4xx" }, forwardTo: ["sink"] }]);
      forwarder.wake();
      await until(async () => (await eventDeliveries(store.db, id!))[0]?.status === "processed", 10_000, "the delivery");
      const [delivery] = await eventDeliveries(store.db, id!);
      expect(delivery!.history.map((a) => [a.outcome, a.responseStatus, a.responseStart])).toEqual([
        ["failed", 422, "no thanks (422)"],
        ["processed", 200, "ok"],
      ]);
      expect(received.map((r) => r.body)).toEqual(['{"n":"4xx"}', '{"n":"4xx"}']);
      expect(new Set(received.map((r) => r.id)).size).toBe(1);
      answers = [];
    });

    test("while the destination is down the breaker opens and nothing is lost; back up, every event arrives", async () => {
      forwarder = await start();
      const ids = await storeEvents(
        store.db,
        "stripe",
        Array.from({ length: 12 }, (_, n) => ({ eventType: "x", payload: { n }, forwardTo: ["sink"] })),
      );
      forwarder.wake();
      await until(async () => ((await readDestinationStates(store.db, ["sink"]))[0]?.openUntil ?? null) !== null, 10_000, "the breaker to open");

      const received: Received[] = [];
      sink = startSink(port, received, () => 200);
      await until(async () => (await Promise.all(ids.map((id) => eventDeliveries(store.db, id)))).every(([d]) => d?.status === "processed"), 15_000, "every delivery");
      const bodies = new Set(received.map((r) => r.body));
      expect(bodies.size).toBe(12);
      expect(new Set(received.map((r) => r.id)).size).toBe(12);
      await until(async () => (await readDestinationStates(store.db, ["sink"]))[0]?.openUntil === null, 5_000, "the breaker to close");
      const [state] = await readDestinationStates(store.db, ["sink"]);
      expect(state).toMatchObject({ failuresInARow: 0, openUntil: null });
    });

    test("the destination's concurrency bounds the requests the app has in flight, and is used", async () => {
      // A slot is freed when the app answers, before the outcome is written: requests in flight at the
      // app must still never pass the destination's concurrency (2 here).
      let inFlight = 0;
      let most = 0;
      const seen = new Set<string>();
      sink = Bun.serve({
        port,
        hostname: "127.0.0.1",
        async fetch(request) {
          most = Math.max(most, ++inFlight);
          await request.arrayBuffer();
          await Bun.sleep(30);
          seen.add(request.headers.get("webhook-id")!);
          inFlight--;
          return new Response("ok");
        },
      });
      forwarder = await start();
      const ids = await storeEvents(store.db, "stripe", Array.from({ length: 12 }, (_, n) => ({ eventType: "x", payload: { n, c: "concurrency" }, forwardTo: ["sink"] })));
      forwarder.wake();
      await until(async () => (await Promise.all(ids.map((id) => eventDeliveries(store.db, id)))).every(([d]) => d?.status === "processed"), 15_000, "every delivery");
      expect(seen.size).toBe(12);
      expect(most).toBe(2);
    });

    test("an admin pause holds deliveries back until resumed", async () => {
      const received: Received[] = [];
      sink = startSink(port, received, () => 200);
      forwarder = await start();
      await setPaused(store.db, "sink", true, "deploying");
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: "paused" }, forwardTo: ["sink"] }]);
      forwarder.wake();
      await Bun.sleep(300);
      expect(received).toEqual([]);
      // What waits behind the pause shows in /metrics.
      expect(metrics.render()).toContain('hookport_forward_backlog{destination="sink",status="pending"} 1');
      await setPaused(store.db, "sink", false);
      forwarder.wake();
      await until(async () => (await eventDeliveries(store.db, id!))[0]?.status === "processed", 10_000, "the delivery after resume");
      expect(received.map((r) => r.body)).toEqual(['{"n":"paused"}']);
    });

    test("a breaker left open by the previous run stays open after a restart, then probes", async () => {
      const received: Received[] = [];
      sink = startSink(port, received, () => 200);
      await ensureDestinations(store.db, ["sink"]);
      await saveBreaker(store.db, "sink", { failuresInARow: 5, openUntil: new Date(Date.now() + 700), coolDownMs: 30_000 }, { ok: false, error: "HTTP 503" });
      forwarder = await start();
      const [id] = await storeEvents(store.db, "stripe", [{ eventType: "x", payload: { n: "restart" }, forwardTo: ["sink"] }]);
      forwarder.wake();
      await Bun.sleep(300);
      expect(received).toEqual([]);
      await until(async () => (await eventDeliveries(store.db, id!))[0]?.status === "processed", 10_000, "the probe");
      // The breaker's state is written after the delivery's completion commits: wait for it, then check it.
      await until(async () => (await readDestinationStates(store.db, ["sink"]))[0]?.openUntil === null, 5_000, "the breaker to close");
      expect((await readDestinationStates(store.db, ["sink"]))[0]).toMatchObject({ failuresInARow: 0, openUntil: null });
    });
  });
}
