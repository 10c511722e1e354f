// Slack verifier: Slack's documented example vector, the url_verification challenge, ids from event_id.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { signSlack } from "../../src/providers/slack-sign.ts";
import { slack, verifySlack } from "../../src/providers/slack.ts";

const now = 1_700_000_000;
const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const utf8 = (text: string) => new TextEncoder().encode(text);
const callback = JSON.stringify({
  token: "XXYYZZ",
  team_id: "T123ABC456",
  api_app_id: "A123ABC456",
  event: { type: "app_mention", user: "U123ABC456", text: "<@U0LAN0Z89> hi", ts: "1515449522.000016", channel: "C123ABC456" },
  type: "event_callback",
  event_id: "Ev123ABC456",
  event_time: 1515449522000016,
});

function verify(body: string | Uint8Array, headers: Record<string, string>, { secrets = [secret], at = now } = {}) {
  const h = new Headers(headers);
  return verifySlack({ body: typeof body === "string" ? utf8(body) : body, header: (name) => h.get(name), secrets, now: at, toleranceSeconds: 300 });
}

describe("verifySlack", () => {
  test("round trip: accepts what the signer makes, id from event_id and type from event.type", async () => {
    expect(await verify(callback, signSlack(callback, secret, now))).toEqual({
      ok: true,
      eventId: "Ev123ABC456",
      eventType: "app_mention",
      payloadJson: callback,
      bodyText: callback,
      secretIndex: 0,
    });
  });

  test("reproduces Slack's documented example: its signature matches its secret, timestamp and body", async () => {
    // https://docs.slack.dev/authentication/verifying-requests-from-slack (a slash command, so form-encoded).
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = { "x-slack-request-timestamp": "1531420618", "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" };
    expect(signSlack(body, secret, 1531420618)["x-slack-signature"]).toBe(headers["x-slack-signature"]);
    // The signature holds; a slash command is no Events API callback, so the refusal is the body's.
    expect(await verify(body, headers, { at: 1531420618 })).toMatchObject({ ok: false, reason: "bad-body" });
    expect(await verify(body, headers, { at: 1531420618, secrets: ["another-signing-secret-0123"] })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("answers a signed url_verification with its challenge instead of storing it", async () => {
    const body = JSON.stringify({ token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" });
    expect(await verify(body, signSlack(body, secret, now))).toEqual({ ok: true, handshake: { challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" } });
    expect(await verify(body, signSlack(body, "not-the-signing-secret-0123", now))).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("takes the top-level type when there is no inner event", async () => {
    const body = JSON.stringify({ type: "app_rate_limited", event_id: "Ev999", team_id: "T1" });
    expect(await verify(body, signSlack(body, secret, now))).toMatchObject({ ok: true, eventId: "Ev999", eventType: "app_rate_limited" });
  });

  test("refuses a timestamp more than 5 minutes old or ahead, and a signature over another timestamp", async () => {
    expect(await verify(callback, signSlack(callback, secret, now - 301))).toMatchObject({ ok: false, reason: "stale" });
    expect(await verify(callback, signSlack(callback, secret, now + 301))).toMatchObject({ ok: false, reason: "stale" });
    const headers = signSlack(callback, secret, now - 10);
    expect(await verify(callback, { ...headers, "x-slack-request-timestamp": String(now) })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("tries every secret and refuses a tampered body", async () => {
    expect(await verify(callback, signSlack(callback, secret, now), { secrets: ["old-signing-secret-01234", secret] })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verify(callback.replace("hi", "ho"), signSlack(callback, secret, now))).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("precheck refuses from the headers alone", () => {
    const headers = signSlack(callback, secret, now);
    const precheck = (h: Record<string, string>) => slack.precheck((n) => new Headers(h).get(n), {});
    expect(precheck(headers)).toBeNull();
    expect(precheck({ ...headers, "x-slack-signature": "" })).toMatchObject({ reason: "missing-signature" });
    expect(precheck({ ...headers, "x-slack-signature": "v1=" + "0".repeat(64) })).toMatchObject({ reason: "bad-signature" });
    expect(precheck({ ...headers, "x-slack-request-timestamp": "-5" })).toMatchObject({ reason: "bad-headers" });
  });

  test("refuses signed bodies it cannot store: no event_id, an id with spaces, not UTF-8, a challenge that is not a token", async () => {
    for (const body of [
      JSON.stringify({ type: "event_callback", event: { type: "message" } }),
      JSON.stringify({ type: "event_callback", event_id: "Ev 1", event: { type: "message" } }),
      JSON.stringify({ type: "url_verification", challenge: "<script>" + "x".repeat(300) }),
    ]) {
      expect(await verify(body, signSlack(body, secret, now))).toMatchObject({ ok: false, reason: "bad-body" });
    }
    const latin1 = new Uint8Array([...utf8('{"type":"event_callback","event_id":"Ev1","x":"'), 0xe9, ...utf8('"}')]);
    const mac = createHmac("sha256", secret).update(`v0:${now}:`).update(latin1).digest("hex");
    expect(await verify(latin1, { "x-slack-request-timestamp": String(now), "x-slack-signature": `v0=${mac}` })).toMatchObject({ ok: false, reason: "bad-body" });
  });
});
