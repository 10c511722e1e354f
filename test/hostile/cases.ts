// The named hostile cases: each one a request an attacker, a broken proxy or a confused sender could
// make, with what the contract owes it. Grouped as in issue 8: malformed, oversized, replayed,
// re-encoded, confusing. Built fresh for each run (timestamps and ids must be new).
import { sampleGithubEvent } from "../../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { stripeSecret } from "../support/signing.ts";
import { githubDelivery, githubSig, maxBodyBytes, now, stripeDelivery, stripeV1, toleranceSeconds, toRaw, type Case } from "./harness.ts";
import { chunked, utf8, type RawRequest } from "./raw-http.ts";

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const bom = Uint8Array.of(0xef, 0xbb, 0xbf);

/** A Stripe request whose Stripe-Signature is `header(t, v1-over-the-signed-bytes)`, sent with `sent` bytes. */
function stripeRaw(signed: Uint8Array, header: (t: number, v1: string) => string, sent: Uint8Array = signed, t = now(), extra: Record<string, string> = json): RawRequest {
  return toRaw("/webhooks/stripe", { ...extra, "stripe-signature": header(t, stripeV1(signed, t)) }, sent);
}
const plain = (t: number, v1: string) => `t=${t},v1=${v1}`;

function githubRaw(signed: Uint8Array, opts: { sent?: Uint8Array; event?: string | Uint8Array; id?: string | Uint8Array; type?: Record<string, string> } = {}): RawRequest {
  return {
    target: "/webhooks/github",
    headers: [
      ["content-type", (opts.type ?? json)["content-type"]!],
      ["x-github-event", opts.event ?? "push"],
      ["x-github-delivery", opts.id ?? crypto.randomUUID()],
      ["x-hub-signature-256", githubSig(signed)],
    ],
    body: opts.sent ?? signed,
  };
}

const stripeEvent = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ ...JSON.parse(sampleStripeEvent("customer.subscription.updated", { now: now() })), ...fields });

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

export async function namedCases(): Promise<Case[]> {
  const cases: Case[] = [];
  const add = (name: string, verdict: Case["verdict"], request: RawRequest, timeoutMs?: number) => cases.push({ name, verdict, request, timeoutMs });
  const s = await stripeDelivery();
  const sBody = utf8(s.body);
  const g = await githubDelivery({ event: "push" });
  const gBody = utf8(g.body);

  // Malformed
  add("stripe: no signature header", "unsigned", toRaw("/webhooks/stripe", json, sBody));
  add("stripe: empty signature header", "unsigned", toRaw("/webhooks/stripe", { ...json, "stripe-signature": "" }, sBody));
  add("stripe: signature header of garbage", "unsigned", toRaw("/webhooks/stripe", { ...json, "stripe-signature": "abc,,=,=v1" }, sBody));
  add("stripe: v1 of the wrong secret", "unsigned", stripeRaw(sBody, (t) => `t=${t},v1=${stripeV1(sBody, t, "whsec_not_the_secret")}`));
  add("stripe: v1 of a good length but wrong", "unsigned", stripeRaw(sBody, (t) => `t=${t},v1=${"0".repeat(64)}`));
  add("stripe: only a v0 signature", "unsigned", stripeRaw(sBody, (t, v1) => `t=${t},v0=${v1}`));
  add("stripe: t= not a number", "unsigned", stripeRaw(sBody, (_t, v1) => `t=abc,v1=${v1}`));
  for (const [name, body] of [
    ["not JSON", "this is not json"],
    ["a JSON array", "[1,2,3]"],
    ["a JSON string", '"evt_1"'],
    ["an object without id", JSON.stringify({ object: "event", type: "x.y" })],
    ["object other than event", stripeEvent({ object: "charge" })],
    ["a numeric id", stripeEvent({ id: 12345 })],
    ["a missing type", stripeEvent({ type: undefined })],
    ["an empty id", stripeEvent({ id: "" })],
    ["an empty body", ""],
    ["JSON null", "null"],
    ["truncated JSON", s.body.slice(0, 40)],
  ] as const) {
    add(`stripe: signed body that is ${name}`, "refuse", stripeRaw(utf8(body), plain));
  }
  add("github: no signature header", "unsigned", toRaw("/webhooks/github", { ...json, "x-github-event": "push", "x-github-delivery": crypto.randomUUID() }, gBody));
  add("github: only the sha1 X-Hub-Signature", "unsigned", toRaw("/webhooks/github", { ...json, "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature": "sha1=" + "0".repeat(40) }, gBody));
  add("github: signature of another secret", "unsigned", toRaw("/webhooks/github", { ...json, "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": githubSig(gBody, "wrong") }, gBody));
  add("github: signature without sha256= prefix", "unsigned", toRaw("/webhooks/github", { ...json, "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": githubSig(gBody).slice(7) }, gBody));
  add("github: signed, no X-GitHub-Delivery", "refuse", { target: "/webhooks/github", headers: [["content-type", "application/json"], ["x-github-event", "push"], ["x-hub-signature-256", githubSig(gBody)]], body: gBody });
  add("github: signed, no X-GitHub-Event", "refuse", { target: "/webhooks/github", headers: [["content-type", "application/json"], ["x-github-delivery", crypto.randomUUID()], ["x-hub-signature-256", githubSig(gBody)]], body: gBody });
  add("github: signed body that is not JSON", "refuse", githubRaw(utf8("nope")));
  add("github: signed empty body", "refuse", githubRaw(new Uint8Array()));
  add("webhook for an unknown source", "unsigned", toRaw("/webhooks/gitlab", json, gBody));
  add("GET on a webhook route", "unsigned", { method: "GET", target: "/webhooks/stripe", headers: [] });

  // Oversized
  const big = utf8(stripeEvent({ padding: "x".repeat(maxBodyBytes) }));
  add("stripe: signed body over MAX_BODY_BYTES", "refuse", stripeRaw(big, plain));
  add("stripe: unsigned body over MAX_BODY_BYTES", "unsigned", toRaw("/webhooks/stripe", json, big));
  add("stripe: Content-Length of a terabyte, no body", "unsigned", { target: "/webhooks/stripe", headers: [["content-type", "application/json"], ["content-length", "1000000000000"]] }, 5_000);
  add("stripe: signed body over MAX_BODY_BYTES, chunked", "refuse", { ...stripeRaw(big, plain), body: chunked(big, 64 * 1024), noLength: true, headers: [...stripeRaw(big, plain).headers, ["transfer-encoding", "chunked"]] });
  add("github: signed body over MAX_BODY_BYTES", "refuse", githubRaw(utf8(JSON.stringify({ zen: "x".repeat(maxBodyBytes) }))));

  // Replayed
  const old = now() - toleranceSeconds - 120;
  const stale = utf8(sampleStripeEvent("customer.subscription.updated", { now: old }));
  add("stripe: stale t= beyond the tolerance", "unsigned", stripeRaw(stale, plain, stale, old));
  add("stripe: fresh t= first, the stale signed t= last", "unsigned", toRaw("/webhooks/stripe", { ...json, "stripe-signature": `t=${now()},t=${old},v1=${stripeV1(stale, old)}` }, stale));
  add("stripe: stale signed t= first, fresh t= last", "unsigned", toRaw("/webhooks/stripe", { ...json, "stripe-signature": `t=${old},t=${now()},v1=${stripeV1(stale, old)}` }, stale));
  add("stripe: fresh t=, then ' t=' stale with a space", "unsigned", toRaw("/webhooks/stripe", { ...json, "stripe-signature": ` t=${now()}, t=${old},v1=${stripeV1(stale, old)}` }, stale));
  add("stripe: two t= both signed, one stale", "refuse", (() => {
    const t = now();
    const body = utf8(stripeEvent());
    return toRaw("/webhooks/stripe", { ...json, "stripe-signature": `t=${t},t=${old},v1=${stripeV1(body, t)},v1=${stripeV1(body, old)}` }, body);
  })());
  add("stripe: the same v1 twice", "any", stripeRaw(utf8(stripeEvent()), (t, v1) => `t=${t},v1=${v1},v1=${v1}`));
  add("stripe: a wrong v1 then the right one (rotation)", "any", stripeRaw(utf8(stripeEvent()), (t, v1) => `t=${t},v1=${"f".repeat(64)},v1=${v1}`));
  add("stripe: t= in milliseconds", "unsigned", (() => {
    const body = utf8(stripeEvent());
    const ms = Date.now();
    return toRaw("/webhooks/stripe", { ...json, "stripe-signature": `t=${ms},v1=${stripeV1(body, ms)}` }, body);
  })());
  add("stripe: an acknowledged event replayed with its stale signature", "unsigned", stripeRaw(sBody, plain, sBody, old));

  // Re-encoded
  add("stripe: BOM put in front of a signed body", "unsigned", stripeRaw(sBody, plain, concat(bom, sBody)));
  add("github: BOM put in front of a signed body", "unsigned", githubRaw(gBody, { sent: concat(bom, gBody) }));
  add("stripe: a body of only a BOM, signed", "refuse", stripeRaw(bom, plain));
  add("github: a body of only a BOM, signed", "refuse", githubRaw(bom));
  add("stripe: BOM and body, signed over both", "any", stripeRaw(concat(bom, utf8(stripeEvent())), plain));
  const utf16 = new Uint8Array(Buffer.from(stripeEvent(), "utf16le"));
  add("stripe: UTF-16LE body, signed over its bytes", "any", stripeRaw(utf16, plain));
  const invalid = (() => {
    const text = stripeEvent({ description: "@@@@" });
    const at = text.indexOf("@@@@");
    return concat(utf8(text.slice(0, at)), Uint8Array.of(0xff, 0xfe, 0xc3, 0x28), utf8(text.slice(at + 4)));
  })();
  add("stripe: invalid UTF-8 in a string, signed over the bytes", "any", stripeRaw(invalid, plain));
  add("stripe: invalid UTF-8 sent, signed over its U+FFFD decoding", "unsigned", stripeRaw(utf8(new TextDecoder().decode(invalid)), plain, invalid));
  add("github: invalid UTF-8 sent, signed over its U+FFFD decoding", "unsigned", githubRaw(utf8(new TextDecoder().decode(invalid)), { sent: invalid }));
  const reordered = (text: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()));
  add("stripe: JSON re-serialised with other whitespace", "unsigned", stripeRaw(sBody, plain, utf8(JSON.stringify(JSON.parse(s.body), null, 2))));
  add("stripe: JSON re-serialised in another key order", "unsigned", stripeRaw(sBody, plain, utf8(reordered(s.body))));
  add("github: JSON re-serialised with other whitespace", "unsigned", githubRaw(gBody, { sent: utf8(JSON.stringify(JSON.parse(g.body), null, 1)) }));
  add("stripe: re-serialised JSON, signed over the new bytes", "accept", stripeRaw(utf8(reordered(stripeEvent())), plain));
  add("stripe: signed JSON sent as text/plain", "any", stripeRaw(utf8(stripeEvent()), plain, undefined, now(), { "content-type": "text/plain" }));
  add("stripe: signed JSON sent as a form", "any", stripeRaw(utf8(stripeEvent()), plain, undefined, now(), form));
  const untyped = utf8(stripeEvent());
  add("stripe: signed JSON with no content type", "any", { target: "/webhooks/stripe", headers: [["stripe-signature", plain(now(), stripeV1(untyped, now()))]], body: untyped });
  const ping = sampleGithubEvent("ping");
  const formBody = (fields: string) => utf8(fields);
  add("github: form delivery, one payload field", "accept", githubRaw(formBody(`payload=${encodeURIComponent(ping)}`), { type: form, event: "ping" }));
  add("github: form delivery, two payload fields", "refuse", githubRaw(formBody(`payload=${encodeURIComponent(ping)}&payload=${encodeURIComponent('{"zen":"b"}')}`), { type: form, event: "ping" }));
  add("github: form delivery, payload and another field", "refuse", githubRaw(formBody(`payload=${encodeURIComponent(ping)}&other=1`), { type: form, event: "ping" }));
  add("github: form delivery without a payload field", "refuse", githubRaw(formBody(`data=${encodeURIComponent(ping)}`), { type: form, event: "ping" }));
  add("github: form payload that is not JSON", "refuse", githubRaw(formBody("payload=%zz%7B"), { type: form, event: "ping" }));
  const smuggler = JSON.stringify({ zen: `&payload=${encodeURIComponent('{"zen":"smuggled"}')}&`, hook_id: 1 });
  add("github: JSON body resent as a form, smuggling payload=", "refuse", githubRaw(utf8(smuggler), { type: form, event: "ping" }));
  add("github: form body sent as JSON", "refuse", githubRaw(formBody(`payload=${encodeURIComponent(ping)}`), { event: "ping" }));
  add("github: Latin-1 byte in X-GitHub-Event", "any", githubRaw(utf8(ping), { event: Uint8Array.from(Buffer.from("pull_r\xe9quest", "latin1")) }));
  add("github: UTF-8 bytes in X-GitHub-Delivery", "any", githubRaw(utf8(ping), { event: "ping", id: utf8(`d-${crypto.randomUUID()}-€`) }));

  // Confusing: the Host header against the path (Elysia 1.4 cut the path at a fixed offset), path tricks.
  for (const host of ["a", "x", "ab", "127.0.0.1.", "[::1]", "a".repeat(300), ""]) {
    const d = await stripeDelivery();
    add(`stripe: valid delivery with Host: ${JSON.stringify(host.slice(0, 12))}`, host ? "accept" : "any", { ...d.request, headers: [["host", host], ...d.request.headers] });
  }
  for (const target of ["/webhooks/stripe/", "//webhooks/stripe", "/webhooks%2Fstripe", "/WEBHOOKS/STRIPE", "/webhooks/stripe?x=1", "/webhooks/./stripe", "/webhooks/x/../stripe", "/webhooks/stripe%00", "/webhooks/stripe#x", "http://127.0.0.1/webhooks/stripe"]) {
    const d = await stripeDelivery();
    add(`stripe: valid delivery at ${target}`, "any", { ...d.request, target });
  }
  // Found by the generated Host property: a Host that is no valid authority with a dot segment made the
  // error handler build an invalid URL, and Bun answered with its development error page (500, stack frames).
  for (const [host, target] of [[":1y9%~[", "/./webhooks/stripe"], ["[", "/./webhooks/stripe"], ["a%", "/../webhooks/stripe"]] as const) {
    const d = await stripeDelivery();
    add(`stripe: Host ${JSON.stringify(host)} with ${target}`, "any", { ...d.request, target, headers: [["host", host], ...d.request.headers] });
  }
  add("stripe: signed event id of 5,000 characters", "refuse", stripeRaw(utf8(stripeEvent({ id: "evt_" + "a".repeat(5000) })), plain));
  add("stripe: signed event type of 10,000 characters", "refuse", stripeRaw(utf8(stripeEvent({ type: "x." + "y".repeat(10_000) })), plain));
  add("stripe: signed event id with a NUL", "refuse", stripeRaw(utf8(stripeEvent({ id: `evt_${crypto.randomUUID()}\u0000x` })), plain));
  add("stripe: signed event type with a NUL", "refuse", stripeRaw(utf8(stripeEvent({ type: "a\u0000b" })), plain));
  add("stripe: signed event nested 100,000 deep", "refuse", stripeRaw(utf8(stripeEvent({ data: "@@" }).replace('"@@"', nested(100_000))), plain));
  add("stripe: signed payload with a NUL escape inside", "any", stripeRaw(utf8(stripeEvent({ description: "a\u0000b" })), plain));
  add("github: X-GitHub-Delivery of 8 KB, signed", "refuse", githubRaw(utf8(ping), { event: "ping", id: "d".repeat(8192) }));
  add("github: X-GitHub-Event of 8 KB, signed", "refuse", githubRaw(utf8(ping), { event: "e".repeat(8192) }));
  add("github: signed event nested 100,000 deep", "refuse", githubRaw(utf8(`{"zen":${nested(100_000)}}`), { event: "ping" }));
  add("github: NUL byte in X-GitHub-Delivery", "any", githubRaw(utf8(ping), { event: "ping", id: Uint8Array.from(Buffer.from(`d-${crypto.randomUUID()}\0x`, "latin1")) }));
  const withHeaders = async (extra: [string, string][]) => {
    const d = await stripeDelivery();
    return { ...d.request, headers: [...d.request.headers, ...extra] };
  };
  add("stripe: a 64 KB header beside a valid signature", "any", await withHeaders([["x-filler", "f".repeat(64 * 1024)]]));
  add("stripe: 300 headers", "any", await withHeaders(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, "v"] as [string, string])));
  const chunkedGood = await stripeDelivery();
  add("stripe: valid delivery, chunked in 7-byte pieces", "accept", { ...chunkedGood.request, headers: [...chunkedGood.request.headers, ["transfer-encoding", "chunked"]], body: chunked(utf8(chunkedGood.body), 7), noLength: true });
  const smuggle = await stripeDelivery();
  add("stripe: Content-Length and Transfer-Encoding together", "any", { ...smuggle.request, headers: [...smuggle.request.headers, ["content-length", "4"], ["transfer-encoding", "chunked"]], body: chunked(utf8(smuggle.body), 100), noLength: true });
  add("stripe: two different Content-Length headers", "unsigned", { ...(await withHeaders([["content-length", "10"], ["content-length", "20"]])), noLength: true, body: utf8("x".repeat(20)) });
  add("stripe: bad chunk size", "unsigned", { target: "/webhooks/stripe", headers: [["content-type", "application/json"], ["transfer-encoding", "chunked"], ["stripe-signature", plain(now(), "0")]], body: utf8("zz\r\nabc\r\n0\r\n\r\n"), noLength: true });
  return cases;
}

/** Admin inputs (authenticated with the bearer token unless said otherwise): never a 5xx, never confused. */
export function adminCases(token: string): Case[] {
  const bearer: [string, string] = ["authorization", `Bearer ${token}`];
  const get = (target: string, extra: [string, string | Uint8Array][] = []): RawRequest => ({ method: "GET", target, headers: [bearer, ...extra] });
  const cases: Case[] = [];
  const add = (name: string, request: RawRequest) => cases.push({ name, verdict: "any", request });
  for (const q of ["q=%00", "type=%00", "source=%00", "status=%00", "cursor=%00", "q=%E2%82%AC", "type=%C3%A9", "q=%FF%FE", "limit=abc", "limit=-1", "limit=1e9", "cursor=garbage", "cursor=" + "A".repeat(5000), "q=" + "x".repeat(10_000), "q=%25", "q='%20or%201=1--"]) {
    add(`admin api ?${q.slice(0, 30)}`, get(`/admin/api/webhooks?${q}`));
    add(`admin page ?${q.slice(0, 30)}`, get(`/admin/webhooks?${q}`, [["accept", "text/html"]]));
  }
  for (const id of ["%00", "%E2%82%AC", "%FF", "..%2F..%2Fetc", "a".repeat(5000), "-1", "9".repeat(40)]) {
    add(`admin detail /${id.slice(0, 20)}`, get(`/admin/webhooks/${id}`));
    add(`admin replay /${id.slice(0, 20)}`, { method: "POST", target: `/admin/webhooks/${id}/replay`, headers: [bearer] });
  }
  add("admin path with a raw non-ASCII byte", get("/admin/webhooks?q=\xe9"));
  for (const next of ["/admin/%E2%82%AC", "/admin/\u20ac", "/admin/%00", "//evil.example", "/admin/\r\nx-injected: 1"]) {
    const body = utf8(`token=${encodeURIComponent(token)}&next=${encodeURIComponent(next)}`);
    add(`admin login next=${JSON.stringify(next)}`, { method: "POST", target: "/admin/login", headers: [["content-type", "application/x-www-form-urlencoded"]], body });
  }
  add("admin login page ?next=%00", { method: "GET", target: "/admin/login?next=%00", headers: [] });
  add("admin login page ?next=€", { method: "GET", target: "/admin/login?next=%E2%82%AC", headers: [] });
  return cases;
}
