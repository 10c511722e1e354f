// `hookport send <endpoint> <type>`: sign a realistic sample exactly as that endpoint's sender does and
// POST it; the local stand-in for `stripe trigger`. Uses the endpoint's first secret.
import type { Config } from "../config.ts";
import { signSample } from "../providers/sign-sample.ts";

export async function sendCommand(config: Config, args: string[], url: string): Promise<number> {
  const [name, eventType] = args;
  const endpoint = config.endpoints.find((e) => e.name === name);
  if (!endpoint || !eventType) {
    const names = config.endpoints.map((e) => e.name).join(" | ");
    console.error(`usage: hookport send <endpoint> <event-type> [--url URL], where <endpoint> is one of: ${names}`);
    return 2;
  }
  const secret = endpoint.secrets[0];
  if (!secret) {
    console.error(`hookport send: ${endpoint.secretsFrom} is not set; it must hold the secret the service verifies with`);
    return 2;
  }
  const now = Math.floor(Date.now() / 1000);
  const { body, headers } = await signSample(endpoint.provider.kind, endpoint.options, eventType, secret, now);
  const target = new URL(`/webhooks/${endpoint.name}`, url);
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
