// VERIFY: Shopify. X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body with the app's secret;
// the event id is X-Shopify-Event-Id (the same for every retry of one event), else X-Shopify-Webhook-Id;
// the type is X-Shopify-Topic (https://shopify.dev/docs/apps/build/webhooks/subscribe/https). Shopify
// signs no timestamp, so a replay is caught by the event id only.
import { createHmac } from "node:crypto";
import { isToken, macEquals, maxTokenLength, signedJsonObject } from "./shape.ts";
import { noOptions, reject, type HeaderLookup, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

const eventIdOf = (header: HeaderLookup) => header("x-shopify-event-id") || header("x-shopify-webhook-id");

export function precheckShopify(header: HeaderLookup): Refusal | null {
  const signature = header("x-shopify-hmac-sha256");
  if (!signature) return reject("missing-signature", "no X-Shopify-Hmac-Sha256 header: is this request from Shopify?");
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signature)) return reject("bad-signature", "X-Shopify-Hmac-Sha256 must be the base64 of a SHA-256 HMAC (44 characters)");
  const eventId = eventIdOf(header);
  const topic = header("x-shopify-topic");
  if (!eventId || !topic) return reject("bad-headers", "X-Shopify-Topic and X-Shopify-Event-Id (or X-Shopify-Webhook-Id) are required");
  if (!isToken(eventId) || !isToken(topic)) {
    return reject("bad-headers", `the event id and X-Shopify-Topic must each be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  }
  return null;
}

export async function verifyShopify({ body, header, secrets }: VerifyInput): Promise<Verification> {
  const refused = precheckShopify(header);
  if (refused) return refused;
  const signature = Buffer.from(header("x-shopify-hmac-sha256")!, "base64");
  const secretIndex = secrets.findIndex((secret) => macEquals(createHmac("sha256", secret).update(body).digest(), signature));
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `X-Shopify-Hmac-Sha256 matches none of the ${secrets.length} configured secret(s): check the endpoint's secrets against the app's client secret (or the webhook signing key shown in the admin)`,
    );
  }
  const json = signedJsonObject(body, "Shopify");
  if ("ok" in json) return json;
  return { ok: true, eventId: eventIdOf(header)!, eventType: header("x-shopify-topic")!, payloadJson: json.text, bodyText: json.text, secretIndex };
}

export const shopify: Provider = {
  kind: "shopify",
  looksLikeSecret: (s) => s.length >= 16,
  secretHint: "must be at least 16 characters: the app's client secret, or the signing key of a webhook made in the Shopify admin",
  timed: false,
  parseOptions: noOptions,
  keptHeaders: () => [
    "content-type",
    "user-agent",
    "x-shopify-shop-domain",
    "x-shopify-api-version",
    "x-shopify-webhook-id",
    "x-shopify-triggered-at",
    "x-shopify-hmac-sha256",
  ],
  precheck: precheckShopify,
  verify: verifyShopify,
};
