// The signer beside the Stripe verifier: used by `hookport send` and by tests. Stripe's own SDK makes the header.
import Stripe from "stripe";

const cryptoProvider = Stripe.createSubtleCryptoProvider();

export async function signStripe(payload: string, secret: string, timestamp: number): Promise<Record<string, string>> {
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp, cryptoProvider });
  return { "content-type": "application/json; charset=utf-8", "stripe-signature": signature, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" };
}
