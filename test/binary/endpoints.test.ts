// Named endpoints against the compiled binary and the source on Deno, on both stores: a HOOKPORT_CONFIG file with a Stripe and a
// Standard Webhooks endpoint, deliveries signed by the senders' own libraries and by `hookport send`,
// each stored under its endpoint's name and found by it through the admin API.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { killLeftovers, launchers, makeSandbox, runCommand, startService, waitReady, type Launcher, type Sandbox, type Service } from "../support/binary.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";

const slow = 60_000;
const adminToken = "binary-endpoints-admin-token-0001";
const billingSecret = "whsec_billing_account_signing_secret_01";
const clerkSecret = "whsec_" + Buffer.from("clerk-binary-test-signing-secret").toString("base64");
const config = `{
  // Secrets come from the environment; this file holds none.
  "endpoints": {
    "billing": { "kind": "stripe", "secrets": ["\${BILLING_SECRET}"] },
    "clerk": { "kind": "standard-webhooks", "secrets": ["\${CLERK_SECRET}"], "tolerance_seconds": 120 },
  },
}`;
const env = { HOOKPORT_CONFIG: "hookport.jsonc", BILLING_SECRET: billingSecret, CLERK_SECRET: clerkSecret, ADMIN_TOKEN: adminToken, WORKERS: "1" };
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function post(url: string, headers: Record<string, string>, body: string) {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function describeEndpoints(label: string, launcher: Launcher, extraEnv: () => Record<string, string>) {
  let box: Sandbox;
  let service: Service;
  const api = async (query: string) =>
    (await (await fetch(`${service.url}/admin/api/webhooks${query}`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
      items: { source: string; eventId: string; eventType: string }[];
    };

  beforeAll(async () => {
    box = makeSandbox(launcher);
    writeFileSync(join(box.dir, "hookport.jsonc"), config);
    service = startService(box, { ...env, ...extraEnv() });
    await waitReady(service, performance.now());
  }, slow);
  afterAll(() => {
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test(`${label}: deliveries signed by Stripe's SDK and the standardwebhooks package are stored under their endpoint's name`, async () => {
    const stripeBody = sampleStripeEvent("invoice.paid", { now: nowSeconds() });
    const stripeHeader = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: stripeBody, secret: billingSecret, timestamp: nowSeconds() });
    const stripeHeaders = { "content-type": "application/json", "stripe-signature": stripeHeader };
    expect(await post(`${service.url}/webhooks/billing`, stripeHeaders, stripeBody)).toEqual({ status: 200, body: { status: "received", id: JSON.parse(stripeBody).id } });
    expect(await post(`${service.url}/webhooks/billing`, stripeHeaders, stripeBody)).toMatchObject({ status: 200, body: { status: "duplicate" } });

    const clerkBody = JSON.stringify({ type: "user.created", timestamp: new Date().toISOString(), data: { id: "user_2bin" } });
    const id = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    const signature = new Webhook(clerkSecret).sign(id, new Date(nowSeconds() * 1000), clerkBody);
    const clerkHeaders = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(nowSeconds()), "webhook-signature": signature };
    expect(await post(`${service.url}/webhooks/clerk`, clerkHeaders, clerkBody)).toEqual({ status: 200, body: { status: "received", id } });

    // One endpoint's signature is no good at the other; an unknown name is a 404.
    expect(await post(`${service.url}/webhooks/clerk`, stripeHeaders, stripeBody)).toMatchObject({ status: 400, body: { reason: "missing-signature" } });
    expect((await fetch(`${service.url}/webhooks/stripe`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`${service.url}/webhooks/%ZZ`, { method: "POST", body: "{}" })).status).toBe(404);

    expect((await api("?source=clerk")).items.map((i) => [i.source, i.eventId, i.eventType])).toEqual([["clerk", id, "user.created"]]);
    expect((await api("?source=billing")).items.map((i) => [i.source, i.eventType])).toEqual([["billing", "invoice.paid"]]);
  }, slow);

  test(`${label}: hookport send signs for each endpoint's kind`, async () => {
    for (const [name, type] of [["billing", "customer.created"], ["clerk", "session.created"]] as const) {
      const sent = await runCommand(box, ["send", name, type, "--url", service.url], { ...env, ...extraEnv() });
      expect({ code: sent.code, stderr: sent.stderr }).toEqual({ code: 0, stderr: "" });
      expect(sent.stdout).toContain('"status":"received"');
    }
    expect((await api("?source=clerk&type=session.created")).items).toHaveLength(1);
    expect((await api("?source=billing&type=customer.created")).items).toHaveLength(1);
  }, slow);
}

describe.each(launchers)("$name with a HOOKPORT_CONFIG file, embedded store", (launcher) => {
  describeEndpoints(`${launcher.runtime} embedded`, launcher, () => ({}));
});

describe.skipIf(!testDatabaseUrl).each(launchers)("$name with a HOOKPORT_CONFIG file, PostgreSQL", (launcher) => {
  let databaseUrl = "";
  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });
  describeEndpoints(`${launcher.runtime} postgres`, launcher, () => ({ DATABASE_URL: databaseUrl }));
});

describe.each(launchers)("$name refuses a wrong HOOKPORT_CONFIG at start-up", (launcher) => {
  let box: Sandbox;
  beforeAll(() => {
    box = makeSandbox(launcher);
  });
  afterAll(() => {
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test("every problem names the file, the endpoint and the key, and no secret is echoed", async () => {
    writeFileSync(join(box.dir, "bad.jsonc"), `{"endpoints": {"clerk": {"kind": "standard-webhooks", "secrets": ["\${CLERK_SECRET}"], "tolerance": 5}}}`);
    const result = await runCommand(box, ["serve"], { HOOKPORT_CONFIG: "bad.jsonc", CLERK_SECRET: "whsec_short" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.jsonc: endpoint "clerk", key "secrets": ${CLERK_SECRET} secret #1 must be');
    expect(result.stderr).toContain('bad.jsonc: endpoint "clerk", key "tolerance": unknown key');
    expect(result.stderr).not.toContain("whsec_short");
    const missing = await runCommand(box, ["serve"], { HOOKPORT_CONFIG: "nowhere.jsonc" });
    expect({ code: missing.code, stderr: missing.stderr.trim() }).toEqual({ code: 2, stderr: expect.stringContaining("HOOKPORT_CONFIG: cannot read nowhere.jsonc (ENOENT)") });
  }, slow);
});
