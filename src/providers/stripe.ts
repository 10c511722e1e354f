// VERIFY: Stripe. The SDK checks the signature (every secret against every v1=); we add the shape check
// and a future-timestamp bound that stripe-node leaves out (it only bounds the age).
import { createHash, createHmac } from "node:crypto";
import Stripe from "stripe";
import { reject, type Provider, type Verification, type VerifyInput } from "./types.ts";

// Bun resolves the SDK's worker build, whose default SubtleCrypto provider imports the key and signs
// asynchronously on every call: 26 µs a verification in the issue 5 profile. The SDK takes any
// CryptoProvider; this one computes the same HMAC-SHA256 with node:crypto in 7 µs. The SDK still parses
// the header, compares the signatures in constant time and checks the tolerance.
const webhooks = Stripe.webhooks;
const hmacHex = (payload: string, secret: string) => createHmac("sha256", secret).update(payload, "utf8").digest("hex");
const cryptoProvider = {
  computeHMACSignature: hmacHex,
  computeHMACSignatureAsync: async (payload: string, secret: string) => hmacHex(payload, secret),
  computeSHA256Async: async (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest()),
} as Stripe.CryptoProvider;
const decoder = new TextDecoder();

export async function verifyStripe({ body, header, secrets, now, toleranceSeconds }: VerifyInput): Promise<Verification> {
  const signature = header("stripe-signature");
  if (!signature) return reject("missing-signature", "no Stripe-Signature header: is this request from Stripe?");
  const timestamp = parseTimestamp(signature);
  if (timestamp === null) {
    return reject("bad-signature", "Stripe-Signature has no t=<unix seconds> element");
  }
  if (timestamp - now > toleranceSeconds) {
    return reject("stale", `Stripe-Signature timestamp is ${timestamp - now}s in the future: check this host's clock`);
  }
  if (now - timestamp > toleranceSeconds) {
    return reject("stale", `Stripe-Signature timestamp is ${now - timestamp}s old, over the ${toleranceSeconds}s tolerance (STRIPE_TOLERANCE_SECONDS)`);
  }

  for (const [secretIndex, secret] of secrets.entries()) {
    let event: unknown;
    try {
      event = webhooks.constructEvent(body as Buffer, signature, secret, toleranceSeconds, cryptoProvider, now);
    } catch (err) {
      if (isSignatureError(err)) continue;
      // The signature matched but the body is not JSON.
      return reject("bad-body", "the signed body is not JSON: Stripe always sends a JSON event");
    }
    if (!isStripeEvent(event)) {
      return reject("bad-body", 'the body is not a Stripe event (needs a string "id", "object": "event" and a string "type")');
    }
    return { ok: true, eventId: event.id, eventType: event.type, payloadJson: decoder.decode(body), secretIndex };
  }
  return reject(
    "bad-signature",
    `no v1 signature matches any of the ${secrets.length} configured secret(s): check STRIPE_WEBHOOK_SECRET against the endpoint's signing secret, and that the raw body is passed on unchanged`,
  );
}

function parseTimestamp(signature: string): number | null {
  for (const part of signature.split(",")) {
    const [key, value] = part.split("=", 2);
    if (key?.trim() === "t" && value && /^\d+$/.test(value.trim())) return Number(value.trim());
  }
  return null;
}

function isSignatureError(err: unknown): boolean {
  return err instanceof Error && (err as { type?: string }).type === "StripeSignatureVerificationError";
}

function isStripeEvent(value: unknown): value is { id: string; type: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === "string" && v.id !== "" && v.object === "event" && typeof v.type === "string" && v.type !== "";
}

export const stripe: Provider = {
  source: "stripe",
  secretEnv: "STRIPE_WEBHOOK_SECRET",
  looksLikeSecret: (s) => s.startsWith("whsec_"),
  secretHint: 'must start with "whsec_" (copy the signing secret of the endpoint, not an API key)',
  keptHeaders: ["content-type", "user-agent", "stripe-signature"],
  verify: verifyStripe,
};
