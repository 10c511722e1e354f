// The signer beside the Slack verifier: used by `hookport send` and by tests. Slack's SDKs verify but do
// not sign; the scheme is one hex HMAC-SHA256 of `v0:<timestamp>:<body>`.
import { createHmac } from "node:crypto";

export function signSlack(payload: string, secret: string, timestamp: number): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": "v0=" + createHmac("sha256", secret).update(`v0:${timestamp}:${payload}`).digest("hex"),
  };
}
