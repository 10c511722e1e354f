// The target of the hostile suite: the compiled binary on one store, the requests thrown at it, and every
// property checked on every answer. Observations are collected, not thrown, so one run reports each
// property on its own (a hole in one does not hide the state of the others).
import { createHmac } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { signGithub } from "../../src/providers/github-sign.ts";
import { sampleGithubEvent } from "../../src/providers/samples/github.ts";
import { sampleStripeEvent } from "../../src/providers/samples/stripe.ts";
import { signStripe } from "../../src/providers/stripe-sign.ts";
import { makeSandbox, startService, waitReady, type Sandbox, type Service } from "../support/binary.ts";
import { githubSecret, stripeSecret } from "../support/signing.ts";
import { createTestDatabase, dropTestDatabase, type StoreKind } from "../support/stores.ts";
import { rawRequest, utf8, type RawAnswer, type RawRequest } from "./raw-http.ts";

/** Secrets of the hostile runs: a second, rotated secret of each kind so both are grepped for in the logs. */
export const hostileSecrets = {
  stripe: [stripeSecret, "whsec_rotated_hostile_secret_0123456789"],
  github: [githubSecret, "rotated-hostile-github-secret-9876543210"],
  admin: "hostile-admin-token-0123456789abcdef",
};
export const maxBodyBytes = 1024 * 1024;
export const toleranceSeconds = 300;

/**
 * What a request is, for judging its answer:
 * - "unsigned": no valid, fresh signature over the exact bytes sent: must never get a 2xx;
 * - "refuse": signed, but malformed or ambiguous: must get a 4xx of its own;
 * - "accept": a valid delivery: must get a 2xx;
 * - "any": validly signed, with an unusual shape the contract leaves open: anything but a 5xx.
 */
export type Verdict = "unsigned" | "refuse" | "accept" | "any";
export type Case = { name: string; verdict: Verdict; request: RawRequest; timeoutMs?: number };

export type Property =
  | "no 2xx without a valid fresh signature over the exact bytes"
  | "signed but malformed or ambiguous input gets a 4xx"
  | "valid deliveries are accepted whatever the Host or framing"
  | "never a 5xx"
  | "nosniff on every answer"
  | "good neighbours sent alongside are answered 200 received"
  | "nothing refused is stored; every acknowledged event stored once"
  | "healthy after every batch"
  | "admin input never confuses routing or sessions"
  | "no secret or token in any log line";

export type Violation = { property: Property; detail: string };

export type Target = {
  kind: StoreKind;
  service: Service;
  port: number;
  box: Sandbox;
  violations: Violation[];
  /** "source/eventId" of every event answered 2xx received or duplicate. */
  acked: Set<string>;
  counts: { named: number; generated: number; requests: number; skipped: number };
  /** Health checks failed in a row: after three the service is taken as down and the rest is skipped, so a hang cannot stall the suite. */
  unhealthyStreak: number;
  /** Cookie values handed out by the admin, grepped for in the logs with the secrets. */
  cookies: Set<string>;
  databaseUrl: string | null;
};

export async function startTarget(kind: StoreKind): Promise<Target> {
  const box = makeSandbox();
  const databaseUrl = kind === "postgres" ? await createTestDatabase() : null;
  const env: Record<string, string> = {
    STRIPE_WEBHOOK_SECRET: hostileSecrets.stripe.join(","),
    GITHUB_WEBHOOK_SECRET: hostileSecrets.github.join(","),
    ADMIN_TOKEN: hostileSecrets.admin,
    MAX_BODY_BYTES: String(maxBodyBytes),
    STRIPE_TOLERANCE_SECONDS: String(toleranceSeconds),
    WORKERS: "1",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: join(box.dir, "data") }),
  };
  const started = performance.now();
  const service = startService(box, env);
  await waitReady(service, started, 60_000);
  const port = Number(new URL(service.url).port);
  return { kind, service, port, box, violations: [], acked: new Set(), counts: { named: 0, generated: 0, requests: 0, skipped: 0 }, unhealthyStreak: 0, cookies: new Set(), databaseUrl };
}

/** SIGTERM, then the stored rows (the embedded store can only be opened once the service is gone). */
export async function stopTarget(t: Target): Promise<{ rows: { source: string; event_id: string }[]; exitCode: number }> {
  t.service.proc.kill("SIGTERM");
  const exitCode = await t.service.proc.exited;
  let rows: { source: string; event_id: string }[];
  if (t.databaseUrl) {
    const sql = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
    rows = [...(await sql.unsafe("select source, event_id from webhook_events"))] as never;
    await sql.end();
    await dropTestDatabase(t.databaseUrl);
  } else {
    const pg = await PGlite.create({ dataDir: join(t.box.dir, "data") });
    rows = (await pg.query<{ source: string; event_id: string }>("select source, event_id from webhook_events")).rows;
    await pg.close();
  }
  return { rows, exitCode };
}

export function removeSandbox(t: Target) {
  for (const dir of [t.box.dir, t.box.path]) rmSync(dir, { recursive: true, force: true });
}

export const violate = (t: Target, property: Property, detail: string) => {
  if (t.violations.filter((v) => v.property === property).length < 200) t.violations.push({ property, detail });
};

// Signing. The senders' libraries for realistic deliveries; for bodies that are not valid UTF-8 text the
// libraries (which take strings) cannot sign the exact bytes, so the same HMAC is computed over the bytes.
export const now = () => Math.floor(Date.now() / 1000);
export const stripeV1 = (body: Uint8Array, t: number, secret = stripeSecret) =>
  createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
export const githubSig = (body: Uint8Array, secret = githubSecret) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export async function stripeDelivery(opts: { body?: string; t?: number; type?: string } = {}) {
  const t = opts.t ?? now();
  const body = opts.body ?? sampleStripeEvent(opts.type ?? "customer.subscription.updated", { now: t });
  const headers = await signStripe(body, stripeSecret, t);
  return { body, headers, eventId: JSON.parse(body).id as string, request: toRaw("/webhooks/stripe", headers, utf8(body)) };
}

export async function githubDelivery(opts: { body?: string; event?: string; id?: string } = {}) {
  const event = opts.event ?? "ping";
  const body = opts.body ?? sampleGithubEvent(event);
  const headers = await signGithub(body, githubSecret, event, opts.id);
  return { body, headers, eventId: headers["x-github-delivery"]!, request: toRaw("/webhooks/github", headers, utf8(body)) };
}

export function toRaw(target: string, headers: Record<string, string>, body: Uint8Array): RawRequest {
  return { target, headers: Object.entries(headers), body };
}

/** Records 2xx received/duplicate answers as acknowledged. Returns the parsed answer. */
function noteAck(t: Target, source: string | null, answer: RawAnswer): { status?: string; id?: string } {
  let json: { status?: string; id?: string } = {};
  try {
    json = JSON.parse(answer.body);
  } catch {}
  if (answer.status >= 200 && answer.status < 300 && source && typeof json.id === "string" && (json.status === "received" || json.status === "duplicate")) {
    t.acked.add(`${source}/${json.id}`);
  }
  return json;
}

const sourceOf = (target: string) => (/stripe/i.test(target) ? "stripe" : /github/i.test(target) ? "github" : null);

/** Judges one answer against the case's verdict and the properties every answer owes. */
export function judge(t: Target, c: Case, answer: RawAnswer) {
  t.counts.requests++;
  const what = `${c.name} → ${answer.status} ${answer.body.replace(/\s+/g, " ").slice(0, 160)}`;
  noteAck(t, sourceOf(c.request.target), answer);
  const cookie = answer.headers.get("set-cookie")?.split(";")[0]?.split("=").slice(1).join("=");
  if (cookie) t.cookies.add(cookie);
  const ok = answer.status >= 200 && answer.status < 300;
  if (answer.status >= 500) violate(t, "never a 5xx", what);
  // Answers without a content type are Bun's own to requests it could not parse, before any app code runs.
  if (answer.headers.has("content-type") && answer.headers.get("x-content-type-options")?.toLowerCase() !== "nosniff") {
    violate(t, "nosniff on every answer", `${c.request.method ?? "POST"} ${c.request.target.slice(0, 80)} → ${answer.status}`);
  }
  if (c.verdict === "unsigned" && ok) violate(t, "no 2xx without a valid fresh signature over the exact bytes", what);
  if (c.verdict === "refuse" && !(answer.status >= 400 && answer.status < 500)) violate(t, "signed but malformed or ambiguous input gets a 4xx", what);
  if (c.verdict === "accept" && !ok) violate(t, "valid deliveries are accepted whatever the Host or framing", what);
}

let neighbourKind = 0;

/**
 * Sends the cases all at once with good signed neighbours beside them (so they can share an ingest
 * batch), judges every answer, then checks the service is still healthy.
 */
export async function batch(t: Target, cases: Case[], { neighbours = 2 } = {}) {
  if (t.unhealthyStreak >= 3) {
    t.counts.skipped += cases.length;
    return;
  }
  const goods = await Promise.all(
    Array.from({ length: neighbours }, () => (neighbourKind++ % 2 === 0 ? stripeDelivery() : githubDelivery({ event: "push" }))),
  );
  const [answers, goodAnswers] = await Promise.all([
    Promise.all(cases.map((c) => rawRequest(t.port, c.request, c.timeoutMs))),
    Promise.all(goods.map((g) => rawRequest(t.port, g.request))),
  ]);
  cases.forEach((c, i) => judge(t, c, answers[i]!));
  goods.forEach((g, i) => {
    const a = goodAnswers[i]!;
    t.counts.requests++;
    const json = noteAck(t, sourceOf(g.request.target), a);
    if (a.status !== 200 || json.status !== "received" || json.id !== g.eventId) {
      violate(t, "good neighbours sent alongside are answered 200 received", `beside [${cases.map((c) => c.name).join(", ").slice(0, 200)}]: ${a.status} ${a.body.slice(0, 120)}`);
    }
    if (a.headers.get("x-content-type-options")?.toLowerCase() !== "nosniff" && a.status) violate(t, "nosniff on every answer", `neighbour → ${a.status}`);
  });
  await checkHealthy(t, cases.map((c) => c.name).join(", "));
}

export async function checkHealthy(t: Target, after: string) {
  if (t.service.proc.exitCode !== null) {
    violate(t, "healthy after every batch", `exited with ${t.service.proc.exitCode} after ${after}`);
    return;
  }
  let healthy = true;
  for (const path of ["/healthz", "/readyz"]) {
    const a = await rawRequest(t.port, { method: "GET", target: path, headers: [] }, 5_000);
    if (a.status !== 200) violate(t, "healthy after every batch", `${path} → ${a.status || "no answer within 5 s"} after ${after.slice(0, 200)}`);
    healthy &&= a.status === 200;
  }
  t.unhealthyStreak = healthy ? 0 : t.unhealthyStreak + 1;
}

/** Every acknowledged event stored exactly once, and no other row: nothing refused got in. */
export function checkStored(t: Target, rows: { source: string; event_id: string }[]) {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(`${r.source}/${r.event_id}`, (seen.get(`${r.source}/${r.event_id}`) ?? 0) + 1);
  for (const key of t.acked) {
    const n = seen.get(key) ?? 0;
    if (n !== 1) violate(t, "nothing refused is stored; every acknowledged event stored once", `acknowledged ${JSON.stringify(key.slice(0, 120))} stored ${n} times`);
  }
  for (const key of seen.keys()) {
    if (!t.acked.has(key)) violate(t, "nothing refused is stored; every acknowledged event stored once", `stored but never acknowledged: ${JSON.stringify(key.slice(0, 120))}`);
  }
}

/** Every configured secret, the admin token and every session cookie handed out, looked for in every line. */
export function checkLogs(t: Target, logs: string) {
  const needles = [...hostileSecrets.stripe, ...hostileSecrets.github, hostileSecrets.admin, ...t.cookies];
  const lines = logs.split("\n");
  for (const needle of needles) {
    // The Stripe secret without its prefix too: a log that strips "whsec_" still leaks it.
    for (const form of new Set([needle, needle.replace(/^whsec_/, "")])) {
      const line = lines.find((l) => l.includes(form));
      if (line) violate(t, "no secret or token in any log line", `${form.slice(0, 6)}… appears in: ${line.slice(0, 200)}`);
    }
  }
}

export const describeViolations = (vs: Violation[]) => vs.map((v) => `- ${v.detail}`).join("\n");
