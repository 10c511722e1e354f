// The signer beside the generic HMAC verifier: signs as an endpoint's options describe the sender.
import { createHmac } from "node:crypto";
import type { GenericHmacOptions } from "./generic-hmac.ts";

export function signGenericHmac(payload: string, secret: string, options: GenericHmacOptions, timestamp: number, headers: Record<string, string> = {}): Record<string, string> {
  const ts = options.timestampHeader ? String(timestamp) : "";
  const signed = options.signed.before.replaceAll("{timestamp}", ts) + payload + options.signed.after.replaceAll("{timestamp}", ts);
  return {
    "content-type": "application/json",
    ...headers,
    ...(options.timestampHeader ? { [options.timestampHeader]: ts } : {}),
    [options.header]: options.prefix + createHmac(options.algorithm, secret).update(signed).digest(options.encoding),
  };
}
