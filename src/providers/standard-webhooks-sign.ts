// The signer beside the Standard Webhooks verifier: used by `hookport send` and by tests, with the spec's own library.
import { Webhook } from "standardwebhooks";

export function signStandardWebhooks(payload: string, secret: string, timestamp: number, id: string = `msg_${crypto.randomUUID().replaceAll("-", "")}`) {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": new Webhook(secret).sign(id, new Date(timestamp * 1000), payload),
  };
}
