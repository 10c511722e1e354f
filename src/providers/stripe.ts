// VERIFY: Stripe. HMAC-SHA256 of `${t}.` and the raw body bytes, every secret against every v1=, the
// one signed timestamp bounded both ways (https://docs.stripe.com/webhooks#verify-manually). Computed
// here rather than by the SDK's constructEvent, which decodes the bytes as text first (a BOM dropped,
// invalid UTF-8 replaced) and checks its window against a different t= than hookport did (issue 8).
import { createHmac } from "node:crypto";
import { decodeUtf8, isToken, jsonDepth, macEquals, maxJsonDepth, maxTokenLength } from "./shape.ts";
import { reject, type HeaderLookup, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

export function precheckStripe(header: HeaderLookup): Refusal | null {
  return header("stripe-signature") ? null : reject("missing-signature", "no Stripe-Signature header: is this request from Stripe?");
}

export async function verifyStripe({ body, header, secrets, now, toleranceSeconds }: VerifyInput): Promise<Verification> {
  const missing = precheckStripe(header);
  if (missing) return missing;
  const parsed = parseSignatureHeader(header("stripe-signature")!);
  if (!parsed.ok) return parsed;
  const { timestamp, signatures } = parsed;
  if (timestamp - now > toleranceSeconds) {
    return reject("stale", `Stripe-Signature timestamp is ${timestamp - now}s in the future: check this host's clock`);
  }
  if (now - timestamp > toleranceSeconds) {
    return reject("stale", `Stripe-Signature timestamp is ${now - timestamp}s old, over the ${toleranceSeconds}s tolerance (STRIPE_TOLERANCE_SECONDS)`);
  }

  const secretIndex = secrets.findIndex((secret) => {
    const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
    return signatures.some((signature) => macEquals(expected, signature));
  });
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `no v1 signature matches any of the ${secrets.length} configured secret(s): check STRIPE_WEBHOOK_SECRET against the endpoint's signing secret, and that the raw body is passed on unchanged`,
    );
  }

  const text = decodeUtf8(body);
  if (text === null) return reject("bad-body", "the signed body is not UTF-8: Stripe always sends a UTF-8 JSON event");
  if (jsonDepth(text) > maxJsonDepth) return reject("bad-body", `the signed body nests deeper than ${maxJsonDepth} levels`);
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return reject("bad-body", "the signed body is not JSON: Stripe always sends a JSON event");
  }
  if (!isStripeEvent(event)) {
    return reject("bad-body", 'the body is not a Stripe event (needs a string "id", "object": "event" and a string "type")');
  }
  if (!isToken(event.id) || !isToken(event.type)) {
    return reject("bad-body", `the event's "id" and "type" must each be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  }
  return { ok: true, eventId: event.id, eventType: event.type, payloadJson: text, bodyText: text, secretIndex };
}

type ParsedHeader = { ok: true; timestamp: number; signatures: Uint8Array[] };

/**
 * `t=<unix seconds>,v1=<hex>[,v1=…][,v0=…]`. Exactly one t=: the timestamp checked must be the one the
 * signature covers, and a second t= (an old signed one behind a fresh one) is how a replay would hide.
 * Only v1= counts (v0= is Stripe's test-mode legacy scheme); malformed v1= entries never match.
 */
function parseSignatureHeader(header: string): ParsedHeader | Refusal {
  const timestamps: string[] = [];
  const signatures: Uint8Array[] = [];
  for (const element of header.split(",")) {
    const eq = element.indexOf("=");
    if (eq < 0) continue;
    const key = element.slice(0, eq).trim();
    const value = element.slice(eq + 1).trim();
    if (key === "t") timestamps.push(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  if (timestamps.length > 1) {
    return reject("bad-signature", `Stripe-Signature has ${timestamps.length} t= elements; Stripe sends one, so the timestamp checked is the one signed`);
  }
  if (timestamps.length === 0 || !/^\d{1,12}$/.test(timestamps[0]!)) {
    return reject("bad-signature", "Stripe-Signature has no t=<unix seconds> element");
  }
  if (signatures.length === 0) return reject("bad-signature", "Stripe-Signature has no v1=<64 hex digits> element");
  return { ok: true, timestamp: Number(timestamps[0]), signatures };
}

function isStripeEvent(value: unknown): value is { id: string; type: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && v.id !== "" && v.object === "event" && typeof v.type === "string" && v.type !== "";
}

export const stripe: Provider = {
  source: "stripe",
  secretEnv: "STRIPE_WEBHOOK_SECRET",
  looksLikeSecret: (s) => /^whsec_[A-Za-z0-9+/=_-]{24,}$/.test(s),
  secretHint: 'must be "whsec_" and at least 24 more letters, digits or +/=_- (the endpoint\'s signing secret, not an API key)',
  keptHeaders: ["content-type", "user-agent", "stripe-signature"],
  precheck: precheckStripe,
  verify: verifyStripe,
};
