// Issue 8, item 7: routing must follow the request's real path whatever its Host header. Elysia takes the
// path from a fixed offset of request.url, which Bun builds from the Host header, so only a real socket
// with exact bytes shows it: the compiled binary, raw HTTP/1.x over node:net.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { freePort, killLeftovers, launchers, makeSandbox, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { rawRequest, sendRaw } from "../support/raw-http.ts";
import { githubSecret, stripeSecret } from "../support/signing.ts";

const adminToken = "routing-test-admin-token-0123456789";
const auth = `Authorization: Bearer ${adminToken}`;
let box: Sandbox;
let service: Service;
let port: number;

beforeAll(async () => {
  box = makeSandbox();
  port = freePort();
  const started = performance.now();
  service = startService(box, { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, ADMIN_TOKEN: adminToken, WORKERS: "1" }, port);
  await waitReady(service, started);
}, 60_000);

afterAll(() => {
  killLeftovers();
  for (const dir of [box.dir, box.path]) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, host: string | null, version = "1.1") =>
  sendRaw(port, rawRequest(`GET ${path} HTTP/${version}`, host === null ? [auth] : [`Host: ${host}`, auth]));

async function signedStripe(host: string) {
  const now = Math.floor(Date.now() / 1000);
  const body = sampleStripeEvent("charge.succeeded", { now });
  const headers = await signStripe(body, stripeSecret, now);
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return { eventId: JSON.parse(body).id as string, answer: await sendRaw(port, rawRequest("POST /webhooks/stripe HTTP/1.1", [`Host: ${host}`, ...lines], body)) };
}

describe("routing does not depend on the Host header", () => {
  test("a path with an extra first segment is 404 under a short Host, as under a normal one", async () => {
    for (const host of ["a", "ab", "a:1", "abc", "abcd", `127.0.0.1:${port}`, "hookport.example.com"]) {
      const answer = await get("/xx/admin/api/webhooks", host);
      expect({ host, status: answer.status }).toEqual({ host, status: 404 });
    }
  });

  test("the admin API answers on its own path under every Host", async () => {
    for (const host of ["a", "ab", "a:1", `127.0.0.1:${port}`, "hookport.example.com"]) {
      const answer = await get("/admin/api/webhooks?limit=1", host);
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
      expect(JSON.parse(answer.body)).toHaveProperty("items");
    }
  });

  test("a signed Stripe delivery reaches its route with Host: x", async () => {
    for (const host of ["x", `127.0.0.1:${port}`]) {
      const { eventId, answer } = await signedStripe(host);
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
      expect(JSON.parse(answer.body)).toEqual({ status: "received", id: eventId });
    }
  });

  test("without a usable Host (HTTP/1.0 with none, an empty one) the path is still the real one, never a 500", async () => {
    expect((await get("/xx/admin/api/webhooks", null, "1.0")).status).toBe(404);
    expect((await get("/admin/api/webhooks?limit=1", null, "1.0")).status).toBe(200);
    expect((await get("/xx/admin/api/webhooks", "")).status).toBe(404);
    expect((await get("/healthz", "")).status).toBe(200);
  });

  test("wrong tokens are still counted against the peer's address when the Host is short", async () => {
    for (let i = 0; i < 6; i++) {
      const answer = await sendRaw(port, rawRequest("GET /admin/api/webhooks HTTP/1.1", ["Host: a", "Authorization: Bearer wrong-token"]));
      expect(answer.status).toBe(401);
    }
    expect((await get("/admin/api/webhooks", "a")).status).toBe(429);
  });
});

// Found by the hostile suite: a Host that is no valid URL authority made `new URL(request.url)` throw inside
// Elysia's error handler, and Bun answered with its development error page (500, 50 KB of stack frames).
describe.each(launchers)("$name: a Host that is no valid authority", (launcher) => {
  let own: { box: Sandbox; service: Service; port: number };

  beforeAll(async () => {
    const box = makeSandbox(launcher);
    const port = freePort();
    const started = performance.now();
    const service = startService(box, { STRIPE_WEBHOOK_SECRET: stripeSecret, GITHUB_WEBHOOK_SECRET: githubSecret, ADMIN_TOKEN: adminToken, WORKERS: "1" }, port);
    await waitReady(service, started);
    own = { box, service, port };
  }, 60_000);

  afterAll(() => {
    own.service.proc.kill();
    for (const dir of [own.box.dir, own.box.path]) rmSync(dir, { recursive: true, force: true });
  });

  test("gets a logged 4xx JSON answer with nosniff, never a 500", async () => {
    for (const host of ["[", ":1y9%~[", "a%", "[::1"]) {
      for (const target of ["/Webhooks/Stripe", "//webhooks/stripe", "/./webhooks/stripe", "/../webhooks/stripe", "/xx/admin/api/webhooks"]) {
        const answer = await sendRaw(own.port, rawRequest(`GET ${target} HTTP/1.1`, [`Host: ${host}`]));
        const seen = { host, target, status: answer.status, nosniff: /^x-content-type-options: nosniff$/im.test(answer.head) };
        expect(seen).toEqual({ ...seen, status: 404, nosniff: true });
        expect(JSON.parse(answer.body)).toHaveProperty("error");
      }
    }
    expect(own.service.stdout()).toContain('"msg":"request refused"');
    expect(own.service.proc.exitCode).toBeNull();
  }, 30_000);
});
