// Generic HMAC verifier: each option (header, algorithm, encoding, prefix, id/type locators, timestamp) and its config errors.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { parseConfig } from "../../src/config.ts";
import type { Endpoint } from "../../src/endpoints.ts";
import { signGenericHmac } from "../../src/providers/generic-hmac-sign.ts";
import { genericHmac, verifyGenericHmac, type GenericHmacOptions } from "../../src/providers/generic-hmac.ts";
import { signSample } from "../../src/providers/sign-sample.ts";

const now = 1_700_000_000;
const secret = "generic-hmac-unit-secret";
const path = "hookport.jsonc";
const utf8 = (text: string) => new TextEncoder().encode(text);

/** The endpoint the config file makes of these options (so the tests go through the real option parser). */
function endpoint(options: Record<string, unknown>): Endpoint {
  const text = JSON.stringify({ endpoints: { acme: { kind: "generic-hmac", secrets: [secret], ...options } } });
  const result = parseConfig({}, { path, text });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config.endpoints[0]!;
}
function problems(options: Record<string, unknown>): string[] {
  const result = parseConfig({}, { path, text: JSON.stringify({ endpoints: { acme: { kind: "generic-hmac", secrets: [secret], ...options } } }) });
  return result.ok ? [] : result.problems;
}

function verify(e: Endpoint, body: string | Uint8Array, headers: Record<string, string>, { secrets = [secret], at = now } = {}) {
  const h = new Headers(headers);
  const bytes = typeof body === "string" ? utf8(body) : body;
  return verifyGenericHmac({ body: bytes, header: (n) => h.get(n), secrets, now: at, toleranceSeconds: e.toleranceSeconds, options: e.options as GenericHmacOptions });
}

const basic = { header: "X-Acme-Signature", event_id: "json:/id", event_type: "json:/type" };
const body = JSON.stringify({ id: "evt_1", type: "invoice.paid", data: { amount: 1 } });

describe("verifyGenericHmac", () => {
  test("round trip with the defaults: hex HMAC-SHA256 of the body, id and type from JSON pointers", async () => {
    const e = endpoint(basic);
    const headers = signGenericHmac(body, secret, e.options as GenericHmacOptions, now);
    expect(headers["x-acme-signature"]).toBe(createHmac("sha256", secret).update(body).digest("hex"));
    expect(await verify(e, body, headers)).toEqual({ ok: true, eventId: "evt_1", eventType: "invoice.paid", payloadJson: body, bodyText: body, secretIndex: 0 });
  });

  test("a sha1/base64 sender with a prefix, ids from headers (what hookport send signs)", async () => {
    const e = endpoint({ header: "X-Sig", algorithm: "sha1", encoding: "base64", prefix: "sha1=", event_id: "header:X-Delivery", event_type: "header:X-Event" });
    const sample = await signSample("generic-hmac", e.options, "order.shipped", secret, now);
    expect(sample.headers["x-sig"]).toBe("sha1=" + createHmac("sha1", secret).update(sample.body).digest("base64"));
    expect(await verify(e, sample.body, sample.headers)).toMatchObject({ ok: true, eventId: sample.headers["x-delivery"], eventType: "order.shipped" });
    expect(await verify(e, sample.body, { ...sample.headers, "x-sig": sample.headers["x-sig"]!.slice(5) })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("sha512, nested and escaped JSON pointers, and a numeric id", async () => {
    const e = endpoint({ ...basic, algorithm: "sha512", event_id: "json:/meta/a~1b", event_type: "json:/meta/k~0ind" });
    const nested = JSON.stringify({ meta: { "a/b": 42, "k~ind": "thing.done" } });
    expect(await verify(e, nested, signGenericHmac(nested, secret, e.options as GenericHmacOptions, now))).toMatchObject({ ok: true, eventId: "42", eventType: "thing.done" });
  });

  test("a signed timestamp: the template covers it, and the window refuses old or future ones", async () => {
    const e = endpoint({ ...basic, timestamp_header: "X-Acme-Timestamp", signed: "{timestamp}.{body}", tolerance_seconds: 60 });
    const options = e.options as GenericHmacOptions;
    const headers = signGenericHmac(body, secret, options, now);
    expect(headers["x-acme-signature"]).toBe(createHmac("sha256", secret).update(`${now}.${body}`).digest("hex"));
    expect(await verify(e, body, headers)).toMatchObject({ ok: true });
    expect(await verify(e, body, { ...headers, "x-acme-timestamp": String(now - 1) })).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(await verify(e, body, signGenericHmac(body, secret, options, now - 61))).toMatchObject({ ok: false, reason: "stale" });
    expect(await verify(e, body, signGenericHmac(body, secret, options, now + 61))).toMatchObject({ ok: false, reason: "stale" });
  });

  test("tries every secret; refuses a tampered body and a BOM in front of the signed one", async () => {
    const e = endpoint(basic);
    const headers = signGenericHmac(body, secret, e.options as GenericHmacOptions, now);
    expect(await verify(e, body, headers, { secrets: ["old-generic-secret-000", secret] })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verify(e, body.replace("paid", "void"), headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    expect(await verify(e, new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(body)]), headers)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("refuses signed bodies whose id or type cannot be found or stored, and bytes that are not UTF-8", async () => {
    const e = endpoint(basic);
    for (const b of ['{"type":"x"}', '{"id":"a b","type":"x"}', '{"id":{"x":1},"type":"x"}', '{"id":1.5,"type":"x"}', "[]"]) {
      expect(await verify(e, b, signGenericHmac(b, secret, e.options as GenericHmacOptions, now))).toMatchObject({ ok: false, reason: "bad-body" });
    }
    const latin1 = new Uint8Array([...utf8('{"id":"a","type":"b","x":"'), 0xe9, ...utf8('"}')]);
    const mac = createHmac("sha256", secret).update(latin1).digest("hex");
    expect(await verify(e, latin1, { "x-acme-signature": mac })).toMatchObject({ ok: false, reason: "bad-body" });
  });

  test("precheck refuses from the headers alone: no signature, wrong length or alphabet, a missing id header or timestamp", () => {
    const e = endpoint({ ...basic, event_id: "header:X-Id", timestamp_header: "X-Ts", signed: "{timestamp}.{body}" });
    const options = e.options as GenericHmacOptions;
    const ok = { "x-acme-signature": "ab".repeat(32), "x-id": "1", "x-ts": String(now) };
    const precheck = (h: Record<string, string>) => genericHmac.precheck((n) => new Headers(h).get(n), options);
    expect(precheck(ok)).toBeNull();
    expect(precheck({ ...ok, "x-acme-signature": "" })).toMatchObject({ reason: "missing-signature" });
    expect(precheck({ ...ok, "x-acme-signature": "ab".repeat(31) })).toMatchObject({ reason: "bad-signature" });
    expect(precheck({ ...ok, "x-acme-signature": "zz".repeat(32) })).toMatchObject({ reason: "bad-signature" });
    expect(precheck({ ...ok, "x-id": "" })).toMatchObject({ reason: "bad-headers" });
    expect(precheck({ ...ok, "x-ts": "soon" })).toMatchObject({ reason: "bad-headers" });
  });
});

describe("generic-hmac options in HOOKPORT_CONFIG", () => {
  test("every wrong option is named with the file, the endpoint and the key", () => {
    const all = problems({ algorithm: "md5", encoding: "base32", event_id: "body:/id", signed: "{timestamp}{body}{body}", header: "X Sig" });
    expect(all).toEqual([
      `${path}: endpoint "acme", key "header": must be a header name (got "X Sig")`,
      `${path}: endpoint "acme", key "signed": must contain "{body}" exactly once, e.g. "{timestamp}.{body}"`,
      `${path}: endpoint "acme", key "algorithm": must be one of sha256, sha1, sha512 (got "md5")`,
      `${path}: endpoint "acme", key "encoding": must be one of hex, base64 (got "base32")`,
      `${path}: endpoint "acme", key "event_id": is required: "header:<Header-Name>" or "json:<JSON pointer>", e.g. "json:/id" (got "body:/id")`,
      `${path}: endpoint "acme", key "event_type": is required: "header:<Header-Name>" or "json:<JSON pointer>", e.g. "json:/id"`,
    ]);
  });

  test("a {timestamp} in the template needs timestamp_header, and no other placeholder is allowed", () => {
    expect(problems({ ...basic, signed: "{timestamp}.{body}" })).toEqual([
      `${path}: endpoint "acme", key "signed": uses {timestamp}, so "timestamp_header" must say where it is`,
    ]);
    expect(problems({ ...basic, signed: "{id}.{body}" })).toEqual([`${path}: endpoint "acme", key "signed": may use only the placeholders {timestamp} and {body}`]);
    expect(problems({ ...basic, header: undefined })[0]).toStartWith(`${path}: endpoint "acme", key "header": is required`);
  });
});
