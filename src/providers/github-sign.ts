// The signer beside the GitHub verifier: used by `hookport send` and by tests, with GitHub's own library.
import { sign } from "@octokit/webhooks-methods";

export async function signGithub(
  payload: string,
  secret: string,
  eventType: string,
  eventId: string = crypto.randomUUID(),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/hookport-send",
    "x-github-event": eventType,
    "x-github-delivery": eventId,
    "x-hub-signature-256": await sign(secret, payload),
  };
}
