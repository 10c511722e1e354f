// VERIFY: GitHub. X-Hub-Signature-256 only (HMAC-SHA256 of the raw body), every configured secret tried.
// Both content types GitHub offers are accepted; the signature covers the raw body either way
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
import { verify } from "@octokit/webhooks-methods";
import { reject, type Provider, type Verification, type VerifyInput } from "./types.ts";

const decoder = new TextDecoder();

export async function verifyGithub({ body, header, secrets }: VerifyInput): Promise<Verification> {
  const signature = header("x-hub-signature-256");
  if (!signature) {
    return header("x-hub-signature")
      ? reject("missing-signature", "only the legacy SHA-1 X-Hub-Signature was sent; hookport accepts X-Hub-Signature-256 only")
      : reject("missing-signature", "no X-Hub-Signature-256 header: set a secret on the GitHub webhook");
  }
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return reject("bad-signature", 'X-Hub-Signature-256 must be "sha256=" and 64 hex digits');
  }
  // @octokit/webhooks-methods' verify() throws on an empty payload; GitHub never sends one.
  if (body.byteLength === 0) return reject("bad-body", "the body is empty: GitHub always sends the event as JSON");
  const text = decoder.decode(body);
  let secretIndex = -1;
  for (const [i, secret] of secrets.entries()) {
    if (await verify(secret, text, signature)) {
      secretIndex = i;
      break;
    }
  }
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `X-Hub-Signature-256 matches none of the ${secrets.length} configured secret(s): check GITHUB_WEBHOOK_SECRET against the webhook's secret`,
    );
  }

  const eventId = header("x-github-delivery");
  const eventType = header("x-github-event");
  if (!eventId || !eventType) {
    return reject("bad-headers", "X-GitHub-Delivery and X-GitHub-Event are both required");
  }

  const payloadJson = extractPayload(text, header("content-type"));
  if (payloadJson === null) {
    return reject("bad-body", 'a form-encoded delivery needs a "payload" field holding the JSON');
  }
  if (!isJsonObject(payloadJson)) return reject("bad-body", "the payload is not a JSON object");
  return { ok: true, eventId, eventType, payloadJson, secretIndex };
}

function extractPayload(text: string, contentType: string | null): string | null {
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return new URLSearchParams(text).get("payload");
  }
  return text;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

export const github: Provider = {
  source: "github",
  secretEnv: "GITHUB_WEBHOOK_SECRET",
  looksLikeSecret: (s) => s.length > 0,
  secretHint: "must not be empty",
  keptHeaders: [
    "content-type",
    "user-agent",
    "x-github-hook-id",
    "x-github-hook-installation-target-id",
    "x-github-hook-installation-target-type",
    "x-hub-signature-256",
  ],
  verify: verifyGithub,
};
