// GitHub verifier over GitHub's captured payloads (@octokit/webhooks-examples), signed with GitHub's own library.
import { describe, expect, test } from "bun:test";
import examples from "@octokit/webhooks-examples";
import { sign } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { signGithub } from "../../src/providers/github-sign.ts";
import { verifyGithub } from "../../src/providers/github.ts";

const now = 1_700_000_000;
const secret = "github-unit-current-secret";
const oldSecret = "github-unit-old-secret";
const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
const push = readFileSync(new URL("../fixtures/github-push.json", import.meta.url), "utf8");

function verify(body: string | Uint8Array, headers: Record<string, string>, secrets: string[] = [secret]) {
  const h = new Headers(headers);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return verifyGithub({ body: bytes, header: (name) => h.get(name), secrets, now, toleranceSeconds: 300 });
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const utf8 = (text: string) => new TextEncoder().encode(text);

/** The headers GitHub sends with a JSON delivery, the signature made by @octokit/webhooks-methods. */
async function githubHeaders(body: string, signingSecret = secret, event = "push", extra: Record<string, string> = {}) {
  return {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/044aadd",
    "x-github-event": event,
    "x-github-delivery": delivery,
    "x-github-hook-id": "292430182",
    "x-hub-signature-256": await sign(signingSecret, body),
    ...extra,
  };
}

const without = (headers: Record<string, string>, name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));

describe("verifyGithub", () => {
  test("accepts a delivery signed by signGithub (round trip)", async () => {
    const result = await verify(push, await signGithub(push, secret, "push", delivery));
    expect(result).toEqual({ ok: true, eventId: delivery, eventType: "push", payloadJson: push, bodyText: push, secretIndex: 0 });
  });

  test("accepts a captured push payload signed with @octokit/webhooks-methods", async () => {
    expect(await verify(push, await githubHeaders(push))).toMatchObject({ ok: true, eventId: delivery, eventType: "push" });
  });

  test("rejects a signature made with another secret, without echoing any secret", async () => {
    const result = await verify(push, await githubHeaders(push, "someone-elses-secret"));
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
    if (result.ok) throw new Error("unreachable");
    expect(result.detail).toContain("GITHUB_WEBHOOK_SECRET");
    expect(result.detail).not.toContain(secret);
    expect(result.detail).not.toContain("someone-elses-secret");
  });

  test("accepts the second configured secret and reports its position", async () => {
    expect(await verify(push, await githubHeaders(push, secret), [oldSecret, secret])).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verify(push, await githubHeaders(push, oldSecret), [oldSecret, secret])).toMatchObject({ ok: true, secretIndex: 0 });
  });

  test("rejects a tampered body", async () => {
    const headers = await githubHeaders(push);
    const tampered = push.replace('"ref":"refs/tags/simple-tag"', '"ref":"refs/heads/main"');
    expect(tampered).not.toBe(push);
    expect(await verify(tampered, headers)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("rejects a request without any signature", async () => {
    const result = await verify(push, without(await githubHeaders(push), "x-hub-signature-256"));
    expect(result).toMatchObject({ ok: false, reason: "missing-signature" });
  });

  test("rejects a request signed only with the legacy SHA-1 X-Hub-Signature, even when that signature is right", async () => {
    const sha1 = "sha1=" + createHmac("sha1", secret).update(push).digest("hex");
    const headers = { ...without(await githubHeaders(push), "x-hub-signature-256"), "x-hub-signature": sha1 };
    const result = await verify(push, headers);
    expect(result).toMatchObject({ ok: false, reason: "missing-signature" });
    expect(result.ok || result.detail).toContain("SHA-1");
  });

  test("ignores a wrong legacy X-Hub-Signature beside a good X-Hub-Signature-256", async () => {
    const headers = { ...(await githubHeaders(push)), "x-hub-signature": "sha1=" + "0".repeat(40) };
    expect(await verify(push, headers)).toMatchObject({ ok: true });
  });

  for (const [name, signature] of [
    ["no sha256= prefix", createHmac("sha256", secret).update(push).digest("hex")],
    ["a sha1= value in the SHA-256 header", "sha1=" + createHmac("sha1", secret).update(push).digest("hex")],
    ["too short", "sha256=abc123"],
    ["not hex", "sha256=" + "z".repeat(64)],
    ["base64 instead of hex", "sha256=" + createHmac("sha256", secret).update(push).digest("base64")],
    ["garbage", "garbage"],
  ] as const) {
    test(`rejects a malformed X-Hub-Signature-256: ${name}`, async () => {
      const headers = { ...(await githubHeaders(push)), "x-hub-signature-256": signature };
      expect(await verify(push, headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    });
  }

  test("rejects a delivery without X-GitHub-Delivery", async () => {
    const result = await verify(push, without(await githubHeaders(push), "x-github-delivery"));
    expect(result).toMatchObject({ ok: false, reason: "bad-headers" });
  });

  test("rejects a delivery without X-GitHub-Event", async () => {
    const result = await verify(push, without(await githubHeaders(push), "x-github-event"));
    expect(result).toMatchObject({ ok: false, reason: "bad-headers" });
  });

  test("takes the event type from X-GitHub-Event verbatim (pull_request, not pull_request.opened)", async () => {
    const pr = JSON.stringify(examples.find((d) => d.name === "pull_request")!.examples.find((e) => "action" in e && e.action === "opened"));
    expect(await verify(pr, await githubHeaders(pr, secret, "pull_request"))).toMatchObject({ ok: true, eventType: "pull_request" });
  });

  test("accepts a ping (GitHub's first delivery to a new hook)", async () => {
    const ping = JSON.stringify(examples.find((d) => d.name === "ping")!.examples[0]);
    expect(await verify(ping, await githubHeaders(ping, secret, "ping"))).toMatchObject({ ok: true, eventType: "ping" });
  });

  test("accepts an application/x-www-form-urlencoded delivery, signed over the raw form body", async () => {
    const form = `payload=${encodeURIComponent(push)}`;
    const headers = await githubHeaders(form, secret, "push", { "content-type": "application/x-www-form-urlencoded" });
    const result = await verify(form, headers);
    expect(result).toEqual({ ok: true, eventId: delivery, eventType: "push", payloadJson: push, bodyText: form, secretIndex: 0 });
  });

  test("rejects a form delivery whose signature covers the JSON instead of the raw form body", async () => {
    const form = `payload=${encodeURIComponent(push)}`;
    const headers = { ...(await githubHeaders(push)), "content-type": "application/x-www-form-urlencoded" };
    expect(await verify(form, headers)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("rejects a signed form delivery without a payload field", async () => {
    const form = `data=${encodeURIComponent(push)}`;
    const headers = await githubHeaders(form, secret, "push", { "content-type": "application/x-www-form-urlencoded" });
    expect(await verify(form, headers)).toMatchObject({ ok: false, reason: "bad-body" });
  });

  test("rejects a signed form delivery whose payload is not JSON", async () => {
    const form = "payload=not-json";
    const headers = await githubHeaders(form, secret, "push", { "content-type": "application/x-www-form-urlencoded" });
    expect(await verify(form, headers)).toMatchObject({ ok: false, reason: "bad-body" });
  });

  for (const [name, body] of [
    ["not JSON", "hello"],
    ["a JSON array", "[1,2,3]"],
    ["JSON null", "null"],
  ] as const) {
    test(`rejects a signed JSON delivery whose body is ${name}`, async () => {
      expect(await verify(body, await githubHeaders(body))).toMatchObject({ ok: false, reason: "bad-body" });
    });
  }

  // @octokit/webhooks-methods' verify() threw a TypeError for an empty payload, which the route
  // turned into a 500: a bad body from outside must be a 400.
  test("rejects an empty body with a well-formed signature instead of throwing", async () => {
    const headers = { ...(await githubHeaders(push)), "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update("").digest("hex") };
    expect(await verify("", headers)).toMatchObject({ ok: false, reason: "bad-body" });
  });

  describe("the HMAC covers the exact bytes (issue 8)", () => {
    test("refuses a signed body with a UTF-8 BOM put in front of it", async () => {
      const headers = await githubHeaders(push);
      const forged = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(push)]);
      expect(await verify(forged, headers)).toMatchObject({ ok: false, reason: "bad-signature" });
    });

    test("a body that starts with a BOM, signed as such, is not a JSON object: 400 bad-body", async () => {
      const body = "\uFEFF" + push;
      expect(await verify(body, await githubHeaders(body))).toMatchObject({ ok: false, reason: "bad-body" });
    });

    // @octokit/webhooks-methods signs strings only, so bytes that are not UTF-8 are signed here the way
    // GitHub documents it: HMAC-SHA256 of the body bytes, hex, after "sha256=".
    test("a validly signed body that is not UTF-8 is refused as bad-body, not as a bad signature", async () => {
      const body = new Uint8Array([...utf8('{"zen":"'), 0xc3, 0x28, ...utf8('"}')]);
      const headers = { ...(await githubHeaders(push)), "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex") };
      const result = await verify(body, headers);
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
      expect(result.ok || result.detail).toContain("UTF-8");
    });
  });

  describe("delivery ids and event names a row can hold (issue 8)", () => {
    for (const [name, extra] of [
      ["an 8 KB X-GitHub-Delivery", { "x-github-delivery": "d".repeat(8_192) }],
      ["an 8 KB X-GitHub-Event", { "x-github-event": "e".repeat(8_192) }],
      ["a 256-character X-GitHub-Delivery", { "x-github-delivery": "d".repeat(256) }],
      ["an X-GitHub-Event with a space", { "x-github-event": "pull request" }],
      // Header values are byte strings: U+00E9 here is the single byte 0xE9 on the wire.
      ["an X-GitHub-Delivery with a byte outside ASCII", { "x-github-delivery": "caf\u00e9" }],
    ] as const) {
      test(`refuses a signed delivery with ${name}`, async () => {
        const result = await verify(push, await githubHeaders(push, secret, "push", extra));
        expect(result).toMatchObject({ ok: false, reason: "bad-headers" });
        expect(result.ok || result.detail).toContain("255 printable ASCII");
      });
    }

    test("refuses a signed delivery nested 100,000 deep", async () => {
      const deep = `{"zen":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
      const result = await verify(deep, await githubHeaders(deep));
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
      expect(result.ok || result.detail).toContain("deeper");
    });
  });

  describe("a form delivery is exactly one payload field (issue 8)", () => {
    test("refuses a JSON-signed body resent as a form, where a string inside it would read as a payload field", async () => {
      const json = JSON.stringify({ zen: "x&payload={}&y=" });
      expect(new URLSearchParams(json).get("payload")).toBe("{}");
      const result = await verify(json, await githubHeaders(json, secret, "push", form));
      expect(result).toMatchObject({ ok: false, reason: "bad-body" });
    });

    for (const [name, body] of [
      ["two payload fields", `payload=${encodeURIComponent("{}")}&payload=${encodeURIComponent('{"b":1}')}`],
      ["a second field", `payload=${encodeURIComponent("{}")}&other=1`],
      ["a trailing &", `payload=${encodeURIComponent("{}")}&`],
      ["a malformed %-escape", "payload=%7B%ZZ%7D"],
      ["a %-escape that is not UTF-8", "payload=%7B%22a%22%3A%22%FF%22%7D"],
      ["a payload that is a JSON array", `payload=${encodeURIComponent("[{}]")}`],
    ] as const) {
      test(`refuses a signed form delivery with ${name}`, async () => {
        expect(await verify(body, await githubHeaders(body, secret, "push", form))).toMatchObject({ ok: false, reason: "bad-body" });
      });
    }

    test("decodes + as a space in the payload field, as forms do", async () => {
      const body = "payload=" + encodeURIComponent('{"zen":"a b"}').replaceAll("%20", "+");
      expect(await verify(body, await githubHeaders(body, secret, "push", form))).toMatchObject({ ok: true, payloadJson: '{"zen":"a b"}' });
    });
  });

  test("accepts the first captured example of every event GitHub documents", async () => {
    const failures: string[] = [];
    for (const { name, examples: list } of examples) {
      const body = JSON.stringify(list[0]);
      if (list.length === 0) continue;
      const result = await verify(body, await githubHeaders(body, secret, name));
      if (!result.ok || result.eventType !== name) failures.push(name);
    }
    expect(failures).toEqual([]);
  });
});
