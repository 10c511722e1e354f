// Forwarding against the compiled binary and the source on Deno (issue 10), the local-development
// story: hookport forwards to an app on 127.0.0.1 (here a sink that verifies hookport's signature with
// the standardwebhooks package and compares the bytes); the app stops, events keep coming, the app comes
// back on the same port, and every event arrives, once per webhook-id, byte for byte.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { freePort, killLeftovers, launchers, makeSandbox, runCommand, startService, waitReady, type Launcher, type Sandbox, type Service } from "../support/binary.ts";
import { standardWebhookHeaders } from "../support/signing.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";

const slow = 90_000;
const adminToken = "binary-forwarding-admin-token-01";
const stripeSecret = "whsec_forwarding_binary_stripe_secret";
const appSecret = "whsec_" + Buffer.from("the-apps-secret-for-hookport-forwarding").toString("base64");
// Quick retries and a short breaker cool-down, so the test waits seconds, not the production 30 s.
const fast = { RETRY_BASE_MS: "50", POLL_INTERVAL_MS: "100", HOOKPORT_FORWARD_COOLDOWN_MS: "300", WORKERS: "1", ADMIN_TOKEN: adminToken };
const nowSeconds = () => Math.floor(Date.now() / 1000);

type Arrival = { id: string; eventId: string; body: string };

/** The app: verifies every request as an app would, and remembers what came. */
function startSink(port: number, arrivals: Arrival[]) {
  const verifier = new Webhook(appSecret);
  return Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(request) {
      const body = Buffer.from(await request.arrayBuffer());
      try {
        verifier.verify(body, standardWebhookHeaders(request.headers));
      } catch {
        return new Response("bad signature", { status: 400 });
      }
      arrivals.push({ id: request.headers.get("webhook-id")!, eventId: request.headers.get("x-hookport-event-id")!, body: body.toString("utf8") });
      return new Response(null, { status: 204 });
    },
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

async function sendStripe(service: Service, n: number): Promise<Map<string, string>> {
  const sent = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    // Pretty-printed on purpose: the app must get these bytes, not a re-serialisation.
    const body = JSON.stringify(JSON.parse(sampleStripeEvent("checkout.session.completed", { now: nowSeconds() })), null, 2);
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret: stripeSecret, timestamp: nowSeconds() });
    const response = await fetch(`${service.url}/webhooks/billing`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": header }, body });
    expect(response.status).toBe(200);
    sent.set(JSON.parse(body).id, body);
  }
  return sent;
}

function describeForwarding(label: string, launcher: Launcher, extraEnv: () => Record<string, string>) {
  let box: Sandbox;
  let service: Service;
  const port = freePort();
  const arrivals: Arrival[] = [];
  let sink: ReturnType<typeof startSink> | null = null;

  beforeAll(async () => {
    box = makeSandbox(launcher);
    writeFileSync(
      join(box.dir, "hookport.jsonc"),
      `{
        "destinations": { "app": { "url": "http://127.0.0.1:${port}/webhooks", "secret": "\${APP_SECRET}", "timeout_ms": 2000 } },
        "endpoints": { "billing": { "kind": "stripe", "secrets": ["\${BILLING_SECRET}"], "forward": [{ "types": ["checkout.session.*"], "to": ["app"] }] } },
      }`,
    );
    sink = startSink(port, arrivals);
    service = startService(box, { HOOKPORT_CONFIG: "hookport.jsonc", BILLING_SECRET: stripeSecret, APP_SECRET: appSecret, ...fast, ...extraEnv() });
    await waitReady(service, performance.now());
  }, slow);
  afterAll(() => {
    sink?.stop(true);
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test(`${label}: the app gets every event once per webhook-id, byte for byte, signed, across its own restart`, async () => {
    const sent = await sendStripe(service, 5);
    await until(() => arrivals.length >= 5, "the first five deliveries");

    // The app goes down; events keep coming and are acknowledged to the sender.
    sink!.stop(true);
    sink = null;
    for (const [eventId, body] of await sendStripe(service, 20)) sent.set(eventId, body);
    const destinations = async () =>
      ((await (await fetch(`${service.url}/admin/api/destinations`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
        items: { name: string; state: string; failuresInARow: number; backlog: Record<string, number> }[];
      }).items;
    await until(async () => (await destinations())[0]!.failuresInARow >= 5, "the breaker to count the app's absence");
    expect(arrivals).toHaveLength(5);

    // Back on the same port: everything kept is delivered.
    sink = startSink(port, arrivals);
    await until(() => new Set(arrivals.map((a) => a.id)).size >= sent.size, `all ${sent.size} events at the app`);
    await Bun.sleep(500); // anything sent twice would show now

    const byId = new Map<string, Arrival[]>();
    for (const a of arrivals) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
    expect(byId.size).toBe(sent.size);
    expect([...byId.values()].filter((copies) => copies.length !== 1)).toEqual([]);
    for (const [eventId, body] of sent) {
      const copies = arrivals.filter((a) => a.eventId === eventId);
      expect(copies.map((a) => a.body)).toEqual([body]);
    }
    const [app] = await destinations();
    expect(app).toMatchObject({ name: "app", state: "closed", failuresInARow: 0, backlog: { pending: 0, failed: 0, dead: 0, processing: 0 } });
  }, slow);

  test(`${label}: hookport replay --target app delivers one event again, with the same webhook-id`, async () => {
    const env = { HOOKPORT_CONFIG: "hookport.jsonc", BILLING_SECRET: stripeSecret, APP_SECRET: appSecret, ADMIN_TOKEN: adminToken };
    const page = (await (await fetch(`${service.url}/admin/api/webhooks?type=checkout.session.completed&limit=1`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
      items: { id: string; eventId: string }[];
    };
    const [event] = page.items;
    const first = arrivals.find((a) => a.eventId === event!.eventId)!;
    const before = arrivals.length;
    const replayed = await runCommand(box, ["replay", event!.id, "--target", "app", "--url", service.url], env);
    expect({ code: replayed.code, stdout: replayed.stdout.trim() }).toEqual({ code: 0, stdout: `202 {"status":"queued","id":"${event!.id}"}` });
    await until(() => arrivals.length > before, "the replayed delivery");
    expect(arrivals.slice(before)).toEqual([{ ...first }]);
    const wrong = await runCommand(box, ["replay", event!.id, "--target", "nowhere", "--url", service.url], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("target must be one of handler, app");
  }, slow);

  test(`${label}: an event type no rule names is stored and handled, not forwarded`, async () => {
    const before = arrivals.length;
    const sent = await runCommand(box, ["send", "billing", "invoice.paid", "--url", service.url], { HOOKPORT_CONFIG: "hookport.jsonc", BILLING_SECRET: stripeSecret, APP_SECRET: appSecret });
    expect(sent.stdout).toContain('"status":"received"');
    await Bun.sleep(500);
    expect(arrivals.length).toBe(before);
  }, slow);
}

describe.each(launchers)("$name forwarding, embedded store", (launcher) => {
  describeForwarding(`${launcher.runtime} embedded`, launcher, () => ({}));
});

describe.skipIf(!testDatabaseUrl).each(launchers)("$name forwarding, PostgreSQL", (launcher) => {
  let databaseUrl = "";
  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });
  describeForwarding(`${launcher.runtime} postgres`, launcher, () => ({ DATABASE_URL: databaseUrl }));
});

describe.each(launchers)("$name forwarding with FORWARD_URL only", (launcher) => {
  let box: Sandbox;
  const port = freePort();
  const arrivals: Arrival[] = [];
  let sink: ReturnType<typeof startSink>;
  beforeAll(() => {
    box = makeSandbox(launcher);
    sink = startSink(port, arrivals);
  });
  afterAll(() => {
    sink.stop(true);
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test(`${launcher.runtime}: every event of every endpoint goes to FORWARD_URL; without FORWARD_SECRET it refuses to start`, async () => {
    const env = { STRIPE_WEBHOOK_SECRET: stripeSecret, FORWARD_URL: `http://127.0.0.1:${port}/`, ...fast };
    const refused = await runCommand(box, ["serve"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("FORWARD_SECRET must be set with FORWARD_URL");

    const service = startService(box, { ...env, FORWARD_SECRET: appSecret });
    await waitReady(service, performance.now());
    const sent = await runCommand(box, ["send", "stripe", "customer.created", "--url", service.url], { ...env, FORWARD_SECRET: appSecret });
    expect(sent.stdout).toContain('"status":"received"');
    await until(() => arrivals.length === 1, "the delivery");
    expect(JSON.parse(arrivals[0]!.body)).toMatchObject({ type: "customer.created" });
  }, slow);
});
