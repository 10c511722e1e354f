// Shopify verifier: base64 HMAC-SHA256 of the raw body, id from X-Shopify-Event-Id (else -Webhook-Id), type from the topic.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { signShopify } from "../../src/providers/shopify-sign.ts";
import { shopify, verifyShopify } from "../../src/providers/shopify.ts";

const secret = "shpss_0123456789abcdef0123456789ab";
const oldSecret = "shpss_fedcba9876543210fedcba987654";
const payload = JSON.stringify({ id: 820982911946154500, email: "jon@example.com", total_price: "403.00" });
const utf8 = (text: string) => new TextEncoder().encode(text);

function verify(body: string | Uint8Array, headers: Record<string, string>, secrets = [secret]) {
  const h = new Headers(headers);
  return verifyShopify({ body: typeof body === "string" ? utf8(body) : body, header: (name) => h.get(name), secrets, now: 1_700_000_000, toleranceSeconds: 300 });
}

describe("verifyShopify", () => {
  test("round trip: accepts what the signer makes, id from X-Shopify-Event-Id and type from X-Shopify-Topic", async () => {
    const headers = signShopify(payload, secret, "orders/create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    expect(await verify(payload, headers)).toEqual({
      ok: true,
      eventId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
      eventType: "orders/create",
      payloadJson: payload,
      bodyText: payload,
      secretIndex: 0,
    });
  });

  test("the HMAC is the one Shopify documents: base64 of HMAC-SHA256 over the body with the secret", async () => {
    const headers = { "x-shopify-topic": "orders/create", "x-shopify-event-id": "e1" };
    const mac = createHmac("sha256", secret).update(payload, "utf8").digest("base64");
    expect(await verify(payload, { ...headers, "x-shopify-hmac-sha256": mac })).toMatchObject({ ok: true });
    const hex = createHmac("sha256", secret).update(payload, "utf8").digest("hex");
    expect(await verify(payload, { ...headers, "x-shopify-hmac-sha256": hex })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("falls back to X-Shopify-Webhook-Id when there is no X-Shopify-Event-Id", async () => {
    const { "x-shopify-event-id": _, ...headers } = signShopify(payload, secret, "orders/create");
    expect(await verify(payload, headers)).toMatchObject({ ok: true, eventId: headers["x-shopify-webhook-id"] });
  });

  test("tries every secret and says which matched; refuses a tampered body", async () => {
    expect(await verify(payload, signShopify(payload, secret, "orders/create"), [oldSecret, secret])).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verify(payload + " ", signShopify(payload, secret, "orders/create"))).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("precheck refuses from the headers alone", () => {
    const headers = signShopify(payload, secret, "orders/create");
    const precheck = (h: Record<string, string>) => shopify.precheck((n) => new Headers(h).get(n), {});
    expect(precheck(headers)).toBeNull();
    expect(precheck({ ...headers, "x-shopify-hmac-sha256": "" })).toMatchObject({ reason: "missing-signature" });
    expect(precheck({ ...headers, "x-shopify-hmac-sha256": "abc" })).toMatchObject({ reason: "bad-signature" });
    expect(precheck({ ...headers, "x-shopify-topic": "" })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...headers, "x-shopify-event-id": "", "x-shopify-webhook-id": "" })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...headers, "x-shopify-event-id": "a b" })).toMatchObject({ reason: "bad-headers" });
  });

  test("verifies the bytes: a BOM in front breaks the signature; signed bytes that are not UTF-8 JSON are refused as the body", async () => {
    const headers = signShopify(payload, secret, "orders/create");
    expect(await verify(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(payload)]), headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    const latin1 = new Uint8Array([...utf8('{"x":"'), 0xe9, ...utf8('"}')]);
    const mac = createHmac("sha256", secret).update(latin1).digest("base64");
    expect(await verify(latin1, { ...headers, "x-shopify-hmac-sha256": mac })).toMatchObject({ ok: false, reason: "bad-body" });
    for (const body of ["<order/>", "[1]", "[".repeat(600) + "]".repeat(600)]) {
      expect(await verify(body, signShopify(body, secret, "orders/create"))).toMatchObject({ ok: false, reason: "bad-body" });
    }
  });
});
