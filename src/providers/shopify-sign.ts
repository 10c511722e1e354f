// The signer beside the Shopify verifier: used by `hookport send` and by tests. Shopify publishes no
// signing library for senders; the scheme is one base64 HMAC-SHA256 of the body.
import { createHmac } from "node:crypto";

export function signShopify(payload: string, secret: string, topic: string, eventId: string = crypto.randomUUID()): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Shopify-Captain-Hook",
    "x-shopify-topic": topic,
    "x-shopify-event-id": eventId,
    "x-shopify-webhook-id": crypto.randomUUID(),
    "x-shopify-shop-domain": "hookport-test.myshopify.com",
    "x-shopify-api-version": "2025-10",
    "x-shopify-hmac-sha256": createHmac("sha256", secret).update(payload).digest("base64"),
  };
}
