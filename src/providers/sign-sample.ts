// The signers beside the verifiers, by kind: a realistic sample event of a type, signed as its sender
// signs it. Used by `hookport send` (and so by the binary tests).
import { signGithub } from "./github-sign.ts";
import { sampleGithubEvent } from "./samples/github.ts";
import { sampleStripeEvent } from "./samples/stripe.ts";
import { signStripe } from "./stripe-sign.ts";

export type SignedSample = { body: string; headers: Record<string, string> };

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
    default:
      throw new TypeError(`no signer for kind "${kind}"`);
  }
}
