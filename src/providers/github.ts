// VERIFY: GitHub. X-Hub-Signature-256 only (HMAC-SHA256 of the raw body bytes), every configured secret
// tried. Both content types GitHub offers are accepted; the signature covers the raw body either way
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). The HMAC is computed
// here over the bytes, not by @octokit/webhooks-methods' verify(), which takes text: decoding first let a
// BOM in front of a signed body verify (issue 8).
import { createHmac } from "node:crypto";
import { decodeUtf8, isToken, jsonDepth, macEquals, maxJsonDepth, maxTokenLength } from "./shape.ts";
import { reject, type HeaderLookup, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

export function precheckGithub(header: HeaderLookup): Refusal | null {
  const signature = header("x-hub-signature-256");
  if (!signature) {
    return header("x-hub-signature")
      ? reject("missing-signature", "only the legacy SHA-1 X-Hub-Signature was sent; hookport accepts X-Hub-Signature-256 only")
      : reject("missing-signature", "no X-Hub-Signature-256 header: set a secret on the GitHub webhook");
  }
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return reject("bad-signature", 'X-Hub-Signature-256 must be "sha256=" and 64 hex digits');
  }
  const eventId = header("x-github-delivery");
  const eventType = header("x-github-event");
  if (!eventId || !eventType) return reject("bad-headers", "X-GitHub-Delivery and X-GitHub-Event are both required");
  // Both become index keys; GitHub sends a UUID and a short name. Headers arrive as Latin-1, so any
  // byte outside ASCII would be stored garbled: refused instead.
  if (!isToken(eventId) || !isToken(eventType)) {
    return reject("bad-headers", `X-GitHub-Delivery and X-GitHub-Event must each be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  }
  return null;
}

export async function verifyGithub({ body, header, secrets }: VerifyInput): Promise<Verification> {
  const refused = precheckGithub(header);
  if (refused) return refused;
  const signature = Buffer.from(header("x-hub-signature-256")!.slice("sha256=".length), "hex");
  const secretIndex = secrets.findIndex((secret) => macEquals(createHmac("sha256", secret).update(body).digest(), signature));
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `X-Hub-Signature-256 matches none of the ${secrets.length} configured secret(s): check GITHUB_WEBHOOK_SECRET against the webhook's secret`,
    );
  }

  const text = decodeUtf8(body);
  if (text === null) return reject("bad-body", "the signed body is not UTF-8: GitHub always sends UTF-8");
  const payloadJson = isForm(header("content-type")) ? formPayload(text) : text;
  if (payloadJson === null) {
    return reject("bad-body", 'a form-encoded delivery must be exactly one field, "payload", holding the JSON');
  }
  if (jsonDepth(payloadJson) > maxJsonDepth) return reject("bad-body", `the payload nests deeper than ${maxJsonDepth} levels`);
  if (!isJsonObject(payloadJson)) return reject("bad-body", "the payload is not a JSON object");
  return { ok: true, eventId: header("x-github-delivery")!, eventType: header("x-github-event")!, payloadJson, bodyText: text, secretIndex };
}

const isForm = (contentType: string | null) => contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded") ?? false;

/**
 * GitHub's form delivery is `payload=<url-encoded JSON>` and nothing else. Anything more (a second field,
 * a repeated `payload`, JSON resent under this content type, where `&payload=` inside a string would
 * otherwise be read as a field) is ambiguous, so refused.
 */
function formPayload(text: string): string | null {
  const match = /^payload=([^&]*)$/.exec(text);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!.replaceAll("+", " "));
  } catch {
    return null; // a malformed %-escape, or one that is not UTF-8
  }
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
  // GitHub asks for "a random string of text with high entropy"; 16 characters is the floor hookport
  // enforces (`openssl rand -hex 32` gives 64).
  looksLikeSecret: (s) => s.length >= 16,
  secretHint: "must be at least 16 characters: use a random string, e.g. the output of `openssl rand -hex 32`",
  keptHeaders: [
    "content-type",
    "user-agent",
    "x-github-hook-id",
    "x-github-hook-installation-target-id",
    "x-github-hook-installation-target-type",
    "x-hub-signature-256",
  ],
  precheck: precheckGithub,
  verify: verifyGithub,
};
