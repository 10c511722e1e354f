// POST /webhooks/:source through app.handle(): no port, real signatures, a real in-memory store or a named fake.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sign } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import { createMetrics } from "../../src/metrics.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { createEventWriter } from "../../src/store/events.ts";
import { baseUrl, buildTestApp, failingWriter, hangingWriter, recordingLogger, testConfig } from "../support/app.ts";
import { githubRequest, githubSecret, stripeRequest, stripeSecret } from "../support/signing.ts";
import { createTestStore, type TestStore } from "../support/stores.ts";

type App = ReturnType<typeof buildTestApp>["app"];
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function answer(app: App, request: Request) {
  const response = await app.handle(request);
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, text };
}

/** A signed Stripe request over any body (for bodies that are not valid events). */
async function signedStripe(body: string, secret = stripeSecret, timestamp = nowSeconds()) {
  return new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: await signStripe(body, secret, timestamp), body });
}

/** A GitHub request with the headers GitHub sends, any body, any content type. */
async function signedGithub(body: string, { event = "push", delivery = crypto.randomUUID() as string, contentType = "application/json", secret = githubSecret } = {}) {
  const signature = body === "" ? "sha256=" + createHmac("sha256", secret).update("").digest("hex") : await sign(secret, body);
  return new Request(`${baseUrl}/webhooks/github`, {
    method: "POST",
    headers: { "content-type": contentType, "x-github-event": event, "x-github-delivery": delivery, "x-hub-signature-256": signature },
    body,
  });
}

describe("webhooks with a real embedded store", () => {
  let store: TestStore;
  let app: App;
  let wakes = 0;
  const { log, lines } = recordingLogger();

  const rows = async (eventId?: string) =>
    (
      await store.db.query<{ n: number }>(
        eventId ? "select count(*)::int as n from webhook_events where event_id = $1" : "select count(*)::int as n from webhook_events",
        eventId ? [eventId] : [],
      )
    )[0]!.n;

  beforeAll(async () => {
    store = await createTestStore("embedded");
    ({ app } = buildTestApp({ writer: createEventWriter(store.db), wake: () => wakes++, log }));
  });
  afterAll(() => store.close());

  test("a signed Stripe event is answered received after it is stored, then duplicate", async () => {
    const first = await stripeRequest(baseUrl);
    const wakesBefore = wakes;
    expect(await answer(app, first.request)).toMatchObject({ status: 200, body: { status: "received", id: first.eventId } });
    expect(wakes).toBe(wakesBefore + 1);

    const [row] = await store.db.query<Record<string, unknown>>(
      `select source, event_type, status, secret_index, (select convert_from(body, 'UTF8') from hookport_events e where e.id = w.id) as raw_body,
              payload, headers, duplicate_count from webhook_events w where event_id = $1`,
      [first.eventId],
    );
    expect(row).toMatchObject({
      source: "stripe",
      event_type: "checkout.session.completed",
      status: "pending",
      secret_index: 0,
      raw_body: first.body,
      payload: JSON.parse(first.body),
      duplicate_count: 0,
    });
    expect(Object.keys(row!.headers as object).sort()).toEqual(["content-type", "stripe-signature", "user-agent"]);

    // Stripe redelivers with a fresh signature and timestamp over the same body.
    const again = await signedStripe(first.body);
    expect(await answer(app, again)).toMatchObject({ status: 200, body: { status: "duplicate", id: first.eventId } });
    expect(wakes).toBe(wakesBefore + 1);
    expect(await rows(first.eventId)).toBe(1);
    const [counted] = await store.db.query<{ duplicate_count: number }>("select duplicate_count from webhook_events where event_id = $1", [first.eventId]);
    expect(counted!.duplicate_count).toBe(1);
  });

  test("a signed GitHub delivery is received once, keyed on X-GitHub-Delivery, then duplicate", async () => {
    const first = await githubRequest(baseUrl, "push");
    expect(await answer(app, first.request)).toMatchObject({ status: 200, body: { status: "received", id: first.eventId } });
    const again = await githubRequest(baseUrl, "push", { eventId: first.eventId });
    expect(await answer(app, again.request)).toMatchObject({ status: 200, body: { status: "duplicate", id: first.eventId } });
    expect(await rows(first.eventId)).toBe(1);
  });

  test("a GitHub ping is accepted and stored", async () => {
    const ping = await githubRequest(baseUrl, "ping");
    expect(await answer(app, ping.request)).toMatchObject({ status: 200, body: { status: "received" } });
  });

  test("a form-encoded GitHub delivery stores the payload field as the event and the raw form as sent", async () => {
    const json = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
    const form = `payload=${encodeURIComponent(json)}`;
    const delivery = crypto.randomUUID();
    const request = await signedGithub(form, { event: "ping", delivery, contentType: "application/x-www-form-urlencoded" });
    expect(await answer(app, request)).toMatchObject({ status: 200, body: { status: "received", id: delivery } });
    const [row] = await store.db.query<{ payload: unknown; raw_body: string }>("select payload, convert_from(body, 'UTF8') as raw_body from webhook_events w join hookport_events e using (id) where w.event_id = $1", [delivery]);
    expect(row).toEqual({ payload: JSON.parse(json), raw_body: form });
  });

  test("an event signed with the second configured secret records secret index 1", async () => {
    const rotated = buildTestApp({ config: testConfig({ STRIPE_WEBHOOK_SECRET: `whsec_old_one_0123456789abcdefghijkl,${stripeSecret}` }), writer: createEventWriter(store.db) }).app;
    const { request, eventId } = await stripeRequest(baseUrl);
    expect((await answer(rotated, request)).status).toBe(200);
    const [row] = await store.db.query<{ secret_index: number }>("select secret_index from webhook_events where event_id = $1", [eventId]);
    expect(row!.secret_index).toBe(1);
  });

  const stripeRejections: [string, string, () => Promise<Request>][] = [
    ["missing-signature", "no Stripe-Signature", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: sampleStripeEvent("x.y", { now: nowSeconds() }) })],
    ["bad-signature", "a signature from another secret", async () => (await stripeRequest(baseUrl, "x.y", { secret: "whsec_wrong" })).request],
    ["bad-signature", "a malformed Stripe-Signature", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": "v1=nonsense" }, body: "{}" })],
    ["stale", "a timestamp 10 minutes old", async () => (await stripeRequest(baseUrl, "x.y", { now: nowSeconds() - 600 })).request],
    ["stale", "a timestamp 10 minutes ahead", async () => (await stripeRequest(baseUrl, "x.y", { now: nowSeconds() + 600 })).request],
    ["bad-body", "signed JSON that is not an event", () => signedStripe(JSON.stringify({ id: "cus_1", object: "customer" }))],
    ["bad-body", "a signed body that is not JSON", () => signedStripe("not json")],
    // PostgreSQL's jsonb cannot hold \u0000: the store refuses the row, which is the sender's problem.
    ["bad-body", "an event jsonb refuses (\\u0000)", () => signedStripe('{"id":"evt_nul","object":"event","type":"x.y","note":"a \\u0000 b"}')],
  ];
  const githubRejections: [string, string, () => Promise<Request>][] = [
    ["missing-signature", "no signature", async () => new Request(`${baseUrl}/webhooks/github`, { method: "POST", headers: { "x-github-event": "push", "x-github-delivery": "d-1" }, body: "{}" })],
    ["missing-signature", "only the SHA-1 X-Hub-Signature", async () =>
      new Request(`${baseUrl}/webhooks/github`, {
        method: "POST",
        headers: { "x-github-event": "push", "x-github-delivery": "d-2", "x-hub-signature": "sha1=" + createHmac("sha1", githubSecret).update("{}").digest("hex") },
        body: "{}",
      })],
    ["bad-signature", "a signature from another secret", async () => (await githubRequest(baseUrl, "push", { secret: "wrong" })).request],
    ["bad-headers", "no X-GitHub-Delivery", async () => {
      const r = await signedGithub("{}");
      const headers = new Headers(r.headers);
      headers.delete("x-github-delivery");
      return new Request(r.url, { method: "POST", headers, body: "{}" });
    }],
    ["bad-headers", "no X-GitHub-Event", async () => {
      const r = await signedGithub("{}");
      const headers = new Headers(r.headers);
      headers.delete("x-github-event");
      return new Request(r.url, { method: "POST", headers, body: "{}" });
    }],
    ["bad-body", "a form without a payload field", () => signedGithub("nothing=here", { contentType: "application/x-www-form-urlencoded" })],
    ["bad-body", "an empty body", () => signedGithub("")],
  ];

  for (const [source, cases] of [["stripe", stripeRejections], ["github", githubRejections]] as const) {
    for (const [reason, name, make] of cases) {
      test(`${source}: ${name} → 400 ${reason}, nothing stored`, async () => {
        const before = await rows();
        const result = await answer(app, await make());
        expect(result).toMatchObject({ status: 400, body: { error: expect.any(String), reason } });
        expect(await rows()).toBe(before);
      });
    }
  }

  describe("issue 8: what a signature covers, and what a row can hold", () => {
    const refusedAndNotStored = async (request: Request, reason: string) => {
      const before = await rows();
      const result = await answer(app, request);
      expect(result).toMatchObject({ status: 400, body: { reason } });
      expect(await rows()).toBe(before);
      return result;
    };
    const withBom = (request: Request, body: string) =>
      new Request(request.url, { method: "POST", headers: request.headers, body: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(body)]) });

    test("stripe: a captured old signature replayed behind a fresh t= → 400, not stored", async () => {
      const captured = await stripeRequest(baseUrl, "x.y", { now: nowSeconds() - 3_600 });
      const headers = new Headers(captured.request.headers);
      headers.set("stripe-signature", `t=${nowSeconds()},${headers.get("stripe-signature")}`);
      const result = await refusedAndNotStored(new Request(captured.request.url, { method: "POST", headers, body: captured.body }), "bad-signature");
      expect(await rows(captured.eventId)).toBe(0);
      expect(result.body!.error).toContain("t= elements");
    });

    test("stripe and github: a BOM put in front of a signed body → 400 bad-signature", async () => {
      const stripe = await stripeRequest(baseUrl);
      await refusedAndNotStored(withBom(stripe.request, stripe.body), "bad-signature");
      const github = await githubRequest(baseUrl, "push");
      await refusedAndNotStored(withBom(github.request, github.body), "bad-signature");
    });

    test("a signed body of only a BOM → 400 bad-body, not a 500", async () => {
      await refusedAndNotStored(await signedStripe("\uFEFF"), "bad-body");
      await refusedAndNotStored(await signedGithub("\uFEFF"), "bad-body");
    });

    test("stripe: a signed event with a 5,000-character id → 400 bad-body", async () => {
      await refusedAndNotStored(await signedStripe(JSON.stringify({ id: "evt_" + "x".repeat(4_996), object: "event", type: "x.y" })), "bad-body");
    });

    test("github: an 8 KB X-GitHub-Delivery or X-GitHub-Event → 400 bad-headers", async () => {
      await refusedAndNotStored(await signedGithub("{}", { delivery: "d".repeat(8_192) }), "bad-headers");
      await refusedAndNotStored(await signedGithub("{}", { event: "e".repeat(8_192) }), "bad-headers");
    });

    test("github: an X-GitHub-Delivery with bytes outside ASCII → 400 bad-headers, never stored garbled", async () => {
      // Header values are byte strings: "\u00c3\u00a9" is the UTF-8 of "é" as it arrives.
      await refusedAndNotStored(await signedGithub("{}", { delivery: "d-\u00c3\u00a9" }), "bad-headers");
    });

    test("a signed event nested 100,000 deep → 400 bad-body", async () => {
      const deep = "[".repeat(100_000) + "]".repeat(100_000);
      await refusedAndNotStored(await signedStripe(`{"id":"evt_deep","object":"event","type":"x.y","data":${deep}}`), "bad-body");
      await refusedAndNotStored(await signedGithub(`{"zen":${deep}}`), "bad-body");
    });

    test("github: JSON resent as a form, or a form with two payload fields → 400 bad-body", async () => {
      const form = "application/x-www-form-urlencoded";
      await refusedAndNotStored(await signedGithub(JSON.stringify({ zen: "x&payload={}&y=" }), { contentType: form }), "bad-body");
      await refusedAndNotStored(await signedGithub(`payload=${encodeURIComponent("{}")}&payload=${encodeURIComponent('{"a":1}')}`, { contentType: form }), "bad-body");
    });

    test("kept headers sent as UTF-8 bytes are stored as the text they spell, not as Latin-1", async () => {
      const { request, eventId } = await githubRequest(baseUrl, "push");
      const headers = new Headers(request.headers);
      headers.set("user-agent", "GitHub-Hookshot/caf\u00c3\u00a9");
      headers.set("x-github-hook-id", "latin-1 \u00e9");
      const response = await answer(app, new Request(request.url, { method: "POST", headers, body: await request.text() }));
      expect(response.status).toBe(200);
      const [row] = await store.db.query<{ headers: Record<string, string> }>("select headers from webhook_events where event_id = $1", [eventId]);
      expect(row!.headers["user-agent"]).toBe("GitHub-Hookshot/café");
      // Not valid UTF-8: kept in its Latin-1 reading, which is what the byte means there.
      expect(row!.headers["x-github-hook-id"]).toBe("latin-1 é");
    });
  });

  test("a rejection is logged with its reason and never with a secret or the signature", async () => {
    lines.length = 0;
    const { request } = await stripeRequest(baseUrl, "x.y", { secret: "whsec_attackers_guess" });
    const signature = request.headers.get("stripe-signature")!;
    await answer(app, request);
    const logged = lines.join("\n");
    expect(logged).toContain('"reason":"bad-signature"');
    expect(logged).not.toContain(stripeSecret);
    expect(logged).not.toContain("whsec_attackers_guess");
    expect(logged).not.toContain(signature);
  });

  // Inputs from outside must never reach the error handler as a bug.
  const garbage: [string, () => Promise<Request>][] = [
    ["random bytes to stripe", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: crypto.getRandomValues(new Uint8Array(512)) })],
    ["random bytes to github", async () => new Request(`${baseUrl}/webhooks/github`, { method: "POST", body: crypto.getRandomValues(new Uint8Array(512)) })],
    ["an absurd t= in Stripe-Signature", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": `t=${"9".repeat(400)},v1=${"a".repeat(64)}` }, body: "{}" })],
    ["t=0", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": `t=0,v1=${"a".repeat(64)}` }, body: "{}" })],
    ["a 16 KB Stripe-Signature", async () => new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "stripe-signature": `t=${nowSeconds()},` + "v1=ab,".repeat(2700) }, body: "{}" })],
    ["an empty signed Stripe body", () => signedStripe("")],
    ["signed JSON nested 100 000 deep (Stripe)", () => signedStripe("[".repeat(100_000) + "]".repeat(100_000))],
    ["signed JSON nested 100 000 deep (GitHub)", () => signedGithub("[".repeat(100_000) + "]".repeat(100_000))],
    ["a signed Stripe event whose id holds \\u0000", () => signedStripe('{"id":"evt_\\u0000","object":"event","type":"x.y"}')],
    ["a signed Stripe event with a lone surrogate", () => signedStripe('{"id":"evt_surrogate","object":"event","type":"x.y","n":"\\ud800"}')],
    ["signed invalid UTF-8 to GitHub", async () => {
      const body = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      const signature = "sha256=" + createHmac("sha256", githubSecret).update(body).digest("hex");
      return new Request(`${baseUrl}/webhooks/github`, {
        method: "POST",
        headers: { "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": signature },
        body,
      });
    }],
    ["a malformed form body to GitHub", () => signedGithub("payload=%E0%A4%A&&&==", { contentType: "application/x-www-form-urlencoded" })],
    ["a charset GitHub never sends", () => signedGithub("{}", { contentType: "application/json; charset=utf-16" })],
    ["a 10 000-character X-GitHub-Event", () => signedGithub("{}", { event: "e".repeat(10_000) })],
    ["GET on a webhook route", async () => new Request(`${baseUrl}/webhooks/stripe`)],
    ["PUT on a webhook route", async () => new Request(`${baseUrl}/webhooks/github`, { method: "PUT", body: "{}" })],
    ["an empty source", async () => new Request(`${baseUrl}/webhooks/`, { method: "POST", body: "{}" })],
    ["an encoded NUL as the source", async () => new Request(`${baseUrl}/webhooks/%00`, { method: "POST", body: "{}" })],
    ["a path with dot segments", async () => new Request(`${baseUrl}/webhooks/..%2F..%2Fetc`, { method: "POST", body: "{}" })],
  ];
  for (const [name, make] of garbage) {
    test(`never a 500 for bad input: ${name}`, async () => {
      const result = await answer(app, await make());
      expect(result.status).toBeLessThan(500);
      if (result.status !== 200) expect(result.body).toMatchObject({ error: expect.any(String) });
    });
  }
});

describe("webhooks with a fake store", () => {
  test("answers 503 with a clear body when a source's secret is unset", async () => {
    const { app } = buildTestApp({ config: testConfig({ STRIPE_WEBHOOK_SECRET: "", GITHUB_WEBHOOK_SECRET: "" }) });
    const stripe = await answer(app, (await stripeRequest(baseUrl)).request);
    expect(stripe).toMatchObject({ status: 503, body: { reason: "not-configured" } });
    expect(stripe.body!.error).toContain("STRIPE_WEBHOOK_SECRET is not set");
    const github = await answer(app, (await githubRequest(baseUrl)).request);
    expect(github).toMatchObject({ status: 503, body: { reason: "not-configured" } });
    expect(github.body!.error).toContain("GITHUB_WEBHOOK_SECRET is not set");
  });

  test("one source without a secret does not disable the other", async () => {
    const { app } = buildTestApp({ config: testConfig({ STRIPE_WEBHOOK_SECRET: "" }) });
    // The github request gets past the secret check to the (failing) store.
    expect((await answer(app, (await githubRequest(baseUrl)).request)).body).toMatchObject({ reason: "store-unavailable" });
  });

  test("answers 503 when the store throws, and says to retry", async () => {
    const { app } = buildTestApp({ writer: failingWriter });
    const result = await answer(app, (await stripeRequest(baseUrl)).request);
    expect(result).toMatchObject({ status: 503, body: { reason: "store-unavailable" } });
    expect(result.body!.error).toContain("retry");
  });

  test("answers 503 in time when the store hangs, instead of never", async () => {
    const { app } = buildTestApp({ writer: hangingWriter, storeTimeoutMs: 50 });
    const started = performance.now();
    const result = await answer(app, (await githubRequest(baseUrl)).request);
    expect(result).toMatchObject({ status: 503, body: { reason: "store-unavailable" } });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("a write that commits after its 503 leaves `received` to the sender's retry (issue 11)", async () => {
    const store = await createTestStore("embedded");
    try {
      const real = createEventWriter(store.db);
      let slow = true;
      // The first write commits, but only after the request has given up on it.
      const lateWriter = {
        write: async (e: Parameters<typeof real.write>[0]) => {
          if (slow) {
            slow = false;
            await Bun.sleep(150);
          }
          return real.write(e);
        },
        drain: real.drain,
      };
      const metrics = createMetrics();
      let wakes = 0;
      const { app } = buildTestApp({ writer: lateWriter, storeTimeoutMs: 30, metrics, wake: () => wakes++ });
      const first = await stripeRequest(baseUrl);
      expect(await answer(app, first.request)).toMatchObject({ status: 503, body: { reason: "store-unavailable" } });
      await real.drain();
      await Bun.sleep(200);
      expect(wakes).toBe(1);
      const retry = await signedStripe(first.body);
      expect(await answer(app, retry)).toMatchObject({ status: 200, body: { status: "received", id: first.eventId } });
      expect(await answer(app, await signedStripe(first.body))).toMatchObject({ status: 200, body: { status: "duplicate" } });
      const text = metrics.render();
      expect(text).toContain('hookport_events_received_total{source="stripe",status="received"} 1');
      expect(text).toContain('hookport_events_received_total{source="stripe",status="duplicate"} 1');
    } finally {
      await store.close();
    }
  }, 30_000);

  test("a write that commits after its sender hung up leaves `received` to the retry, counted once (issue 11)", async () => {
    const store = await createTestStore("embedded");
    try {
      const real = createEventWriter(store.db);
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      // The first write commits only once the test has hung up on it.
      let first = true;
      const gatedWriter = {
        write: async (e: Parameters<typeof real.write>[0]) => {
          if (first) {
            first = false;
            await released;
          }
          return real.write(e);
        },
        drain: real.drain,
      };
      const metrics = createMetrics();
      const { log, lines } = recordingLogger();
      const { app } = buildTestApp({ writer: gatedWriter, metrics, log });
      const sent = await stripeRequest(baseUrl);
      const hangUp = new AbortController();
      const answering = app.handle(new Request(sent.request, { signal: hangUp.signal }));
      hangUp.abort();
      release();
      await answering;
      expect(lines.some((l) => l.includes("event stored after its sender hung up"))).toBe(true);
      expect(metrics.render()).not.toContain("hookport_events_received_total{");
      expect(await answer(app, await signedStripe(sent.body))).toMatchObject({ status: 200, body: { status: "received", id: sent.eventId } });
      expect(await answer(app, await signedStripe(sent.body))).toMatchObject({ status: 200, body: { status: "duplicate" } });
      const text = metrics.render();
      expect(text).toContain('hookport_events_received_total{source="stripe",status="received"} 1');
      expect(text).toContain('hookport_events_received_total{source="stripe",status="duplicate"} 1');
    } finally {
      await store.close();
    }
  }, 30_000);

  test("answers 413 when Content-Length is over MAX_BODY_BYTES, before verifying", async () => {
    const { app } = buildTestApp({ config: testConfig({ MAX_BODY_BYTES: "2048" }) });
    const body = "x".repeat(2049);
    const request = new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", headers: { "content-length": "2049" }, body });
    const result = await answer(app, request);
    expect(result).toMatchObject({ status: 413, body: { reason: "too-large" } });
    expect(result.body!.error).toContain("MAX_BODY_BYTES");
  });

  test("answers 413 for a streamed body without Content-Length once it passes MAX_BODY_BYTES", async () => {
    const { app } = buildTestApp({ config: testConfig({ MAX_BODY_BYTES: "2048" }) });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024;
        controller.enqueue(new Uint8Array(1024).fill(123));
      },
    });
    const headers = { "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": `sha256=${"a".repeat(64)}` };
    const result = await answer(app, new Request(`${baseUrl}/webhooks/github`, { method: "POST", headers, body }));
    expect(result).toMatchObject({ status: 413, body: { reason: "too-large" } });
    expect(sent).toBeLessThan(16 * 1024);
  });

  test("a signed event of exactly MAX_BODY_BYTES is not too large", async () => {
    const { app } = buildTestApp({ config: testConfig({ MAX_BODY_BYTES: "2048" }), writer: failingWriter });
    const base = JSON.parse(sampleStripeEvent("x.y", { now: nowSeconds() }));
    const withoutPad = JSON.stringify({ ...base, pad: "" });
    const body = JSON.stringify({ ...base, pad: "p".repeat(2048 - withoutPad.length) });
    expect(body.length).toBe(2048);
    // Past the limit and the signature, it reaches the (failing) store.
    expect((await answer(app, await signedStripe(body))).body).toMatchObject({ reason: "store-unavailable" });
  });

  // A body the test produces in 64 KB chunks, up to 8 MB, counting what was pulled: a regression that
  // reads before checking reads all 8 MB and fails the count, and the cap means it never hangs.
  const unsignedStream = () => {
    const pulled = { bytes: 0 };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled.bytes >= 8 * 1024 * 1024) return controller.close();
        pulled.bytes += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024).fill(123));
      },
    });
    return { body, pulled };
  };

  test("refuses an unsigned request from its headers, without reading the body", async () => {
    for (const [source, headers, reason] of [
      ["stripe", {}, "missing-signature"],
      ["github", { "x-github-event": "push", "x-github-delivery": "d-1" }, "missing-signature"],
      ["github", { "x-hub-signature-256": `sha256=${"a".repeat(64)}`, "x-github-event": "push" }, "bad-headers"],
      ["github", { "x-hub-signature-256": `sha256=${"a".repeat(64)}`, "x-github-delivery": "d-1" }, "bad-headers"],
    ] as const) {
      const { app } = buildTestApp();
      const { body, pulled } = unsignedStream();
      const result = await answer(app, new Request(`${baseUrl}/webhooks/${source}`, { method: "POST", headers, body }));
      expect(result).toMatchObject({ status: 400, body: { reason } });
      // A stream may pull its first chunk on its own before anyone reads.
      expect(pulled.bytes).toBeLessThanOrEqual(64 * 1024);
    }
  });

  test("answers 404 for an unknown source, and logs it", async () => {
    const { log, lines } = recordingLogger();
    const { app } = buildTestApp({ log });
    expect(await answer(app, new Request(`${baseUrl}/webhooks/shopify`, { method: "POST", body: "{}" }))).toMatchObject({
      status: 404,
      body: { error: 'unknown source "shopify"' },
    });
    expect(lines.some((l) => l.includes('"unknown-source"'))).toBe(true);
  });

  test("answers 404, not 500, for a path with broken percent-encoding (/webhooks/%ZZ), and logs it", async () => {
    const { log, lines } = recordingLogger();
    const { app } = buildTestApp({ log });
    const result = await answer(app, new Request(`${baseUrl}/webhooks/%ZZ`, { method: "POST", body: "{}" }));
    expect(result).toMatchObject({ status: 404, body: { error: 'unknown source "/webhooks/%ZZ"' } });
    expect(lines.some((l) => l.includes('"unknown-source"') && l.includes("%ZZ"))).toBe(true);
  });

  test("counts refusals in /metrics by source and reason", async () => {
    const metrics = createMetrics();
    const { app } = buildTestApp({ metrics });
    await answer(app, new Request(`${baseUrl}/webhooks/stripe`, { method: "POST", body: "{}" }));
    const text = await (await app.handle(new Request(`${baseUrl}/metrics`))).text();
    expect(text).toContain('hookport_events_rejected_total{source="stripe",reason="missing-signature"} 1');
  });
});
