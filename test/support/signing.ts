// Signed requests made with the senders' own libraries, for http and binary tests.
import { signGithub } from "../../src/providers/github-sign.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { sampleGithubEvent } from "../../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";

export const stripeSecret = "whsec_test_secret_for_hookport";
export const githubSecret = "github-test-secret";

export async function stripeRequest(baseUrl: string, type = "checkout.session.completed", opts: { body?: string; secret?: string; now?: number } = {}) {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const body = opts.body ?? sampleStripeEvent(type, { now });
  const headers = await signStripe(body, opts.secret ?? stripeSecret, now);
  return { request: new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers, body }), body, eventId: JSON.parse(body).id as string };
}

export async function githubRequest(baseUrl: string, event = "push", opts: { body?: string; secret?: string; eventId?: string } = {}) {
  const body = opts.body ?? sampleGithubEvent(event);
  const headers = await signGithub(body, opts.secret ?? githubSecret, event, opts.eventId);
  return { request: new Request(`${baseUrl}/webhooks/github`, { method: "POST", headers, body }), body, eventId: headers["x-github-delivery"]! };
}

/** The three Standard Webhooks headers of a request hookport forwarded, as the standardwebhooks package's verify() takes them. */
export function standardWebhookHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, headers.get(name) ?? ""]));
}
