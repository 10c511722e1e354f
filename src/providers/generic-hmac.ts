// VERIFY: any sender that signs with an HMAC the way most do: one header holding the MAC (hex or base64,
// maybe behind a prefix such as `sha256=`) of the raw body, maybe with a signed timestamp in front. The
// endpoint's options say where each part is; the event id and type come from a header or a JSON pointer
// (RFC 6901) into the signed body.
import { checkWindow, hmacOver, isToken, macEquals, maxTokenLength, parseUnixSeconds, signedJsonObject } from "./shape.ts";
import { reject, type HeaderLookup, type OptionReader, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

/** Where a value is: a request header (lower case), or a JSON pointer's reference tokens into the body. */
export type Locator = { header: string } | { pointer: readonly string[] };

export type GenericHmacOptions = Readonly<{
  header: string;
  algorithm: "sha256" | "sha1" | "sha512";
  encoding: "hex" | "base64";
  prefix: string;
  eventId: Locator;
  eventType: Locator;
  timestampHeader: string | null;
  /** The signed bytes are `before`, the raw body, then `after`, with `{timestamp}` replaced in both. */
  signed: Readonly<{ before: string; after: string }>;
}>;

const digestBytes = { sha1: 20, sha256: 32, sha512: 64 } as const;
const headerName = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export function parseGenericHmacOptions(read: OptionReader): GenericHmacOptions {
  const header = readHeaderName(read, "header", true)!;
  const timestampHeader = readHeaderName(read, "timestamp_header", false);
  const template = read.string("signed", "{body}")!;
  const parts = template.split("{body}");
  if (parts.length !== 2) read.problem("signed", 'must contain "{body}" exactly once, e.g. "{timestamp}.{body}"');
  else if (/\{(?!timestamp\})/.test(template.replace("{body}", ""))) read.problem("signed", "may use only the placeholders {timestamp} and {body}");
  else if (template.includes("{timestamp}") && !timestampHeader) read.problem("signed", 'uses {timestamp}, so "timestamp_header" must say where it is');
  return {
    header,
    algorithm: read.oneOf("algorithm", ["sha256", "sha1", "sha512"], "sha256"),
    encoding: read.oneOf("encoding", ["hex", "base64"], "hex"),
    prefix: read.string("prefix", "")!,
    eventId: readLocator(read, "event_id"),
    eventType: readLocator(read, "event_type"),
    timestampHeader,
    signed: { before: parts[0] ?? "", after: parts[1] ?? "" },
  };
}

function readHeaderName(read: OptionReader, key: string, required: boolean): string | null {
  const value = read.string(key);
  if (value === undefined) {
    if (required) read.problem(key, 'is required: the name of the header that carries the signature, e.g. "X-Signature"');
    return required ? "x-signature" : null;
  }
  if (!headerName.test(value)) read.problem(key, `must be a header name (got "${value.slice(0, 40)}")`);
  return value.toLowerCase();
}

/** `"header:X-Delivery-Id"` or `"json:/data/id"`. */
function readLocator(read: OptionReader, key: string): Locator {
  const value = read.string(key);
  if (value?.startsWith("header:") && headerName.test(value.slice(7))) return { header: value.slice(7).toLowerCase() };
  if (value?.startsWith("json:/")) return { pointer: value.slice(6).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~")) };
  read.problem(key, `is required: "header:<Header-Name>" or "json:<JSON pointer>", e.g. "json:/id"${value === undefined ? "" : ` (got "${value.slice(0, 40)}")`}`);
  return { pointer: [key] };
}

export function precheckGenericHmac(header: HeaderLookup, options: GenericHmacOptions): Refusal | null {
  const signature = header(options.header);
  if (!signature) return reject("missing-signature", `no ${options.header} header: is this request from the configured sender?`);
  if (decodeSignature(signature, options) === null) {
    return reject("bad-signature", `${options.header} must be ${options.prefix ? `"${options.prefix}" and ` : ""}the ${options.encoding} ${options.algorithm} HMAC`);
  }
  if (options.timestampHeader && parseUnixSeconds(header(options.timestampHeader)) === null) {
    return reject("bad-headers", `${options.timestampHeader} must be unix seconds`);
  }
  for (const [what, locator] of [["event id", options.eventId], ["event type", options.eventType]] as const) {
    if ("header" in locator && !isToken(header(locator.header) ?? "")) {
      return reject("bad-headers", `${locator.header} (the ${what}) must be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
    }
  }
  return null;
}

export async function verifyGenericHmac({ body, header, secrets, now, toleranceSeconds, options }: VerifyInput & { options: GenericHmacOptions }): Promise<Verification> {
  const refused = precheckGenericHmac(header, options);
  if (refused) return refused;
  let timestamp = "";
  if (options.timestampHeader) {
    const seconds = parseUnixSeconds(header(options.timestampHeader))!;
    const stale = checkWindow(seconds, now, toleranceSeconds, options.timestampHeader);
    if (stale) return stale;
    timestamp = String(seconds);
  }
  const signature = decodeSignature(header(options.header)!, options)!;
  const before = options.signed.before.replaceAll("{timestamp}", timestamp);
  const after = options.signed.after.replaceAll("{timestamp}", timestamp);
  const secretIndex = secrets.findIndex((secret) => macEquals(hmacOver(options.algorithm, secret, before, body, after), signature));
  if (secretIndex < 0) {
    return reject("bad-signature", `${options.header} matches none of the ${secrets.length} configured secret(s): check the endpoint's secrets, algorithm, encoding, prefix and signed template against the sender's documentation`);
  }

  const json = signedJsonObject(body, "the sender");
  if ("ok" in json) return json;
  const eventId = locate(options.eventId, header, json.value);
  const eventType = locate(options.eventType, header, json.value);
  if (eventId === null || eventType === null || !isToken(eventId) || !isToken(eventType)) {
    return reject("bad-body", `the event id and type (${describe(options.eventId)}, ${describe(options.eventType)}) must each be a string or whole number of 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  }
  return { ok: true, eventId, eventType, payloadJson: json.text, bodyText: json.text, secretIndex };
}

/** The MAC bytes after the prefix; null when the value is not a MAC of this algorithm in this encoding. */
function decodeSignature(value: string, { prefix, encoding, algorithm }: GenericHmacOptions): Buffer | null {
  if (!value.startsWith(prefix)) return null;
  const text = value.slice(prefix.length);
  const pattern = encoding === "hex" ? /^[0-9a-fA-F]+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  if (!pattern.test(text)) return null;
  const bytes = Buffer.from(text, encoding);
  return bytes.byteLength === digestBytes[algorithm] ? bytes : null;
}

function locate(locator: Locator, header: HeaderLookup, document: unknown): string | null {
  if ("header" in locator) return header(locator.header);
  let value = document;
  for (const token of locator.pointer) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, token)) return null;
    value = (value as Record<string, unknown>)[token];
  }
  if (typeof value === "string") return value;
  return Number.isSafeInteger(value) ? String(value) : null;
}

const describe = (locator: Locator) => ("header" in locator ? `header ${locator.header}` : `json:/${locator.pointer.join("/")}`);

export const genericHmac: Provider<GenericHmacOptions> = {
  kind: "generic-hmac",
  looksLikeSecret: (s) => s.length >= 16,
  secretHint: "must be at least 16 characters",
  timed: true,
  parseOptions: parseGenericHmacOptions,
  keptHeaders: (options) => ["content-type", "user-agent", options.header, ...(options.timestampHeader ? [options.timestampHeader] : [])],
  precheck: precheckGenericHmac,
  verify: verifyGenericHmac,
};
