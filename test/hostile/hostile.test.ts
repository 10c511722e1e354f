// Issue 8, "prove it": hostile requests thrown at the compiled binary on each store. One run per store
// sends the named cases and the generated inputs, each batch beside good signed neighbours, and
// collects what it saw; each property is then its own test, so a report says which hold and which do not.
// HOSTILE_RUNS=<n> draws n inputs per generated property (default 20); HOSTILE_SEED fixes the draw.
import { afterAll, describe, expect, test } from "bun:test";
import { killLeftovers } from "../support/binary.ts";
import { storeKinds } from "../support/stores.ts";
import { adminCases, namedCases } from "./cases.ts";
import { runGenerated, runsPerProperty } from "./generated.ts";
import { batch, checkHealthy, checkLogs, checkStored, describeViolations, hostileSecrets, removeSandbox, startTarget, stopTarget, violate, type Property, type Target } from "./harness.ts";
import { rawRequest, utf8 } from "./raw-http.ts";

const seed = Number(process.env.HOSTILE_SEED) || Date.now() % 1_000_000;
const slow = 240_000;

afterAll(killLeftovers);

/** Admin routing against short Host headers (issue 8 item 7) and logout ending the session (item 6). */
async function adminConfusion(t: Target) {
  const bearer: [string, string] = ["authorization", `Bearer ${hostileSecrets.admin}`];
  for (const host of ["a", "x", "ab", "abc", "abcd"]) {
    for (const prefix of ["/xx", "/x", "/xxx", "/xxxx", "/webhooks"]) {
      const a = await rawRequest(t.port, { method: "GET", target: `${prefix}/admin/api/webhooks`, headers: [["host", host], bearer] });
      t.counts.named++;
      t.counts.requests++;
      if (a.status >= 200 && a.status < 300) violate(t, "admin input never confuses routing or sessions", `Host: ${host}, GET ${prefix}/admin/api/webhooks → ${a.status} (served as the admin API)`);
      if (a.status >= 500) violate(t, "never a 5xx", `Host: ${host}, GET ${prefix}/admin/api/webhooks → ${a.status}`);
    }
  }
  const login = await rawRequest(t.port, {
    method: "POST",
    target: "/admin/login",
    headers: [["content-type", "application/x-www-form-urlencoded"]],
    body: utf8(`token=${encodeURIComponent(hostileSecrets.admin)}`),
  });
  const cookie = login.headers.get("set-cookie")?.split(";")[0];
  t.counts.named++;
  if (!cookie) {
    violate(t, "admin input never confuses routing or sessions", `login with the right token set no cookie (${login.status})`);
    return;
  }
  t.cookies.add(cookie.split("=").slice(1).join("="));
  const before = await rawRequest(t.port, { method: "GET", target: "/admin/api/webhooks", headers: [["cookie", cookie]] });
  const page = await rawRequest(t.port, { method: "GET", target: "/admin/webhooks", headers: [["cookie", cookie], ["accept", "text/html"]] });
  const csrf = /name="csrf-token" content="([^"]*)"/.exec(page.body)?.[1] ?? "";
  const logout = await rawRequest(t.port, { method: "POST", target: "/admin/logout", headers: [["cookie", cookie], ["x-csrf-token", csrf], ["origin", `http://127.0.0.1:${t.port}`]] });
  const after = await rawRequest(t.port, { method: "GET", target: "/admin/api/webhooks", headers: [["cookie", cookie]] });
  t.counts.requests += 5;
  if (before.status !== 200) violate(t, "admin input never confuses routing or sessions", `a fresh session cookie got ${before.status}`);
  if (after.status !== 401) violate(t, "admin input never confuses routing or sessions", `after logout (${logout.status}) the old cookie still gets ${after.status}`);
}

/**
 * Every route and every kind of error answer, with and without credentials: each must carry
 * X-Content-Type-Options: nosniff, redirects and empty answers included (issue 8).
 */
async function routeTour(t: Target) {
  const bearer: [string, string] = ["authorization", `Bearer ${hostileSecrets.admin}`];
  const html: [string, string] = ["accept", "text/html"];
  const stops: [string, string, [string, string][]][] = [
    ["GET", "/healthz", []],
    ["HEAD", "/healthz", []],
    ["GET", "/readyz", []],
    ["GET", "/metrics", []],
    ["GET", "/nowhere", []],
    ["DELETE", "/webhooks/stripe", []],
    ["OPTIONS", "/webhooks/stripe", []],
    ["POST", "/webhooks/stripe", []],
    ["POST", "/webhooks/github", []],
    ["POST", "/webhooks/unknown", []],
    ["GET", "/admin", [bearer]],
    ["GET", "/admin/login", []],
    ["GET", "/admin/static/htmx.min.js", []],
    ["GET", "/admin/static/nope.js", []],
    ["GET", "/admin/webhooks", [html]],
    ["GET", "/admin/webhooks", []],
    ["GET", "/admin/webhooks", [bearer, html]],
    ["GET", "/admin/webhooks/nope", [bearer]],
    ["GET", "/admin/webhooks/more", [bearer]],
    ["GET", "/admin/webhooks/glance", [bearer]],
    ["GET", "/admin/api/webhooks", []],
    ["GET", "/admin/api/webhooks", [bearer]],
    ["GET", "/admin/api/webhooks?limit=x", [bearer]],
    ["POST", "/admin/webhooks/nope/replay", [bearer]],
    ["POST", "/admin/webhooks/retry", []],
    ["POST", "/admin/logout", []],
  ];
  for (const [method, target, headers] of stops) {
    const a = await rawRequest(t.port, { method, target, headers, body: method === "POST" ? utf8("{}") : undefined, noLength: method !== "POST" });
    t.counts.named++;
    t.counts.requests++;
    if (a.status === 0) continue;
    if (a.headers.get("x-content-type-options")?.toLowerCase() !== "nosniff") violate(t, "nosniff on every answer", `route tour: ${method} ${target} → ${a.status}`);
    if (a.status >= 500) violate(t, "never a 5xx", `route tour: ${method} ${target} → ${a.status}`);
  }
}

const properties: Property[] = [
  "no 2xx without a valid fresh signature over the exact bytes",
  "signed but malformed or ambiguous input gets a 4xx",
  "valid deliveries are accepted whatever the Host or framing",
  "never a 5xx",
  "nosniff on every answer",
  "good neighbours sent alongside are answered 200 received",
  "nothing refused is stored; every acknowledged event stored once",
  "healthy after every batch",
  "admin input never confuses routing or sessions",
  "no secret or token in any log line",
];

for (const kind of storeKinds) {
  describe(`hostile inputs against the binary on the ${kind} store`, () => {
    let t: Target | undefined;
    let propertyFailures: string[] = [];

    test(
      "named cases and generated inputs run to the end, and the service stops cleanly",
      async () => {
        t = await startTarget(kind);
        const started = performance.now();
        const named = await namedCases();
        // A few at a time beside the neighbours: concurrent enough to share an ingest batch.
        for (let i = 0; i < named.length; i += 4) await batch(t, named.slice(i, i + 4));
        const admin = adminCases(hostileSecrets.admin);
        for (let i = 0; i < admin.length; i += 8) await batch(t, admin.slice(i, i + 8), { neighbours: 1 });
        t.counts.named += named.length + admin.length;
        await adminConfusion(t);
        await routeTour(t);
        propertyFailures = await runGenerated(t, seed);
        await checkHealthy(t, "the whole run");
        const { rows, exitCode } = await stopTarget(t);
        checkStored(t, rows);
        checkLogs(t, t.service.stdout() + t.service.stderr());
        console.log(
          `[hostile] ${kind}: ${t.counts.named} named cases, ${t.counts.generated} generated inputs (${runsPerProperty} per property, seed ${seed}), ` +
            `${t.counts.requests} requests, ${t.counts.skipped ? `${t.counts.skipped} skipped after the service stopped answering, ` : ""}${t.acked.size} events acknowledged, ${rows.length} stored, ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        for (const p of properties) {
          const n = t.violations.filter((v) => v.property === p).length;
          console.log(`[hostile] ${kind}: ${n === 0 ? "holds" : `FAILS (${n})`}: ${p}`);
        }
        if (propertyFailures.length) console.log(`[hostile] ${kind}: generated counterexamples:\n${propertyFailures.join("\n")}`);
        expect(exitCode).toBe(0);
      },
      slow,
    );

    for (const p of properties) {
      test(p, () => {
        if (!t) throw new Error("the run did not start");
        expect(describeViolations(t.violations.filter((v) => v.property === p))).toBe("");
      });
    }

    afterAll(() => t && removeSandbox(t));
  });
}
