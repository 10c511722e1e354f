// Issue 8 against the compiled binary, on both stores: a Stripe capture replayed behind a fresh t=, and
// signed bodies with a BOM put in front, are refused; nothing of them is stored (the same event sent
// properly afterwards is "received", not "duplicate"). Signatures come from the senders' own libraries.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import Stripe from "stripe";
import { killLeftovers, makeSandbox, runCommand, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { githubRequest, githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";
import { createTestDatabase, dropTestDatabase, testDatabaseUrl } from "../support/stores.ts";

const slow = 60_000;
const secrets = { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, WORKERS: "1" };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const bom = new Uint8Array([0xef, 0xbb, 0xbf]);

async function post(url: string, headers: Headers | Record<string, string>, body: string | Uint8Array<ArrayBuffer>) {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, nosniff: response.headers.get("x-content-type-options"), body: (await response.json()) as Record<string, unknown> };
}

function describeForgeries(label: string, env: () => Record<string, string>) {
  let box: Sandbox;
  let service: Service;
  beforeAll(async () => {
    box = makeSandbox();
    service = startService(box, env());
    await waitReady(service, performance.now());
  }, slow);
  afterAll(() => {
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test(`${label}: a Stripe capture replayed an hour later behind a fresh t= is refused and not stored`, async () => {
    const captured = await stripeRequest(service.url, "checkout.session.completed", { now: nowSeconds() - 3_600 });
    const signature = captured.request.headers.get("stripe-signature")!;
    const v1 = signature.split(",").find((p) => p.startsWith("v1="))!;
    for (const forged of [`t=${nowSeconds()},${signature}`, `${v1}, t=${nowSeconds()},t=${nowSeconds() - 3_600}`]) {
      const headers = new Headers(captured.request.headers);
      headers.set("stripe-signature", forged);
      expect(await post(captured.request.url, headers, captured.body)).toMatchObject({ status: 400, nosniff: "nosniff", body: { reason: "bad-signature" } });
    }
    // Stripe's SDK signs the same event afresh: it was never stored, so it is received now.
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: captured.body, secret: stripeSecret, timestamp: nowSeconds() });
    expect(await post(captured.request.url, { "content-type": "application/json", "stripe-signature": header }, captured.body)).toMatchObject({
      status: 200,
      body: { status: "received", id: captured.eventId },
    });
  }, slow);

  test(`${label}: a BOM put in front of a signed Stripe or GitHub body is refused and not stored`, async () => {
    const stripe = await stripeRequest(service.url);
    const github = await githubRequest(service.url, "push");
    for (const { request, body } of [stripe, github]) {
      const forged = new Uint8Array([...bom, ...new TextEncoder().encode(body)]);
      expect(await post(request.url, request.headers, forged)).toMatchObject({ status: 400, body: { reason: "bad-signature" } });
    }
    expect(await post(stripe.request.url, stripe.request.headers, stripe.body)).toMatchObject({ status: 200, body: { status: "received", id: stripe.eventId } });
    expect(await post(github.request.url, github.request.headers, github.body)).toMatchObject({ status: 200, body: { status: "received", id: github.eventId } });
  }, slow);

  test(`${label}: a signed body of only a BOM is a 400, and the service stays up`, async () => {
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: "\uFEFF", secret: stripeSecret, timestamp: nowSeconds() });
    const answer = await post(`${service.url}/webhooks/stripe`, { "content-type": "application/json", "stripe-signature": header }, "\uFEFF");
    expect(answer).toMatchObject({ status: 400, body: { reason: "bad-body" } });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  }, slow);
}

describe("dist/hookport refuses forged and replayed deliveries, embedded store", () => {
  // DATA_DIR defaults to ./data in the sandbox, the binary's working folder.
  describeForgeries("embedded", () => secrets);
});

describe.skipIf(!testDatabaseUrl)("dist/hookport refuses forged and replayed deliveries, PostgreSQL", () => {
  let databaseUrl = "";
  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });
  afterAll(async () => {
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });
  describeForgeries("postgres", () => ({ ...secrets, DATABASE_URL: databaseUrl }));
});

describe("dist/hookport refuses weak secrets at start-up", () => {
  let box: Sandbox;
  beforeAll(() => {
    box = makeSandbox();
  });
  afterAll(() => {
    killLeftovers();
    for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test('"whsec_" alone, a 1-character GitHub secret and an ADMIN_TOKEN with spaces each stop start-up, named, never echoed', async () => {
    const weak = { STRIPE_WEBHOOK_SECRET: "whsec_", GITHUB_WEBHOOK_SECRET: "g", ADMIN_TOKEN: "my admin token is long enough" };
    const result = await runCommand(box, ["serve"], weak);
    expect(result.code).not.toBe(0);
    for (const name of ["STRIPE_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET", "ADMIN_TOKEN"]) expect(result.stderr).toContain(name);
    expect(result.stderr + result.stdout).not.toContain("my admin token");
  }, slow);
});
