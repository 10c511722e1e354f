// Configuration: the only reader of the environment. parseConfig is pure; main.ts prints its problems.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { destinationsFromEnv, type Destination } from "./destinations.ts";
import { maxCoolDownMs, minCoolDownMs } from "./forward/breaker.ts";
import { endpointsFromEnv, endpointsFromFile, splitList, type Endpoint } from "./endpoints.ts";

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  /** POST /webhooks/<name>: from HOOKPORT_CONFIG, or else `stripe` and `github` from their variables. */
  endpoints: readonly Endpoint[];
  /** Where endpoints forward events (HOOKPORT_CONFIG's "destinations", or FORWARD_URL as `default`). */
  destinations: readonly Destination[];
  stripeToleranceSeconds: number;
  adminToken: string | null;
  /** TRUSTED_PROXIES: addresses and CIDRs (`10.0.0.0/8`) whose X-Forwarded-For is believed; empty: none. */
  trustedProxies: readonly string[];
  workers: number;
  /** Jobs one worker thread runs at a time (handlers mostly wait on I/O). */
  workerConcurrency: number;
  maxAttempts: number;
  maxBodyBytes: number;
  handlerTimeoutMs: number;
  retryBaseMs: number;
  pollIntervalMs: number;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  /**
   * HOOKPORT_INGEST_BATCH: most events one ingest INSERT may carry; null (unset) leaves group commit as
   * designed. A benchmark knob (1 = one insert per request, the baseline of `npm run bench`), not in the contract.
   */
  ingestBatch: number | null;
  /** HOOKPORT_FORWARD_COOLDOWN_MS: the circuit breaker's first cool-down (30 s); a test knob, not in the contract. */
  forwardCoolDownMs: number;
}>;

export type LogLevel = "debug" | "info" | "warn" | "error";
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** Defaults, from CONTRACT.md and the issues; one table so the README can be checked against it. */
export const defaults = {
  PORT: 3000,
  HOST: "0.0.0.0",
  DATA_DIR: "./data",
  STRIPE_TOLERANCE_SECONDS: 300,
  MAX_ATTEMPTS: 8,
  MAX_BODY_BYTES: 26_214_400,
  HANDLER_TIMEOUT_MS: 30_000,
  RETRY_BASE_MS: 1_000,
  POLL_INTERVAL_MS: 1_000,
  SHUTDOWN_TIMEOUT_MS: 10_000,
  LOG_LEVEL: "info",
} as const;

/** The HOOKPORT_CONFIG file as read: its path (for messages) and its text. */
export type ConfigFile = Readonly<{ path: string; text: string }>;

/** The one place that reads the environment and the config file it names. */
export function loadConfig(env: Env = process.env): ConfigResult {
  const path = env.HOOKPORT_CONFIG?.trim();
  if (!path) return parseConfig(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, problems: [`HOOKPORT_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
  return parseConfig(env, { path, text });
}

export function parseConfig(env: Env, file?: ConfigFile): ConfigResult {
  const problems: string[] = [];

  const int = (name: keyof typeof defaults | "WORKERS" | "WORKER_CONCURRENCY" | "HOOKPORT_INGEST_BATCH" | "HOOKPORT_FORWARD_COOLDOWN_MS", fallback: number, min: number, max: number, unit: string) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number of ${unit} from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const stripeToleranceSeconds = int("STRIPE_TOLERANCE_SECONDS", defaults.STRIPE_TOLERANCE_SECONDS, 1, 86_400, "seconds");
  let endpoints: Endpoint[];
  let destinations: Destination[];
  if (file) {
    ({ endpoints, destinations } = endpointsFromFile(file.path, file.text, env, problems));
    if (env.FORWARD_URL?.trim() || env.FORWARD_SECRET?.trim()) {
      problems.push(`FORWARD_URL and FORWARD_SECRET are for use without a config file: with HOOKPORT_CONFIG (${file.path}), declare the destination under "destinations" and a "forward" rule on each endpoint`);
    }
  } else {
    // Without a file, FORWARD_URL forwards every event of every endpoint to destination `default`.
    const forwarding = destinationsFromEnv(env, problems);
    destinations = forwarding.destinations;
    endpoints = endpointsFromEnv(env, stripeToleranceSeconds, problems).map((e) => Object.freeze({ ...e, forward: Object.freeze(forwarding.rules) }));
  }

  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got "${redactUrl(databaseUrl)}")`);
  }

  const adminToken = env.ADMIN_TOKEN?.trim() || null;
  if (adminToken !== null && adminToken.length < 16) {
    problems.push(`ADMIN_TOKEN must be at least 16 characters (got ${adminToken.length}); unset it to have one generated`);
  } else if (adminToken !== null && !/^[\x21-\x7e]+$/.test(adminToken)) {
    // RFC 6750's token68 has no spaces, and a header value carries no control or non-ASCII characters.
    problems.push("ADMIN_TOKEN must be printable ASCII without spaces: it is presented as `Authorization: Bearer <token>`, which cannot carry anything else");
  }

  const trustedProxies = splitList(env.TRUSTED_PROXIES);
  trustedProxies.forEach((entry, i) => {
    const [address = "", bits, ...rest] = entry.split("/");
    const version = isIP(address);
    const max = version === 4 ? 32 : 128;
    if (!version || rest.length > 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
      problems.push(`TRUSTED_PROXIES: entry #${i + 1} must be an IP address or a CIDR such as 10.0.0.0/8 or fd00::/8 (got "${entry.slice(0, 60)}")`);
    }
  });

  const logLevel = (env.LOG_LEVEL?.trim() || defaults.LOG_LEVEL) as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of debug, info, warn, error (got "${logLevel}")`);
  }

  const config: Config = Object.freeze({
    port: int("PORT", defaults.PORT, 0, 65_535, "port"),
    host: env.HOST?.trim() || defaults.HOST,
    databaseUrl,
    dataDir: env.DATA_DIR?.trim() || defaults.DATA_DIR,
    endpoints: Object.freeze(endpoints),
    destinations: Object.freeze(destinations),
    stripeToleranceSeconds,
    adminToken,
    trustedProxies: Object.freeze(trustedProxies),
    workers: int("WORKERS", availableParallelism(), 1, 256, "threads"),
    // On the embedded store a batch's transaction holds its only connection while the handlers run, so
    // smaller batches leave ingest more turns (bench: 2,227 vs 1,582 acked/s in a burst at 8 vs 16).
    // PostgreSQL runs batches side by side, and under a steady stream the jobs in flight are its limit: at
    // 2,350 deliveries/s offered for 60 s (two workers, bench/README.md) the backlog grew 103-372 events/s
    // at 16, 36 at 24, 3-15 at 32, with 14% more handled a second in a burst. The handler threads' heaps
    // grew with it, hence their collection every 1,000 jobs (queue/worker.ts).
    workerConcurrency: int("WORKER_CONCURRENCY", databaseUrl ? 32 : 8, 1, 256, "jobs"),
    maxAttempts: int("MAX_ATTEMPTS", defaults.MAX_ATTEMPTS, 1, 100, "attempts"),
    maxBodyBytes: int("MAX_BODY_BYTES", defaults.MAX_BODY_BYTES, 1_024, 1_073_741_824, "bytes"),
    handlerTimeoutMs: int("HANDLER_TIMEOUT_MS", defaults.HANDLER_TIMEOUT_MS, 10, 3_600_000, "milliseconds"),
    retryBaseMs: int("RETRY_BASE_MS", defaults.RETRY_BASE_MS, 1, 3_600_000, "milliseconds"),
    pollIntervalMs: int("POLL_INTERVAL_MS", defaults.POLL_INTERVAL_MS, 10, 60_000, "milliseconds"),
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", defaults.SHUTDOWN_TIMEOUT_MS, 0, 600_000, "milliseconds"),
    logLevel,
    ingestBatch: int("HOOKPORT_INGEST_BATCH", 0, 1, 4_096, "events") || null,
    forwardCoolDownMs: int("HOOKPORT_FORWARD_COOLDOWN_MS", minCoolDownMs, 10, maxCoolDownMs, "milliseconds"),
  });

  return problems.length ? { ok: false, problems } : { ok: true, config };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
