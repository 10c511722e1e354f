// VERIFY: the sender kinds hookport knows. A new kind is one file beside these and one line here.
import { genericHmac } from "./generic-hmac.ts";
import { github } from "./github.ts";
import { shopify } from "./shopify.ts";
import { slack } from "./slack.ts";
import { standardWebhooks } from "./standard-webhooks.ts";
import { stripe } from "./stripe.ts";
import type { Provider } from "./types.ts";

// Each kind has its own options type; an endpoint pairs a kind with options its parseOptions made.
export const providers: readonly Provider<any>[] = [stripe, github, standardWebhooks, shopify, slack, genericHmac];

export function findProvider(kind: string): Provider<any> | undefined {
  return providers.find((p) => p.kind === kind);
}
