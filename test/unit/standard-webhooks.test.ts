// Standard Webhooks verifier, signed by the spec's own `standardwebhooks` package and checked against the spec's example vector.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { signStandardWebhooks } from "../../src/providers/standard-webhooks-sign.ts";
import { standardWebhooks, verifyStandardWebhooks } from "../../src/providers/standard-webhooks.ts";

const now = 1_700_000_000;
const secret = "whsec_" + Buffer.from("standard-webhooks-unit-secret-24").toString("base64");
const oldSecret = "whsec_" + Buffer.from("the-old-secret-being-rotated-out").toString("base64");
const payload = JSON.stringify({ type: "user.created", timestamp: "2023-11-14T22:13:20Z", data: { id: "user_29w83sxmDNGwOuEthce5gg56FcC" } });
const utf8 = (text: string) => new TextEncoder().encode(text);

function verify(body: string | Uint8Array, headers: Record<string, string>, { secrets = [secret], at = now } = {}) {
  const h = new Headers(headers);
  return verifyStandardWebhooks({ body: typeof body === "string" ? utf8(body) : body, header: (name) => h.get(name), secrets, now: at, toleranceSeconds: 300 });
}

describe("verifyStandardWebhooks", () => {
  test("round trip: accepts what the standardwebhooks package signs, id from webhook-id and type from the payload", async () => {
    const headers = signStandardWebhooks(payload, secret, now, "msg_2Lq7rGkNnfNyFbS7zfQ5rFPVoU4");
    expect(await verify(payload, headers)).toEqual({
      ok: true,
      eventId: "msg_2Lq7rGkNnfNyFbS7zfQ5rFPVoU4",
      eventType: "user.created",
      payloadJson: payload,
      bodyText: payload,
      secretIndex: 0,
    });
    // And the package's own verifier takes what the signer made (at its clock, the real one).
    const fresh = signStandardWebhooks(payload, secret, Math.floor(Date.now() / 1000));
    expect(new Webhook(secret).verify(payload, fresh)).toEqual(JSON.parse(payload));
  });

  test("reproduces the spec's published example: its signature matches its secret, id, timestamp and body", async () => {
    const body = '{"test": 2432232314}';
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    // The example's body has no "type": the signature holds, so the refusal is the body's, not the signature's.
    expect(await verify(body, headers, { secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], at: 1614265330 })).toMatchObject({ ok: false, reason: "bad-body" });
    expect(await verify(body, headers, { secrets: [secret], at: 1614265330 })).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(signStandardWebhooks(body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 1614265330, "msg_p5jXN8AQM9LWM0D4loKWxJek")["webhook-signature"]).toBe(
      headers["webhook-signature"],
    );
  });

  test("accepts a secret without the whsec_ prefix, as the reference libraries do", async () => {
    expect(await verify(payload, signStandardWebhooks(payload, secret, now), { secrets: [secret.slice(6)] })).toMatchObject({ ok: true });
  });

  test("tries every v1 signature against every secret, and says which secret matched", async () => {
    const good = signStandardWebhooks(payload, secret, now, "msg_1");
    const other = signStandardWebhooks(payload, oldSecret, now, "msg_1")["webhook-signature"];
    const result = await verify(payload, { ...good, "webhook-signature": `v1a,abc ${other} ${good["webhook-signature"]}` }, { secrets: [oldSecret, secret] });
    expect(result).toMatchObject({ ok: true, secretIndex: 0 });
    expect(await verify(payload, good, { secrets: [oldSecret, secret] })).toMatchObject({ ok: true, secretIndex: 1 });
  });

  test("refuses a tampered body, a changed id and a changed timestamp", async () => {
    const headers = signStandardWebhooks(payload, secret, now, "msg_1");
    expect(await verify(payload.replace("created", "deleted"), headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(await verify(payload, { ...headers, "webhook-id": "msg_2" })).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(await verify(payload, { ...headers, "webhook-timestamp": String(now - 1) })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("refuses a timestamp more than 5 minutes old or ahead", async () => {
    expect(await verify(payload, signStandardWebhooks(payload, secret, now - 301))).toMatchObject({ ok: false, reason: "stale" });
    expect(await verify(payload, signStandardWebhooks(payload, secret, now + 301))).toMatchObject({ ok: false, reason: "stale" });
    expect(await verify(payload, signStandardWebhooks(payload, secret, now - 300))).toMatchObject({ ok: true });
  });

  test("precheck refuses from the headers alone: no signature, no id, no v1 entry, a non-numeric timestamp", () => {
    const headers = signStandardWebhooks(payload, secret, now);
    const precheck = (h: Record<string, string>) => standardWebhooks.precheck((n) => new Headers(h).get(n), {});
    expect(precheck(headers)).toBeNull();
    expect(precheck({ ...headers, "webhook-signature": "" })).toMatchObject({ reason: "missing-signature" });
    expect(precheck({ ...headers, "webhook-id": "" })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...headers, "webhook-id": "x".repeat(256) })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...headers, "webhook-timestamp": "1e9" })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...headers, "webhook-signature": "v2,abc" })).toMatchObject({ reason: "bad-signature" });
  });

  test("verifies the bytes: a BOM in front of a signed body, or bytes that are not UTF-8, are refused as the body, never 500", async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(payload)]);
    const headers = signStandardWebhooks(payload, secret, now, "msg_1");
    expect(await verify(bom, headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    const latin1 = new Uint8Array([...utf8('{"type":"a","x":"'), 0xe9, ...utf8('"}')]);
    // The package signs text, so it cannot sign these bytes: sign them as the spec says, by hand.
    const mac = createHmac("sha256", Buffer.from(secret.slice(6), "base64")).update(`msg_1.${now}.`).update(latin1).digest("base64");
    const signed = { "webhook-id": "msg_1", "webhook-timestamp": String(now), "webhook-signature": `v1,${mac}` };
    expect(await verify(latin1, signed)).toMatchObject({ ok: false, reason: "bad-body" });
  });

  test("refuses a signed payload without a usable type", async () => {
    for (const body of ['{"data":{}}', '{"type":"has space"}', "[]", "not json"]) {
      expect(await verify(body, signStandardWebhooks(body, secret, now))).toMatchObject({ ok: false, reason: "bad-body" });
    }
  });

  test("takes only secrets that decode to 16 bytes or more", () => {
    expect(standardWebhooks.looksLikeSecret(secret)).toBe(true);
    expect(standardWebhooks.looksLikeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toBe(true);
    expect(standardWebhooks.looksLikeSecret("whsec_c2hvcnQ=")).toBe(false);
    expect(standardWebhooks.looksLikeSecret("whsec_not base64 at all!!")).toBe(false);
  });
});
