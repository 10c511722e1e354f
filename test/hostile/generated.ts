// Generated hostile inputs (fast-check): each property draws requests, sends each beside a good signed
// neighbour, and judges the answer with the same verdicts as the named cases. The oracle of a verdict
// is computed here from the bytes actually sent, never from what the service says.
import fc from "fast-check";
import { sampleGithubEvent } from "../../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { batch, githubDelivery, githubSig, hostileSecrets, now, stripeDelivery, stripeV1, toleranceSeconds, type Case, type Target, type Verdict } from "./harness.ts";
import { utf8, type RawRequest } from "./raw-http.ts";

/** Runs per property: small in CI, HOSTILE_RUNS for a longer hunt. */
export const runsPerProperty = Number(process.env.HOSTILE_RUNS) || 20;

/** property(seed) draws and sends runsPerProperty inputs. */
type Generated = { name: string; property: (seed: number) => Promise<fc.RunDetails<unknown>> };

const stripeText = () => sampleStripeEvent("customer.subscription.updated", { now: now() });
const ping = sampleGithubEvent("ping");

/**
 * One drawn input → one case, sent in a batch. Violations are recorded with the input that caused them
 * and every draw runs: stopping at the first one would hide, on code with one hole, all the others.
 */
function sends<T>(t: Target, arb: fc.Arbitrary<T>, make: (input: T) => Case | Promise<Case>) {
  const property = fc.asyncProperty(arb, async (input) => {
    await batch(t, [await make(input)], { neighbours: 1 });
    t.counts.generated++;
  });
  return (seed: number) => fc.check(property, { numRuns: runsPerProperty, seed }) as Promise<fc.RunDetails<unknown>>;
}

const differs = (a: Uint8Array, b: Uint8Array) => a.byteLength !== b.byteLength || a.some((x, i) => x !== b[i]);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("prepend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant("whitespace" as const), at: fc.nat(), ws: fc.constantFrom(" ", "\n", "\t", "\r\n") }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(body: Uint8Array, m: Mutation): Uint8Array {
  const b = Buffer.from(body);
  switch (m.kind) {
    case "flip": {
      const at = m.at % b.byteLength;
      b[at] = b[at]! ^ (1 << m.bit);
      return b;
    }
    case "insert":
      return Buffer.concat([b.subarray(0, m.at % b.byteLength), m.bytes, b.subarray(m.at % b.byteLength)]);
    case "delete":
      return Buffer.concat([b.subarray(0, m.at % b.byteLength), b.subarray((m.at % b.byteLength) + m.n)]);
    case "prepend":
      return Buffer.concat([m.bytes, b]);
    case "append":
      return Buffer.concat([b, m.bytes]);
    case "whitespace": {
      const at = m.at % b.byteLength;
      return Buffer.concat([b.subarray(0, at), utf8(m.ws), b.subarray(at)]);
    }
  }
}

/** A Stripe-Signature element; "old" is beyond the tolerance, "soon" a little ahead of the clock. */
const element = fc.constantFrom("t=now", "t=old", "t=soon", "t=abc", "t=", "v1=now", "v1=old", "v1=soon", "v1=bad", "v0=now", "", "x=1", "t=now ", " t=old", " v1=old", "v1=now ");

function signatureHeader(elements: string[], body: Uint8Array) {
  const times = { now: now(), old: now() - toleranceSeconds - 60, soon: now() + 30 };
  const header = elements
    .map((e) => e.replace(/t=(now|old|soon)/, (_, k: keyof typeof times) => `t=${times[k]}`).replace(/v1=(now|old|soon)|v0=now/, (m, k?: keyof typeof times) => (m.startsWith("v0") ? `v0=${stripeV1(body, times.now)}` : `v1=${stripeV1(body, times[k!])}`)))
    .join(",");
  // The oracle: exactly one timestamp (by trimmed key), fresh, and a v1 made for that very timestamp.
  const ts = elements.filter((e) => e.trim().startsWith("t="));
  const key = ts.length === 1 ? /t=(now|soon)\s*$/.exec(ts[0]!.trim())?.[1] : undefined;
  const valid = key !== undefined && elements.some((e) => e.trim() === `v1=${key}`);
  return { header, valid };
}

const hostChar = fc.constantFrom(..."abcxyz019.-:[]_~%@!".split(""));
const pathVariant = fc.constantFrom("/webhooks/stripe", "/webhooks/stripe/", "//webhooks/stripe", "/Webhooks/Stripe", "/webhooks/stripe?a=b", "/webhooks%2fstripe", "/webhooks/stripe/.", "/./webhooks/stripe", "/webhooks//stripe");

const percentJunk = fc.array(fc.oneof(fc.constantFrom("%00", "%FF", "%E2%82%AC", "%", "%zz", "%C3", "+", "&", "=", "%0D%0A", "'", '"', "\\"), fc.string({ maxLength: 6, unit: "grapheme-ascii" }).map(encodeURIComponent)), { maxLength: 8 }).map((a) => a.join(""));

export function generatedProperties(t: Target): Generated[] {
  return [
    {
      name: "random bytes and a random Stripe-Signature",
      property: sends(t, fc.record({ body: fc.uint8Array({ maxLength: 2048 }), sig: fc.string({ maxLength: 200, unit: "grapheme-ascii" }) }), ({ body, sig }) => ({
        name: "random bytes (stripe)",
        verdict: "unsigned",
        request: { target: "/webhooks/stripe", headers: [["content-type", "application/json"], ["stripe-signature", sig.replace(/[\r\n]/g, "")]], body },
      })),
    },
    {
      name: "a signed Stripe or GitHub delivery with its bytes changed after signing",
      property: sends(t, fc.record({ github: fc.boolean(), m: mutation }), async ({ github, m }) => {
        const d = github ? await githubDelivery({ event: "push" }) : await stripeDelivery();
        const body = mutate(utf8(d.body), m);
        const verdict: Verdict = differs(body, utf8(d.body)) ? "unsigned" : "any";
        return { name: `${github ? "github" : "stripe"} ${m.kind} after signing`, verdict, request: { ...d.request, body } };
      }),
    },
    {
      name: "Stripe-Signature headers of repeated, stale, spaced and foreign elements",
      property: sends(t, fc.array(element, { maxLength: 6 }), (elements) => {
        const body = utf8(stripeText());
        const { header, valid } = signatureHeader(elements, body);
        return { name: `Stripe-Signature ${header.slice(0, 60)}`, verdict: valid ? "any" : "unsigned", request: { target: "/webhooks/stripe", headers: [["content-type", "application/json"], ["stripe-signature", header]], body } };
      }),
    },
    {
      name: "a valid Stripe delivery under any Host header and path spelling",
      property: sends(t, fc.record({ host: fc.array(hostChar, { minLength: 1, maxLength: 40 }).map((a) => a.join("")), path: pathVariant }), async ({ host, path }) => {
        const d = await stripeDelivery();
        const request: RawRequest = { ...d.request, target: path, headers: [["host", host], ...d.request.headers] };
        return { name: `Host ${host} ${path}`, verdict: path === "/webhooks/stripe" ? "accept" : "any", request };
      }),
    },
    {
      name: "signed Stripe events with ids and types of any shape and length",
      property: sends(
        t,
        fc.record({
          id: fc.oneof(fc.string({ maxLength: 80, unit: "binary" }), fc.string({ minLength: 300, maxLength: 6000, unit: "grapheme-ascii" })),
          type: fc.oneof(fc.string({ maxLength: 80, unit: "binary" }), fc.string({ minLength: 300, maxLength: 12_000, unit: "grapheme-ascii" })),
          // Deep nesting is rare in the draw: each one costs the embedded store seconds (see the named case).
          depth: fc.oneof({ arbitrary: fc.constant(0), weight: 9 }, { arbitrary: fc.integer({ min: 1, max: 200_000 }), weight: 1 }),
        }),
        async ({ id, type, depth }) => {
          const event = { ...JSON.parse(stripeText()), id: `${id}${crypto.randomUUID()}`, type };
          const text = JSON.stringify(event).replace('"data":{', depth ? `"deep":${"[".repeat(depth)}${"]".repeat(depth)},"data":{` : '"data":{');
          const d = await stripeDelivery({ body: text });
          return { name: `stripe id ${JSON.stringify(id.slice(0, 20))}… type ${JSON.stringify(type.slice(0, 20))}… depth ${depth}`, verdict: "any", request: d.request };
        },
      ),
    },
    {
      name: "GitHub form bodies with any fields",
      property: sends(
        t,
        fc.array(fc.record({ name: fc.constantFrom("payload", "Payload", "payload[]", "data", "", "payload "), value: fc.oneof(fc.constant(ping), fc.constant('{"zen":"b"}'), fc.string({ maxLength: 40 })) }), { maxLength: 4 }),
        (fields) => {
          const body = utf8(fields.map((f) => `${encodeURIComponent(f.name)}=${encodeURIComponent(f.value)}`).join("&"));
          const single = fields.length === 1 && fields[0]!.name === "payload" && fields[0]!.value.startsWith("{");
          return {
            name: `github form ${fields.map((f) => f.name).join("&")}`,
            verdict: single ? "any" : "refuse",
            request: {
              target: "/webhooks/github",
              headers: [["content-type", "application/x-www-form-urlencoded"], ["x-github-event", "ping"], ["x-github-delivery", crypto.randomUUID()], ["x-hub-signature-256", githubSig(body)]],
              body,
            },
          };
        },
      ),
    },
    {
      name: "signed GitHub deliveries with any bytes in X-GitHub-Event and X-GitHub-Delivery",
      property: sends(
        t,
        fc.record({
          event: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => b.map((x) => (x === 10 || x === 13 ? 32 : x))),
          id: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => b.map((x) => (x === 10 || x === 13 ? 32 : x))), fc.string({ minLength: 1000, maxLength: 9000, unit: "grapheme-ascii" }).map(utf8)),
        }),
        ({ event, id }) => {
          const body = utf8(ping);
          const uniqueId = new Uint8Array(Buffer.concat([id, utf8(crypto.randomUUID())]));
          return {
            name: `github event/id bytes ${Buffer.from(event.slice(0, 12)).toString("hex")}`,
            verdict: "any",
            request: { target: "/webhooks/github", headers: [["content-type", "application/json"], ["x-github-event", event], ["x-github-delivery", uniqueId], ["x-hub-signature-256", githubSig(body)]], body },
          };
        },
      ),
    },
    {
      name: "admin queries and ids with NUL, invalid percent-encoding and non-ASCII",
      property: sends(t, fc.record({ field: fc.constantFrom("q", "type", "source", "status", "cursor", "limit", "next"), value: percentJunk, page: fc.constantFrom("/admin/api/webhooks", "/admin/webhooks", "/admin/webhooks/", "/admin/login") }), ({ field, value, page }) => ({
        name: `admin ${page}?${field}=${value.slice(0, 30)}`,
        verdict: "any",
        request: { method: "GET", target: page.endsWith("/") ? `${page}${value || "x"}` : `${page}?${field}=${value}`, headers: [["authorization", `Bearer ${hostileSecrets.admin}`], ["accept", "text/html"]] },
      })),
    },
  ];
}

export async function runGenerated(t: Target, seed: number): Promise<string[]> {
  const failures: string[] = [];
  for (const g of generatedProperties(t)) {
    const result = await g.property(seed);
    // Only an error of the harness itself fails a run here; what the service did is in t.violations.
    if (result.failed) failures.push(`${g.name}: ${String(result.errorInstance ?? result.counterexample).slice(0, 300)} (seed ${seed})`);
  }
  return failures;
}
