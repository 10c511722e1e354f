// BENCH: pre-signed, realistic deliveries. Bodies come from the provider samples and are signed with the
// senders' own libraries (stripe's generateTestHeaderString, @octokit/webhooks-methods), before any clock starts.
import { signGithub } from "../src/providers/github-sign.ts";
import { sampleGithubEvent } from "../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../src/providers/samples/stripe.ts";
import { signStripe } from "../src/providers/stripe-sign.ts";

export const benchSecrets = { stripe: "whsec_hookport_bench_secret_0123456789", github: "hookport-bench-secret" } as const;

/** Share of each kind in the load: mostly small Stripe events, some GitHub pushes and pull requests (about 3.3 KB on average). */
const mix: readonly { share: number; source: "stripe" | "github"; type: string }[] = [
  { share: 0.25, source: "stripe", type: "checkout.session.completed" },
  { share: 0.15, source: "stripe", type: "customer.subscription.updated" },
  { share: 0.15, source: "stripe", type: "invoice.payment_failed" },
  { share: 0.15, source: "stripe", type: "payment_intent.succeeded" },
  { share: 0.2, source: "github", type: "push" },
  { share: 0.05, source: "github", type: "pull_request" },
  { share: 0.05, source: "github", type: "ping" },
];

export type Delivery = {
  source: "stripe" | "github";
  eventId: string;
  /** Request line and headers of a keep-alive HTTP/1.1 request, ending in the blank line. */
  head: Uint8Array;
  /** Shared between deliveries that carry the same bytes (GitHub bodies, redeliveries). */
  body: Uint8Array;
};

export type DeliveryPlan = {
  count: number;
  /** Share of deliveries that repeat an earlier one of this plan, byte for byte (a sender's retry). */
  duplicateShare: number;
  /** Every delivery of this kind (a no-op event type for the processing measurement); default: the mix. */
  only?: { source: "stripe" | "github"; type: string };
  host: string;
  seed: number;
};

const encoder = new TextEncoder();

/** Makes and signs `count` deliveries: unique events plus `duplicateShare` repeats of earlier ones. */
export async function makeDeliveries(plan: DeliveryPlan): Promise<Delivery[]> {
  const random = seededRandom(plan.seed);
  const now = Math.floor(Date.now() / 1000);
  const githubBodies = new Map<string, Uint8Array>();
  const out: Delivery[] = [];
  for (let i = 0; i < plan.count; i++) {
    if (out.length > 0 && random() < plan.duplicateShare) {
      out.push(out[Math.floor(random() * out.length)]!);
      continue;
    }
    const kind = plan.only ?? pick(random());
    if (kind.source === "stripe") {
      const text = sampleStripeEvent(kind.type, { now });
      const headers = await signStripe(text, benchSecrets.stripe, now);
      out.push(delivery("stripe", JSON.parse(text).id as string, headers, encoder.encode(text), plan.host));
    } else {
      const text = sampleGithubEvent(kind.type);
      let body = githubBodies.get(kind.type);
      if (!body) githubBodies.set(kind.type, (body = encoder.encode(text)));
      const headers = await signGithub(text, benchSecrets.github, kind.type);
      out.push(delivery("github", headers["x-github-delivery"]!, headers, body, plan.host));
    }
  }
  return out;
}

function delivery(source: "stripe" | "github", eventId: string, headers: Record<string, string>, body: Uint8Array, host: string): Delivery {
  let head = `POST /webhooks/${source} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.byteLength}\r\n\r\n`;
  return { source, eventId, head: encoder.encode(head), body };
}

function pick(r: number) {
  let acc = 0;
  for (const kind of mix) {
    acc += kind.share;
    if (r < acc) return kind;
  }
  return mix[mix.length - 1]!;
}

/** mulberry32: the same plan gives the same order of kinds and duplicates on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
