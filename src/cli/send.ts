// `hookport send stripe|github <type>`: sign a realistic sample exactly as the sender does and POST it;
// the local stand-in for `stripe trigger`. Uses the first configured secret of that source.
import type { Config } from "../config.ts";
import { signGithub } from "../providers/github-sign.ts";
import { findProvider } from "../providers/registry.ts";
import { sampleGithubEvent } from "../providers/samples/github.ts";
import { sampleStripeEvent } from "../providers/samples/stripe.ts";
import { signStripe } from "../providers/stripe-sign.ts";

export async function sendCommand(config: Config, args: string[], url: string): Promise<number> {
  const [source, eventType] = args;
  const provider = source ? findProvider(source) : undefined;
  if (!provider || !eventType) {
    console.error("usage: hookport send stripe <event-type> | hookport send github <event-name> [--url URL]");
    return 2;
  }
  const secret = config.secrets[provider.source]?.[0];
  if (!secret) {
    console.error(`hookport send: ${provider.secretEnv} is not set; it must hold the secret the service verifies with`);
    return 2;
  }
  const now = Math.floor(Date.now() / 1000);
  const { body, headers } = await signedSample(provider.source, eventType, secret, now);
  const target = new URL(`/webhooks/${provider.source}`, url);
  let response: Response;
  try {
    response = await fetch(target, { method: "POST", headers, body });
  } catch (err) {
    console.error(`hookport send: cannot reach ${target}: ${(err as Error).message}. Is the service running (hookport serve)?`);
    return 1;
  }
  console.log(`${response.status} ${await response.text()}`);
  return response.ok ? 0 : 1;
}

async function signedSample(source: string, eventType: string, secret: string, now: number) {
  if (source === "stripe") {
    const body = sampleStripeEvent(eventType, { now });
    return { body, headers: await signStripe(body, secret, now) };
  }
  const [event = eventType, action] = eventType.split(".");
  const body = sampleGithubEvent(event, action);
  return { body, headers: await signGithub(body, secret, event) };
}
