// VERIFY: Slack's Events API. X-Slack-Signature is `v0=` and the hex HMAC-SHA256 of
// `v0:<X-Slack-Request-Timestamp>:<raw body>` with the app's signing secret, the timestamp within 5
// minutes (https://docs.slack.dev/authentication/verifying-requests-from-slack). A signed
// `url_verification` is answered with its challenge, not stored
// (https://docs.slack.dev/reference/events/url_verification). The id is the JSON `event_id`, the
// same on Slack's retries; the type is `event.type`, else the top-level `type`.
import { checkWindow, hmacOver, isToken, macEquals, maxTokenLength, parseUnixSeconds, signedJsonObject } from "./shape.ts";
import { noOptions, reject, type Handshake, type HeaderLookup, type Provider, type Refusal, type Verification, type VerifyInput } from "./types.ts";

export function precheckSlack(header: HeaderLookup): Refusal | null {
  const signature = header("x-slack-signature");
  if (!signature) return reject("missing-signature", "no X-Slack-Signature header: is this request from Slack?");
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return reject("bad-signature", 'X-Slack-Signature must be "v0=" and 64 hex digits');
  if (parseUnixSeconds(header("x-slack-request-timestamp")) === null) return reject("bad-headers", "X-Slack-Request-Timestamp must be unix seconds");
  return null;
}

export async function verifySlack({ body, header, secrets, now, toleranceSeconds }: VerifyInput): Promise<Verification | Handshake> {
  const refused = precheckSlack(header);
  if (refused) return refused;
  const timestamp = parseUnixSeconds(header("x-slack-request-timestamp"))!;
  const stale = checkWindow(timestamp, now, toleranceSeconds, "X-Slack-Request-Timestamp");
  if (stale) return stale;
  const signature = Buffer.from(header("x-slack-signature")!.slice(3), "hex");
  const secretIndex = secrets.findIndex((secret) => macEquals(hmacOver("sha256", secret, `v0:${timestamp}:`, body), signature));
  if (secretIndex < 0) {
    return reject(
      "bad-signature",
      `X-Slack-Signature matches none of the ${secrets.length} configured secret(s): check the endpoint's secrets against the app's Signing Secret (Basic Information), and that the raw body is passed on unchanged`,
    );
  }

  const json = signedJsonObject(body, "Slack's Events API");
  if ("ok" in json) return json;
  const event = json.value;
  if (event.type === "url_verification") {
    if (typeof event.challenge !== "string" || !isToken(event.challenge)) return reject("bad-body", "a url_verification needs a string challenge");
    return { ok: true, handshake: { challenge: event.challenge } };
  }
  const inner = event.event;
  const type = typeof inner === "object" && inner !== null && typeof (inner as { type?: unknown }).type === "string" ? (inner as { type: string }).type : event.type;
  if (typeof event.event_id !== "string" || typeof type !== "string") {
    return reject("bad-body", 'an Events API callback needs a string "event_id" and a type (event.type or type); slash commands and interactivity are not events');
  }
  if (!isToken(event.event_id) || !isToken(type)) {
    return reject("bad-body", `"event_id" and the type must each be 1 to ${maxTokenLength} printable ASCII characters without spaces`);
  }
  return { ok: true, eventId: event.event_id, eventType: type, payloadJson: json.text, bodyText: json.text, secretIndex };
}

export const slack: Provider = {
  kind: "slack",
  looksLikeSecret: (s) => s.length >= 16,
  secretHint: "must be at least 16 characters: the app's Signing Secret (not a bot token, not the deprecated verification token)",
  timed: true,
  parseOptions: noOptions,
  keptHeaders: () => ["content-type", "user-agent", "x-slack-request-timestamp", "x-slack-signature", "x-slack-retry-num", "x-slack-retry-reason"],
  precheck: precheckSlack,
  verify: verifySlack,
};
