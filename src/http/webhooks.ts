// RECEIVE: POST /webhooks/:source — raw bytes → verify → store (commit) → reply. Nothing else.
// `:source` is an endpoint's name; its events carry that name in the `source` column.
import { Elysia } from "elysia";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { forwardTargets } from "../destinations.ts";
import type { Endpoint } from "../endpoints.ts";
import { decodeUtf8 } from "../providers/shape.ts";
import type { EventWriter } from "../store/events.ts";
import { readBody } from "./body.ts";
import { json, problem } from "./errors.ts";

export type ReceiveDeps = {
  config: Config;
  writer: EventWriter;
  /** Tells the queue a new event is waiting (pg-boss notify()); HTTP knows nothing else of it. */
  wake: () => void;
  log: Logger;
  metrics: Metrics;
  /** Unix seconds; injectable for tests. */
  now?: () => number;
  /** How long to wait for the commit before answering 503; injectable so tests need not wait 9 s. */
  storeTimeoutMs?: number;
};

// The contract promises senders an answer within 10 s when the store is stuck, so they retry.
const defaultStoreTimeoutMs = 9_000;

// Issue 11: a write can commit after its request was answered 503 (the store was slower than the
// sender's patience), or while its sender was hanging up (a sender or proxy with a shorter timeout than
// ours). No answer said `received` then, and every retry would find the row and say `duplicate`. Such
// events are remembered here, so the next delivery of one is answered `received` (and counted so): the
// first 2xx the sender sees. Per instance, and bounded: both are rare.
const maxUnanswered = 10_000;

function remember(unanswered: Set<string>, key: string): void {
  if (unanswered.size >= maxUnanswered) unanswered.delete(unanswered.values().next().value!);
  unanswered.add(key);
}

export function webhookRoutes(deps: ReceiveDeps) {
  const unanswered = new Set<string>();
  return new Elysia({ name: "webhooks" }).post(
    "/webhooks/:source",
    ({ request, params }) => receiveWebhook(deps, unanswered, params.source, request),
    { parse: "none" },
  );
}

// Elysia gives a path parameter with broken percent-encoding (`/webhooks/%ZZ`) as null, whatever its type says.
async function receiveWebhook(deps: ReceiveDeps, unanswered: Set<string>, name: string | null, request: Request): Promise<Response> {
  const { config, writer, wake, metrics } = deps;
  const endpoint = typeof name === "string" ? config.endpoints.find((e) => e.name === name) : undefined;
  if (!endpoint) {
    // Logged like other refusals but not counted in metrics: the label would be whatever the caller sent.
    const named = typeof name === "string" ? name.slice(0, 64) : new URL(request.url).pathname.slice(0, 80);
    deps.log.info("webhook refused", { status: 404, reason: "unknown-source", source: named });
    return problem(404, `unknown source "${named}"`);
  }
  const { name: source, provider, options } = endpoint;
  const log = deps.log.child({ source });
  const refuse = (status: number, reason: string, detail: string) => {
    log.warn("webhook refused", { status, reason, detail });
    metrics.rejected.inc({ source, reason });
    return problem(status, detail, { reason });
  };

  const secrets = endpoint.secrets;
  if (secrets.length === 0) {
    return refuse(503, "not-configured", `${endpoint.secretsFrom} is not set: this endpoint cannot verify ${source} signatures yet`);
  }
  const header = (name: string) => request.headers.get(name);
  // Unsigned requests are refused from their headers: the body is never read, however large.
  const unsigned = provider.precheck(header, options);
  if (unsigned) return refuse(400, unsigned.reason, unsigned.detail);
  const body = await readBody(request, config.maxBodyBytes);
  if (!body.ok) return refuse(413, "too-large", `the body is larger than MAX_BODY_BYTES (${config.maxBodyBytes} bytes)`);

  const verification = await provider.verify({
    body: body.bytes,
    header,
    secrets,
    now: deps.now?.() ?? Math.floor(Date.now() / 1000),
    toleranceSeconds: endpoint.toleranceSeconds,
    options,
  });
  if (!verification.ok) return refuse(400, verification.reason, verification.detail);
  if ("handshake" in verification) {
    log.info("handshake answered");
    return json(200, verification.handshake);
  }

  const key = `${source}/${verification.eventId}`;
  const writing = writer.write({
    source,
    eventId: verification.eventId,
    eventType: verification.eventType,
    payloadJson: verification.payloadJson,
    body: body.bytes,
    bodyText: verification.bodyText,
    headers: keptHeaders(endpoint, request.headers),
    secretIndex: verification.secretIndex,
    forwardTo: forwardTargets(endpoint.forward, verification.eventType),
  });
  let outcome;
  try {
    outcome = await withTimeout(writing, deps.storeTimeoutMs ?? defaultStoreTimeoutMs);
  } catch (err) {
    writing.then(
      (late) => {
        if (late.status !== "received") return;
        log.warn("event stored after its request was answered 503", { eventId: verification.eventId, id: late.id });
        remember(unanswered, key);
        wake();
      },
      () => {},
    );
    log.error("store unavailable", { err, eventId: verification.eventId });
    metrics.rejected.inc({ source, reason: "store-unavailable" });
    return problem(503, "the store cannot take the event right now; retry later", { reason: "store-unavailable" });
  }
  if (outcome.status === "refused") return refuse(400, "bad-body", outcome.detail);
  if (outcome.status === "duplicate" && unanswered.delete(key)) outcome = { ...outcome, status: "received" as const };
  // The runtime aborts request.signal when the sender hangs up (Bun.serve, Deno.serve): this answer goes
  // nowhere, so it is not counted, and a `received` is left to the retry.
  if (request.signal.aborted) {
    if (outcome.status === "received") {
      log.warn("event stored after its sender hung up", { eventId: verification.eventId, id: outcome.id });
      remember(unanswered, key);
      wake();
    }
    return json(200, { status: outcome.status, id: verification.eventId });
  }

  metrics.received.inc({ source, status: outcome.status });
  // Debug, not info: a line per delivery was a measurable share of the main thread under load (issue 9);
  // hookport_events_received_total counts them, and refusals and failures still log at warn/error.
  if (outcome.status === "received") {
    log.debug("event stored", { eventId: verification.eventId, eventType: verification.eventType, id: outcome.id, secretIndex: verification.secretIndex });
    wake();
  } else {
    log.debug("duplicate delivery", { eventId: verification.eventId, eventType: verification.eventType, id: outcome.id });
  }
  return json(200, { status: outcome.status, id: verification.eventId });
}

function keptHeaders({ provider, options }: Endpoint, headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of provider.keptHeaders(options)) {
    const value = headers.get(name);
    if (value !== null) kept[name] = utf8FromLatin1(value);
  }
  return kept;
}

/**
 * Header values reach us one character per byte (Latin-1), so a UTF-8 user agent would be stored
 * garbled ("Ã©" for "é"). Read the bytes again as UTF-8 when they are valid UTF-8; otherwise Latin-1,
 * what RFC 9110 §5.5 says such bytes historically meant, is the best reading there is.
 */
function utf8FromLatin1(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  return decodeUtf8(Uint8Array.from(value, (c) => c.charCodeAt(0))) ?? value;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no commit within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
