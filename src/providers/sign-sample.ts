// The signers beside the verifiers, by kind: a realistic sample event of a type, signed as its sender
// signs it. Used by `hookport send` (and so by the binary tests).
import type { GenericHmacOptions, Locator } from "./generic-hmac.ts";
import { signGenericHmac } from "./generic-hmac-sign.ts";
import { signGithub } from "./github-sign.ts";
import { sampleGithubEvent } from "./samples/github.ts";
import { sampleStripeEvent } from "./samples/stripe.ts";
import { signShopify } from "./shopify-sign.ts";
import { signSlack } from "./slack-sign.ts";
import { signStandardWebhooks } from "./standard-webhooks-sign.ts";
import { signStripe } from "./stripe-sign.ts";

export type SignedSample = { body: string; headers: Record<string, string> };

const randomId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 24);

export async function signSample(kind: string, options: unknown, eventType: string, secret: string, now: number): Promise<SignedSample> {
  switch (kind) {
    case "stripe": {
      const body = sampleStripeEvent(eventType, { now });
      return { body, headers: await signStripe(body, secret, now) };
    }
    case "github": {
      const [event = eventType, action] = eventType.split(".");
      const body = sampleGithubEvent(event, action);
      return { body, headers: await signGithub(body, secret, event) };
    }
    case "standard-webhooks": {
      // The spec's recommended payload structure: type, timestamp, data.
      const body = JSON.stringify({ type: eventType, timestamp: new Date(now * 1000).toISOString(), data: { id: `obj_${randomId()}` } });
      return { body, headers: signStandardWebhooks(body, secret, now) };
    }
    case "shopify": {
      const body = JSON.stringify({ id: Number(String(now) + "000"), admin_graphql_api_id: `gid://shopify/Order/${now}000`, created_at: new Date(now * 1000).toISOString() });
      return { body, headers: signShopify(body, secret, eventType) };
    }
    case "slack": {
      const body = JSON.stringify({
        team_id: "T0HOOKPORT",
        api_app_id: "A0HOOKPORT",
        event: { type: eventType, user: "U0HOOKPORT", channel: "C0HOOKPORT", text: "sent by hookport send", ts: `${now}.000100`, event_ts: `${now}.000100` },
        type: "event_callback",
        event_id: `Ev${randomId().toUpperCase()}`,
        event_time: now,
      });
      return { body, headers: signSlack(body, secret, now) };
    }
    case "generic-hmac": {
      const generic = options as GenericHmacOptions;
      const document: Record<string, unknown> = { id: `evt_${randomId()}`, type: eventType, created: now, data: {} };
      const headers: Record<string, string> = {};
      place(generic.eventId, document.id as string, document, headers);
      place(generic.eventType, eventType, document, headers);
      const body = JSON.stringify(document);
      return { body, headers: signGenericHmac(body, secret, generic, now, headers) };
    }
    default:
      throw new TypeError(`no signer for kind "${kind}"`);
  }
}

/** Puts a value where the endpoint's options will look for it: a header, or the body at a JSON pointer. */
function place(locator: Locator, value: string, document: Record<string, unknown>, headers: Record<string, string>) {
  if ("header" in locator) {
    headers[locator.header] = value;
    return;
  }
  let node = document;
  locator.pointer.forEach((token, i) => {
    if (i === locator.pointer.length - 1) node[token] = value;
    else node = (node[token] ??= {}) as Record<string, unknown>;
  });
}
