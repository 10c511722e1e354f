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

/** A signed request that asks to be answered, not stored (Slack's url_verification): `reply` is the JSON answer. */
export type Handshake = { ok: true; handshake: Readonly<Record<string, string>> };

export type Refusal = { ok: false; reason: Rejection; detail: string };

/**
 * Reads one endpoint's options from the config file. Each call names a key; a wrong value is recorded as a
 * problem naming the file, the endpoint and the key, and the fallback is returned so parsing goes on.
 */
export type OptionReader = Readonly<{
  string: (key: string, fallback?: string) => string | undefined;
  oneOf: <T extends string>(key: string, values: readonly T[], fallback: T) => T;
  problem: (key: string, message: string) => void;
}>;

/** A sender kind: how its deliveries are signed and where their id and type are. */
export type Provider<Options = unknown> = Readonly<{
  /** The `kind` of an endpoint in the config file. */
  kind: string;
  looksLikeSecret: (secret: string) => boolean;
  secretHint: string;
  /** Whether the kind signs a timestamp, so `tolerance_seconds` applies to it. */
  timed: boolean;
  /** The kind's own options (besides kind, secrets, tolerance_seconds); none for most. */
  parseOptions: (read: OptionReader) => Options;
  /** Request headers worth keeping with the event (lower case). Signatures are MACs, not secrets. */
  keptHeaders: (options: Options) => readonly string[];
  /**
   * What can be judged from the headers alone (signature present and well formed, ids present): run
   * before the body is read, so an unsigned request never makes hookport buffer MAX_BODY_BYTES.
   */
  precheck: (header: HeaderLookup, options: Options) => Refusal | null;
  /** `options`: the endpoint's, as this kind's parseOptions made them. */
  verify: (input: VerifyInput & { options: Options }) => Promise<Verification | Handshake>;
}>;

/** For kinds with no options of their own. */
export const noOptions = (): Readonly<Record<string, never>> => ({});

export const reject = (reason: Rejection, detail: string): Refusal => ({ ok: false, reason, detail });
