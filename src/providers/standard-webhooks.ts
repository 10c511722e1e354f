// VERIFY: Standard Webhooks (Svix, Clerk, Resend, Supabase, …): HMAC-SHA256 with the base64 key of a
// `whsec_` secret over `<webhook-id>.<webhook-timestamp>.<raw body>`, every `v1,<base64>` of the
// space-separated webhook-signature tried against every secret, the timestamp bounded both ways
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md). Computed
// over the bytes here; the `standardwebhooks` package, which takes text, is the signer in the tests.
import { checkWindow, hmacOver, isToken, macEquals, maxTokenLength, parseUnixSeconds, signedJsonObject } from "./shape.ts";
import { noOptions, reject, type HeaderLookup, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

export function precheckStandardWebhooks(header: HeaderLookup): Refusal | null {
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signature = header("webhook-signature");
  if (!signature) return reject("missing-signature", "no webhook-signature header: is this a Standard Webhooks sender (Svix, Clerk, Resend…)?");
  if (!id || !timestamp) return reject("bad-headers", "webhook-id and webhook-timestamp are both required");
  if (!isToken(id)) return reject("bad-headers", `webhook-id must be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  if (parseUnixSeconds(timestamp) === null) return reject("bad-headers", "webhook-timestamp must be unix seconds");
  if (signatures(signature).length === 0) return reject("bad-signature", 'webhook-signature has no "v1,<base64>" entry');
  return null;
}

export async function verifyStandardWebhooks({ body, header, secrets, now, toleranceSeconds }: VerifyInput): Promise<Verification> {
  const refused = precheckStandardWebhooks(header);
  if (refused) return refused;
  const id = header("webhook-id")!;
  const timestamp = parseUnixSeconds(header("webhook-timestamp"))!;
  const stale = checkWindow(timestamp, now, toleranceSeconds, "webhook-timestamp");
  if (stale) return stale;

  const sent = signatures(header("webhook-signature")!);
  const secretIndex = secrets.findIndex((secret) => {
    const expected = hmacOver("sha256", secretKey(secret), `${id}.${timestamp}.`, body);
    return sent.some((signature) => macEquals(expected, signature));
  });
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `no v1 signature matches any of the ${secrets.length} configured secret(s): check the endpoint's secrets against the sender's whsec_ signing secret, and that the raw body is passed on unchanged`,
    );
  }

  const json = signedJsonObject(body, "a Standard Webhooks sender");
  if ("ok" in json) return json;
  const type = json.value.type;
  if (typeof type !== "string" || !isToken(type)) {
    return reject("bad-body", `the payload needs a string "type" of 1 to ${maxTokenLength} printable ASCII characters without spaces, as the spec's payload structure has`);
  }
  return { ok: true, eventId: id, eventType: type, payloadJson: json.text, bodyText: json.text, secretIndex };
}

/** `v1,<base64> v1,<base64> v1a,…`: the v1 (symmetric) signatures, decoded; anything else never matches. */
function signatures(header: string): Buffer[] {
  return header
    .split(" ")
    .filter((entry) => /^v1,[A-Za-z0-9+/]{43}=$/.test(entry))
    .map((entry) => Buffer.from(entry.slice(3), "base64"));
}

/** The key is the base64 after `whsec_` (the prefix is optional, as in the reference libraries). */
export const secretKey = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ""), "base64");

export const standardWebhooks: Provider = {
  kind: "standard-webhooks",
  looksLikeSecret: (s) => /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/.test(s) && secretKey(s).byteLength >= 16,
  secretHint: 'must be "whsec_" and the base64 of at least 16 bytes (the endpoint\'s signing secret as the sender shows it)',
  timed: true,
  parseOptions: noOptions,
  keptHeaders: () => ["content-type", "user-agent", "webhook-timestamp", "webhook-signature"],
  precheck: precheckStandardWebhooks,
  verify: verifyStandardWebhooks,
};
