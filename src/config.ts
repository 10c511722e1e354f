// Configuration: the only reader of the environment. parseConfig is pure; main.ts prints its problems.
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { providers } from "./providers/registry.ts";

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  /** Secrets per source, in the order given: the position is what an event records as `secretIndex`. */
  secrets: Readonly<Record<string, readonly string[]>>;
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

export function parseConfig(env: Env): ConfigResult {
  const problems: string[] = [];

  const int = (name: keyof typeof defaults | "WORKERS" | "WORKER_CONCURRENCY" | "HOOKPORT_INGEST_BATCH", fallback: number, min: number, max: number, unit: string) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number of ${unit} from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const secrets: Record<string, string[]> = {};
  for (const provider of providers) {
    const list = splitList(env[provider.secretEnv]);
    const bad = list.findIndex((s) => !provider.looksLikeSecret(s));
    // Never echo a secret: name its position only.
    if (bad >= 0) problems.push(`${provider.secretEnv}: secret #${bad + 1} ${provider.secretHint}`);
    secrets[provider.source] = list;
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
    secrets: Object.freeze(secrets),
    stripeToleranceSeconds: int("STRIPE_TOLERANCE_SECONDS", defaults.STRIPE_TOLERANCE_SECONDS, 1, 86_400, "seconds"),
    adminToken,
    trustedProxies: Object.freeze(trustedProxies),
    workers: int("WORKERS", availableParallelism(), 1, 256, "threads"),
    // On the embedded store a batch's transaction holds its only connection while the handlers run, so
    // smaller batches leave ingest more turns (bench: 2,227 vs 1,582 acked/s in a burst at 8 vs 16);
    // PostgreSQL runs batches side by side and gains from larger ones.
    workerConcurrency: int("WORKER_CONCURRENCY", databaseUrl ? 16 : 8, 1, 256, "jobs"),
    maxAttempts: int("MAX_ATTEMPTS", defaults.MAX_ATTEMPTS, 1, 100, "attempts"),
    maxBodyBytes: int("MAX_BODY_BYTES", defaults.MAX_BODY_BYTES, 1_024, 1_073_741_824, "bytes"),
    handlerTimeoutMs: int("HANDLER_TIMEOUT_MS", defaults.HANDLER_TIMEOUT_MS, 10, 3_600_000, "milliseconds"),
    retryBaseMs: int("RETRY_BASE_MS", defaults.RETRY_BASE_MS, 1, 3_600_000, "milliseconds"),
    pollIntervalMs: int("POLL_INTERVAL_MS", defaults.POLL_INTERVAL_MS, 10, 60_000, "milliseconds"),
    shutdownTimeoutMs: int("SHUTDOWN_TIMEOUT_MS", defaults.SHUTDOWN_TIMEOUT_MS, 0, 600_000, "milliseconds"),
    logLevel,
    ingestBatch: int("HOOKPORT_INGEST_BATCH", 0, 1, 4_096, "events") || null,
  });

  return problems.length ? { ok: false, problems } : { ok: true, config };
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
