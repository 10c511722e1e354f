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

function verify(body: string, headers: Record<string, string>, secrets: string[] = [secret]) {
  const h = new Headers(headers);
  return verifyGithub({ body: new TextEncoder().encode(body), header: (name) => h.get(name), secrets, now, toleranceSeconds: 300 });
}

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
    expect(result).toEqual({ ok: true, eventId: delivery, eventType: "push", payloadJson: push, secretIndex: 0 });
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
    expect(result).toEqual({ ok: true, eventId: delivery, eventType: "push", payloadJson: push, secretIndex: 0 });
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

  // @octokit/webhooks-methods' verify() throws a TypeError for an empty payload, which the route
  // turned into a 500: a bad body from outside must be a 400.
  test("rejects an empty body with a well-formed signature instead of throwing", async () => {
    const headers = { ...(await githubHeaders(push)), "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update("").digest("hex") };
    expect(await verify("", headers)).toMatchObject({ ok: false, reason: "bad-body" });
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
