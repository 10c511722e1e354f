// Named endpoints through app.handle(): one config file with an endpoint of every kind (and two Stripe
// accounts), signed by each sender's signer, stored under the endpoint's name, filtered by it in the API.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig, type Config } from "../../src/config.ts";
import { signSample } from "../../src/providers/sign-sample.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { adminStaticFiles } from "../../src/runtime.ts";
import { createEventWriter } from "../../src/store/events.ts";
import { baseUrl, buildTestApp, recordingLogger } from "../support/app.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";

const adminToken = "admin-token-for-endpoint-tests-01";
const env = {
  STRIPE_EU_SECRET: "whsec_eu_account_signing_secret_000000",
  STRIPE_US_SECRET: "whsec_us_account_signing_secret_000000",
  CLERK_SECRET: "whsec_" + Buffer.from("clerk-standard-webhooks-secret!!").toString("base64"),
  SHOPIFY_SECRET: "shopify-app-client-secret-0000",
  SLACK_SECRET: "8f742231b10e8888abcd99yyyzzz85a5",
  ACME_SECRET: "acme-generic-hmac-secret-0000",
};
const file = `{
  // Every kind hookport knows, and two Stripe accounts.
  "endpoints": {
    "stripe-eu": { "kind": "stripe", "secrets": ["\${STRIPE_EU_SECRET}"] },
    "stripe-us": { "kind": "stripe", "secrets": ["\${STRIPE_US_SECRET}"] },
    "gh": { "kind": "github", "secrets": ["github-literal-secret-00"] },
    "clerk": { "kind": "standard-webhooks", "secrets": ["\${CLERK_SECRET}"] },
    "shop": { "kind": "shopify", "secrets": ["\${SHOPIFY_SECRET}"] },
    "slack": { "kind": "slack", "secrets": ["\${SLACK_SECRET}"] },
    "acme": {
      "kind": "generic-hmac", "secrets": ["\${ACME_SECRET}"],
      "header": "X-Acme-Signature", "prefix": "sha256=", "event_id": "header:X-Acme-Delivery", "event_type": "json:/type",
      "timestamp_header": "X-Acme-Timestamp", "signed": "{timestamp}.{body}",
    },
  },
}`;

function fileConfig(): Config {
  const result = parseConfig(env, { path: "hookport.jsonc", text: file });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

describe("named endpoints from HOOKPORT_CONFIG", () => {
  let store: TestStore;
  let app: ReturnType<typeof buildTestApp>["app"];
  const config = fileConfig();
  const { log, lines } = recordingLogger();
  const post = async (name: string, signed: { body: string; headers: Record<string, string> }) => {
    const response = await app.handle(new Request(`${baseUrl}/webhooks/${name}`, { method: "POST", headers: signed.headers, body: signed.body }));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const sign = (name: string, type: string, secretOf = name) => {
    const endpoint = config.endpoints.find((e) => e.name === name)!;
    const secret = config.endpoints.find((e) => e.name === secretOf)!.secrets[0]!;
    return signSample(endpoint.provider.kind, endpoint.options, type, secret, Math.floor(Date.now() / 1000));
  };

  beforeAll(async () => {
    store = await createTestStore("embedded");
    ({ app } = buildTestApp({ config, log, writer: createEventWriter(store.db), admin: { db: store.db, adminToken, staticFiles: adminStaticFiles } }));
  });
  afterAll(() => store.close());

  const types: Record<string, string> = {
    "stripe-eu": "invoice.paid",
    "stripe-us": "charge.refunded",
    gh: "push",
    clerk: "user.created",
    shop: "orders/create",
    slack: "app_mention",
    acme: "order.shipped",
  };
  for (const [name, type] of Object.entries(types)) {
    test(`${name}: a signed delivery is received once, stored under the endpoint's name, then duplicate`, async () => {
      const signed = await sign(name, type);
      const first = await post(name, signed);
      expect(first).toMatchObject({ status: 200, body: { status: "received" } });
      expect(await post(name, signed)).toMatchObject({ status: 200, body: { status: "duplicate", id: first.body.id } });
      const rows = await store.db.query<{ source: string; event_type: string }>("select source, event_type from webhook_events where event_id = $1", [first.body.id]);
      expect(rows).toEqual([{ source: name, event_type: type }]);
    });

    test(`${name}: a delivery signed with a secret the endpoint does not hold is a 400 with a reason and a log line`, async () => {
      const endpoint = config.endpoints.find((e) => e.name === name)!;
      const wrong = { stripe: env.STRIPE_US_SECRET, "standard-webhooks": "whsec_" + Buffer.from("not-the-endpoint-secret-0123456").toString("base64") }[endpoint.provider.kind];
      const signed = await signSample(endpoint.provider.kind, endpoint.options, type, wrong ?? "not-the-endpoint-secret-0123456", Math.floor(Date.now() / 1000));
      const target = name === "stripe-us" ? "stripe-eu" : name; // each Stripe account refuses the other's signature
      expect(await post(target, signed)).toMatchObject({ status: 400, body: { reason: "bad-signature" } });
      expect(lines.some((l) => l.includes('"webhook refused"') && l.includes(`"source":"${target}"`) && l.includes("bad-signature"))).toBe(true);
    });
  }

  test("two Stripe accounts are two endpoints: one event id is stored once per account", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = sampleStripeEvent("customer.created", { now });
    for (const name of ["stripe-eu", "stripe-us"]) {
      const secret = config.endpoints.find((e) => e.name === name)!.secrets[0]!;
      expect(await post(name, { body, headers: await signStripe(body, secret, now) })).toMatchObject({ status: 200, body: { status: "received" } });
    }
    const rows = await store.db.query<{ source: string }>("select source from webhook_events where event_id = $1 order by source", [JSON.parse(body).id]);
    expect(rows.map((r) => r.source)).toEqual(["stripe-eu", "stripe-us"]);
  });

  test("a signed Slack url_verification is answered with its challenge and not stored", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ token: "t", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    const { signSlack } = await import("../../src/providers/slack-sign.ts");
    const before = (await store.db.query<{ n: number }>("select count(*)::int as n from webhook_events"))[0]!.n;
    expect(await post("slack", { body, headers: signSlack(body, env.SLACK_SECRET, now) })).toEqual({
      status: 200,
      body: { challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" },
    });
    expect((await store.db.query<{ n: number }>("select count(*)::int as n from webhook_events"))[0]!.n).toBe(before);
  });

  test("the names of the contract's variables are not routes when a file declares the endpoints", async () => {
    const response = await app.handle(new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: "{}" }));
    expect(response.status).toBe(404);
  });

  test("the JSON API filters by endpoint name and refuses a name that is not configured", async () => {
    const api = (query: string) => app.handle(new Request(`${baseUrl}/admin/api/webhooks${query}`, { headers: { authorization: `Bearer ${adminToken}` } }));
    const page = (await (await api("?source=shop")).json()) as { items: { source: string; eventType: string }[] };
    expect(page.items.map((i) => [i.source, i.eventType])).toEqual([["shop", "orders/create"]]);
    const refused = await api("?source=stripe");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toContain("stripe-eu, stripe-us, gh, clerk, shop, slack, acme");
  });
});
