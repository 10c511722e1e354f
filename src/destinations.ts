// Configuration: forwarding (issue 10). Destinations are URLs that get every matching stored event,
// signed with hookport's own Standard Webhooks secret; each endpoint's `forward` rules pick them by
// event type. From the HOOKPORT_CONFIG file, or FORWARD_URL + FORWARD_SECRET without one. Pure.
import type { Node } from "jsonc-parser";
import { namePattern, objectEntries } from "./endpoints.ts";
import { standardWebhooks } from "./providers/standard-webhooks.ts";

export type Destination = Readonly<{
  /** The job target is `forward:<name>`; the admin and the API name it so. */
  name: string;
  url: string;
  /** A Standard Webhooks secret, `whsec_<base64>`: the app verifies hookport's signature with it. */
  secret: string;
  timeoutMs: number;
  /** Deliveries to this destination in flight at once, per instance. */
  concurrency: number;
  /** How long a delivery is retried after its first failure before it is `dead`. */
  retryForHours: number;
}>;

/** Of an endpoint: events whose type matches any of `types` (globs, `*` for any run of characters) go to every `to`. */
export type ForwardRule = Readonly<{ types: readonly string[]; to: readonly string[] }>;

type Env = Record<string, string | undefined>;

export const destinationDefaults = { timeoutMs: 30_000, concurrency: 4, retryForHours: 72 } as const;

// Names follow the endpoints' rule: a destination's is part of a job target, a metrics label and an admin path segment.
/** "handler" names the handler's job wherever a job is chosen by target (replay --target), so no destination may take it. */
const reservedNames = new Set(["handler"]);

/** The destinations of every rule matching `eventType`, each once, in the order the rules name them. */
export function forwardTargets(rules: readonly ForwardRule[], eventType: string): string[] {
  const names = new Set<string>();
  for (const rule of rules) if (rule.types.some((glob) => globMatches(glob, eventType))) rule.to.forEach((n) => names.add(n));
  return [...names];
}

const globCache = new Map<string, RegExp>();
export function globMatches(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
    globCache.set(glob, re);
  }
  return re.test(value);
}

/** FORWARD_URL + FORWARD_SECRET (no config file): destination `default`, every event of every endpoint. */
export function destinationsFromEnv(env: Env, problems: string[]): { destinations: Destination[]; rules: ForwardRule[] } {
  const url = env.FORWARD_URL?.trim();
  const secret = env.FORWARD_SECRET?.trim();
  if (!url) {
    if (secret) problems.push("FORWARD_SECRET is set but FORWARD_URL is not: set FORWARD_URL to the URL to forward every event to, or unset FORWARD_SECRET");
    return { destinations: [], rules: [] };
  }
  const before = problems.length;
  checkUrl(url, "FORWARD_URL", problems);
  if (!secret) problems.push('FORWARD_SECRET must be set with FORWARD_URL: a Standard Webhooks secret ("whsec_" and the base64 of at least 16 bytes) your app verifies hookport\'s signature with');
  else if (!standardWebhooks.looksLikeSecret(secret) || !secret.startsWith("whsec_")) problems.push(`FORWARD_SECRET ${secretHint}`);
  if (problems.length > before) return { destinations: [], rules: [] };
  return { destinations: [Object.freeze({ name: "default", url, secret: secret!, ...destinationDefaults })], rules: [Object.freeze({ types: ["*"], to: ["default"] })] };
}

const secretHint = 'must be "whsec_" and the base64 of at least 16 bytes, e.g. "whsec_" + `openssl rand -base64 24` (never echoed here)';

/**
 * `"destinations": {"<name>": {"url": …, "secret": "${APP_WEBHOOK_SECRET}", "timeout_ms": …, "concurrency": …,
 * "retry_for_hours": …}}`. Keys are snake_case like the endpoints' `tolerance_seconds`.
 */
export function destinationsFromNode(path: string, node: Node | undefined, env: Env, problems: string[]): Destination[] {
  if (node === undefined) return [];
  const entries = objectEntries(node);
  if (!entries) {
    problems.push(`${path}: "destinations" must be an object, one key per destination name`);
    return [];
  }
  const destinations: Destination[] = [];
  for (const [name, value] of entries) {
    const where = `${path}: destination "${name.slice(0, 64)}"`;
    const at = (key: string) => `${where}, key "${key}"`;
    if (!namePattern.test(name) || reservedNames.has(name)) {
      problems.push(`${where}: the name must be 1 to 63 lower-case letters, digits, - or _, starting with a letter or digit, and not "handler"`);
      continue;
    }
    const fields = objectEntries(value);
    if (!fields) {
      problems.push(`${where}: must be an object with "url" and "secret"`);
      continue;
    }
    const before = problems.length;
    const url = fields.get("url");
    if (url?.type !== "string") problems.push(`${at("url")}: must be a string, the http:// or https:// URL to POST events to`);
    else checkUrl(url.value as string, at("url"), problems);
    const secret = readSecret(fields.get("secret"), env, at("secret"), problems);
    const number = (key: string, fallback: number, min: number, max: number, unit: string) => {
      const n = fields.get(key);
      if (n === undefined) return fallback;
      if (n.type !== "number" || !Number.isInteger(n.value) || n.value < min || n.value > max) {
        problems.push(`${at(key)}: must be a whole number of ${unit} from ${min} to ${max}`);
        return fallback;
      }
      return n.value as number;
    };
    const destination = {
      name,
      url: url?.value as string,
      secret: secret ?? "",
      timeoutMs: number("timeout_ms", destinationDefaults.timeoutMs, 100, 600_000, "milliseconds"),
      concurrency: number("concurrency", destinationDefaults.concurrency, 1, 256, "deliveries"),
      retryForHours: number("retry_for_hours", destinationDefaults.retryForHours, 1, 24 * 30, "hours"),
    };
    for (const key of fields.keys()) {
      if (!["url", "secret", "timeout_ms", "concurrency", "retry_for_hours"].includes(key)) {
        problems.push(`${at(key)}: unknown key; a destination takes url, secret, timeout_ms, concurrency and retry_for_hours`);
      }
    }
    if (problems.length === before) destinations.push(Object.freeze(destination));
  }
  return destinations;
}

/** An endpoint's `"forward": [{"types": ["checkout.session.*"], "to": ["app"]}]`; `types` defaults to every type. */
export function forwardRulesFromNode(node: Node | undefined, destinationNames: ReadonlySet<string>, at: string, problems: string[]): ForwardRule[] {
  if (node === undefined) return [];
  if (node.type !== "array") {
    problems.push(`${at}: must be a list of rules, e.g. [{"types": ["*"], "to": ["app"]}]`);
    return [];
  }
  const rules: ForwardRule[] = [];
  (node.children ?? []).forEach((item, i) => {
    const rule = `${at} rule #${i + 1}`;
    const fields = objectEntries(item);
    if (!fields) return problems.push(`${rule}: must be an object with "to" (and "types")`);
    for (const key of fields.keys()) if (key !== "types" && key !== "to") problems.push(`${rule}: unknown key "${key.slice(0, 40)}"; a rule takes "types" and "to"`);
    const types = fields.has("types") ? strings(fields.get("types"), `${rule}, "types"`, "event-type patterns such as \"checkout.session.*\" or \"*\"", problems) : ["*"];
    const to = strings(fields.get("to"), `${rule}, "to"`, "destination names declared under \"destinations\"", problems);
    for (const name of to ?? []) {
      if (!destinationNames.has(name)) problems.push(`${rule}, "to": no destination named "${name.slice(0, 64)}" is declared under "destinations"`);
    }
    if (types && to) rules.push(Object.freeze({ types: Object.freeze(types), to: Object.freeze(to) }));
  });
  return rules;
}

function strings(node: Node | undefined, at: string, what: string, problems: string[]): string[] | null {
  const items = node?.type === "array" ? (node.children ?? []) : null;
  if (!items || items.length === 0 || items.some((n) => n.type !== "string" || (n.value as string).length === 0)) {
    problems.push(`${at}: must be a non-empty list of non-empty strings: ${what}`);
    return null;
  }
  return items.map((n) => n.value as string);
}

function checkUrl(raw: string, at: string, problems: string[]) {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {}
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) problems.push(`${at}: must be an http:// or https:// URL (got "${raw.slice(0, 80)}")`);
  else if (url.username || url.password) problems.push(`${at}: must not carry a user or password: the app verifies hookport's signature instead`);
}

/** One secret, a literal or a whole `${VARIABLE}`; a missing one is a start-up error (nothing would be signed). */
function readSecret(node: Node | undefined, env: Env, at: string, problems: string[]): string | null {
  if (node?.type !== "string") {
    problems.push(`${at}: must be set, e.g. "\${APP_WEBHOOK_SECRET}": a Standard Webhooks secret your app verifies hookport's signature with`);
    return null;
  }
  const raw = node.value as string;
  const reference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(raw);
  if (!reference && raw.includes("${")) {
    problems.push(`${at}: must be a whole "\${VARIABLE}" reference or a literal secret, not a mix`);
    return null;
  }
  const value = reference ? env[reference[1]!]?.trim() : raw;
  if (!value) {
    problems.push(`${at}: refers to \${${reference![1]}}, which is not set`);
    return null;
  }
  if (!standardWebhooks.looksLikeSecret(value) || !value.startsWith("whsec_")) {
    problems.push(`${at}: ${reference ? `\${${reference[1]}} ` : ""}${secretHint}`);
    return null;
  }
  return value;
}
