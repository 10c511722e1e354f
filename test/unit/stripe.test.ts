// Stripe verifier over a captured-shape event, with headers made by Stripe's own SDK and a fixed clock.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import Stripe from "stripe";
import { maxJsonDepth } from "../../src/providers/shape.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { verifyStripe } from "../../src/providers/stripe.ts";

const now = 1_700_000_000;
const secret = "whsec_unit_current_secret";
const oldSecret = "whsec_unit_old_secret";
const fixture = readFileSync(new URL("../fixtures/stripe-checkout-session-completed.json", import.meta.url), "utf8");
const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A Stripe-Signature header exactly as the SDK's test helper makes it. */
function stripeHeader(payload: string, signingSecret: string, timestamp = now): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: signingSecret, timestamp, cryptoProvider });
}

function verify(body: string | Uint8Array, headers: Record<string, string>, { secrets = [secret], tolerance = 300 } = {}) {
  const h = new Headers(headers);
  return verifyStripe({
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
    header: (name) => h.get(name),
    secrets,
    now,
    toleranceSeconds: tolerance,
  });
}

const v1Of = (header: string) => header.split(",").find((p) => p.startsWith("v1="))!;
const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
const concat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));
const utf8 = (text: string) => new TextEncoder().encode(text);
const eventJson = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ id: "evt_1QxHk2LkdIwHu7ixQ0aZ3tJm", object: "event", type: "checkout.session.completed", ...fields });
/** `depth` levels of arrays, innermost empty. */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("verifyStripe", () => {
  test("accepts an event signed by signStripe (round trip) and returns its id, type and exact text", async () => {
    const result = await verify(fixture, await signStripe(fixture, secret, now));
    expect(result).toEqual({
      ok: true,
      eventId: "evt_1QxHk2LkdIwHu7ixQ0aZ3tJm",
      eventType: "checkout.session.completed",
      payloadJson: fixture,
      bodyText: fixture,
      secretIndex: 0,
    });
  });

  test("verifies the raw UTF-8 bytes, not a re-encoding (the fixture holds a non-ASCII city)", async () => {
    expect(fixture).toContain("Zürich");
    const result = await verify(new TextEncoder().encode(fixture), { "stripe-signature": await stripeHeader(fixture, secret) });
    expect(result.ok).toBe(true);
  });

  test("rejects a signature made with another secret, without echoing any secret", async () => {
    const result = await verify(fixture, { "stripe-signature": await stripeHeader(fixture, "whsec_someone_else") });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
    if (result.ok) throw new Error("unreachable");
    expect(result.detail).toContain("STRIPE_WEBHOOK_SECRET");
    expect(result.detail).not.toContain(secret);
    expect(result.detail).not.toContain("whsec_someone_else");
  });

  test("accepts the second configured secret after a rotation and reports its position", async () => {
    const result = await verify(fixture, { "stripe-signature": await stripeHeader(fixture, secret) }, { secrets: [oldSecret, secret] });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  test("still accepts the old secret while both are configured", async () => {
    const result = await verify(fixture, { "stripe-signature": await stripeHeader(fixture, oldSecret) }, { secrets: [oldSecret, secret] });
    expect(result).toMatchObject({ ok: true, secretIndex: 0 });
  });

  test("accepts a header with several v1= entries when only the second one matches", async () => {
    const other = await stripeHeader(fixture, "whsec_not_configured");
    const good = await stripeHeader(fixture, secret);
    const header = `t=${now},${v1Of(other)},${v1Of(good)}`;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: true, secretIndex: 0 });
  });

  test("ignores a v0= entry (Stripe's test-mode legacy scheme) beside a good v1=", async () => {
    const good = await stripeHeader(fixture, secret);
    const header = `${good},v0=${"ab".repeat(32)}`;
    expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: true });
  });

  test("rejects a header whose only signatures are v0=", async () => {
    const header = `t=${now},v0=${v1Of(await stripeHeader(fixture, secret)).slice(3)}`;
    expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("accepts a timestamp exactly at the tolerance", async () => {
    const header = await stripeHeader(fixture, secret, now - 300);
    expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: true });
  });

  test("rejects a timestamp older than the tolerance", async () => {
    const header = await stripeHeader(fixture, secret, now - 301);
    const result = await verify(fixture, { "stripe-signature": header });
    expect(result).toMatchObject({ ok: false, reason: "stale" });
    expect(result.ok || result.detail).toContain("STRIPE_TOLERANCE_SECONDS");
  });

  test("rejects a timestamp further in the future than the tolerance", async () => {
    const header = await stripeHeader(fixture, secret, now + 301);
    const result = await verify(fixture, { "stripe-signature": header });
    expect(result).toMatchObject({ ok: false, reason: "stale" });
    expect(result.ok || result.detail).toContain("future");
  });

  test("uses the configured tolerance, not Stripe's default", async () => {
    const header = await stripeHeader(fixture, secret, now - 11);
    expect(await verify(fixture, { "stripe-signature": header }, { tolerance: 10 })).toMatchObject({ ok: false, reason: "stale" });
    expect(await verify(fixture, { "stripe-signature": header }, { tolerance: 11 })).toMatchObject({ ok: true });
  });

  test("rejects a tampered body", async () => {
    const header = await stripeHeader(fixture, secret);
    const tampered = fixture.replace('"amount_total": 4200', '"amount_total": 1');
    expect(tampered).not.toBe(fixture);
    expect(await verify(tampered, { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("rejects a body that was re-serialised after signing (whitespace differs)", async () => {
    const header = await stripeHeader(fixture, secret);
    const reserialised = JSON.stringify(JSON.parse(fixture));
    expect(await verify(reserialised, { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("rejects a request without Stripe-Signature", async () => {
    expect(await verify(fixture, { "content-type": "application/json" })).toMatchObject({ ok: false, reason: "missing-signature" });
  });

  test("rejects an empty Stripe-Signature", async () => {
    expect(await verify(fixture, { "stripe-signature": "" })).toMatchObject({ ok: false });
  });

  for (const [name, header] of [
    ["no t= element", "v1=" + "a".repeat(64)],
    ["a non-numeric t=", "t=yesterday,v1=" + "a".repeat(64)],
    ["plain garbage", "garbage"],
    ["t= but no v1=", `t=${now}`],
    ["a v1= that is not hex", `t=${now},v1=not-a-signature`],
    ["a truncated v1=", `t=${now},v1=abc`],
    ["separators only", ",,,=,="],
  ] as const) {
    test(`rejects a malformed Stripe-Signature: ${name}`, async () => {
      expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
    });
  }

  test("rejects a correctly signed body that is not JSON", async () => {
    const body = "id=evt_1&type=checkout.session.completed";
    const result = await verify(body, { "stripe-signature": await stripeHeader(body, secret) });
    expect(result).toMatchObject({ ok: false, reason: "bad-body" });
  });

  for (const [name, body] of [
    ["no id", JSON.stringify({ object: "event", type: "checkout.session.completed" })],
    ["an empty id", JSON.stringify({ id: "", object: "event", type: "checkout.session.completed" })],
    ["a numeric id", JSON.stringify({ id: 42, object: "event", type: "checkout.session.completed" })],
    ['"object" other than "event"', JSON.stringify({ id: "cs_test_1", object: "checkout.session", type: "checkout.session.completed" })],
    ["no object", JSON.stringify({ id: "evt_1", type: "checkout.session.completed" })],
    ["no type", JSON.stringify({ id: "evt_1", object: "event" })],
    ["a JSON array", JSON.stringify([{ id: "evt_1", object: "event", type: "x" }])],
    ["JSON null", "null"],
    ["a JSON string", '"evt_1"'],
  ] as const) {
    test(`rejects signed JSON that is not a Stripe event: ${name}`, async () => {
      const result = await verify(body, { "stripe-signature": await stripeHeader(body, secret) });
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
    });
  }

  describe("replays (issue 8: the timestamp checked must be the one signed)", () => {
    const old = now - 3_600;

    test("refuses a captured old signature behind a fresh t=", async () => {
      const captured = await stripeHeader(fixture, secret, old);
      const result = await verify(fixture, { "stripe-signature": `t=${now},${captured}` });
      expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
      expect(result.ok || result.detail).toContain("2 t= elements");
    });

    // The SDK reads " t" as another key and the last "t" as the timestamp; a trimming reader the first.
    test("refuses a captured old signature behind a fresh t= preceded by a space", async () => {
      const captured = await stripeHeader(fixture, secret, old);
      const header = `${v1Of(captured)}, t=${now},t=${old}`;
      expect(await verify(fixture, { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    test("refuses a fresh t= after the captured old one", async () => {
      const captured = await stripeHeader(fixture, secret, old);
      expect(await verify(fixture, { "stripe-signature": `${captured},t=${now}` })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    test("refuses two t= elements even when both are fresh and one is signed", async () => {
      const fresh = await stripeHeader(fixture, secret, now);
      expect(await verify(fixture, { "stripe-signature": `t=${now - 1},${fresh}` })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    test("checks the window against the signed timestamp: an old one alone is stale", async () => {
      expect(await verify(fixture, { "stripe-signature": await stripeHeader(fixture, secret, old) })).toMatchObject({ ok: false, reason: "stale" });
    });
  });

  describe("the HMAC covers the exact bytes (issue 8)", () => {
    test("refuses a signed body with a UTF-8 BOM put in front of it", async () => {
      const header = await stripeHeader(fixture, secret);
      expect(await verify(concat(bom, utf8(fixture)), { "stripe-signature": header })).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    test("a body that starts with a BOM, signed as such, is not JSON: 400, never a crash", async () => {
      const body = "\uFEFF" + fixture;
      const result = await verify(body, { "stripe-signature": await stripeHeader(body, secret) });
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
    });

    test("a body of only a BOM, signed, is refused as not JSON", async () => {
      expect(await verify("\uFEFF", { "stripe-signature": await stripeHeader("\uFEFF", secret) })).toMatchObject({ ok: false, reason: "bad-body" });
    });

    // The SDK signs strings only, so bytes that are not UTF-8 are signed here as Stripe documents the
    // scheme: HMAC-SHA256 of "<t>." followed by the body bytes.
    test("a validly signed body that is not UTF-8 is refused as bad-body, not as a bad signature", async () => {
      const body = concat(utf8(eventJson({ note: "" }).slice(0, -2)), new Uint8Array([0xff, 0xfe]), utf8('"}'));
      const v1 = createHmac("sha256", secret).update(`${now}.`).update(body).digest("hex");
      const result = await verify(body, { "stripe-signature": `t=${now},v1=${v1}` });
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
      expect(result.ok || result.detail).toContain("UTF-8");
    });

    test("keeps the body text byte for byte", async () => {
      const body = eventJson({ city: "Zürich 🏔" });
      const result = await verify(body, { "stripe-signature": await stripeHeader(body, secret) });
      expect(result.ok && new TextEncoder().encode(result.bodyText)).toEqual(utf8(body));
    });
  });

  describe("ids and types a row can hold (issue 8)", () => {
    for (const [name, fields] of [
      ["a 5,000-character id", { id: "evt_" + "x".repeat(4_996) }],
      ["a 256-character type", { type: "t".repeat(256) }],
      ["an id with a space", { id: "evt_1 2" }],
      ["an id with a non-ASCII character", { id: "evt_é" }],
      ["a type with a NUL", { type: "checkout\u0000completed" }],
    ] as const) {
      test(`refuses a signed event with ${name}`, async () => {
        const body = eventJson(fields);
        const result = await verify(body, { "stripe-signature": await stripeHeader(body, secret) });
        expect(result).toMatchObject({ ok: false, reason: "bad-body" });
        expect(result.ok || result.detail).toContain("255 printable ASCII");
      });
    }

    test("accepts an id of exactly 255 characters", async () => {
      const body = eventJson({ id: "evt_" + "x".repeat(251) });
      expect(await verify(body, { "stripe-signature": await stripeHeader(body, secret) })).toMatchObject({ ok: true });
    });

    test(`refuses a signed event nested 100,000 deep, and accepts one nested exactly ${maxJsonDepth} deep`, async () => {
      const deep = eventJson({ data: "@" }).replace('"@"', nested(100_000));
      const refused = await verify(deep, { "stripe-signature": await stripeHeader(deep, secret) });
      expect(refused).toMatchObject({ ok: false, reason: "bad-body" });
      expect(refused.ok || refused.detail).toContain("deeper");
      const limit = eventJson({ data: "@" }).replace('"@"', nested(maxJsonDepth - 1));
      expect(await verify(limit, { "stripe-signature": await stripeHeader(limit, secret) })).toMatchObject({ ok: true });
    });
  });

  test("rejects everything when no secret is configured", async () => {
    const result = await verify(fixture, { "stripe-signature": await stripeHeader(fixture, secret) }, { secrets: [] });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
  });
});
