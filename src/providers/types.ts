// VERIFY: the shape every sender's verifier has. Pure: raw bytes, a header lookup, secrets and a clock in.

/** Case-insensitive header lookup; null when absent. */
export type HeaderLookup = (name: string) => string | null;

export type VerifyInput = Readonly<{
  body: Uint8Array;
  header: HeaderLookup;
  secrets: readonly string[];
  /** Unix seconds. Passed in so verifiers never read the clock. */
  now: number;
  toleranceSeconds: number;
}>;

export type Rejection = "missing-signature" | "bad-signature" | "stale" | "bad-headers" | "bad-body";

export type Verification =
  | {
      ok: true;
      eventId: string;
      eventType: string;
      /** The event's JSON text exactly as signed (for form posts, the `payload` field). Stored as is. */
      payloadJson: string;
      /** The whole body as text, byte for byte (it was checked to be UTF-8; a BOM would be kept). */
      bodyText: string;
      /** Position of the configured secret that matched, so an old one can be seen to fall out of use. */
      secretIndex: number;
    }
  | Refusal;

export type Refusal = { ok: false; reason: Rejection; detail: string };

export type Provider = Readonly<{
  /** The `source` column value and the route segment: POST /webhooks/<source>. */
  source: string;
  /** Environment variable holding the comma-separated secrets (read by config.ts only). */
  secretEnv: string;
  looksLikeSecret: (secret: string) => boolean;
  secretHint: string;
  /** Request headers worth keeping with the event (lower case). Signatures are MACs, not secrets. */
  keptHeaders: readonly string[];
  /**
   * What can be judged from the headers alone (signature present and well formed, ids present): run
   * before the body is read, so an unsigned request never makes hookport buffer MAX_BODY_BYTES.
   */
  precheck: (header: HeaderLookup) => Refusal | null;
  verify: (input: VerifyInput) => Promise<Verification>;
}>;

export const reject = (reason: Rejection, detail: string): Refusal => ({ ok: false, reason, detail });
