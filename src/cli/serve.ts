// `hookport serve`: open the store, migrate, start the queue, wire HTTP to both, listen, and shut
// down in order on SIGTERM/SIGINT: stop taking requests, finish or release handlers, close the store.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Config } from "../config.ts";
import { buildApp } from "../http/app.ts";
import { createClientAddress } from "../http/client-address.ts";
import { createLogger, type Logger } from "../log.ts";
import { createMetrics } from "../metrics.ts";
import { startForwarder } from "../forward/forwarder.ts";
import { startQueue } from "../queue/start-queue.ts";
import { adminStaticFiles, clientAddress, handlerWorkerEntry, listen, runtimeName } from "../runtime.ts";
import type { Executor } from "../store/db.ts";
import { createEventWriter } from "../store/events.ts";
import { migrate } from "../store/migrations.ts";
import { openStore } from "../store/open.ts";
import { getOrCreateSetting } from "../store/settings.ts";

// Ingest's gather on PostgreSQL (store/batcher.ts). At a steady 2,000 deliveries/s a commit came back after
// two or three requests, so ingest ran 0.33 transactions a delivery. Measured on the compiled binary (issue
// 9, 30-60 s runs alternated): transactions a delivery 0.46-0.55 -> 0.20-0.24 in all, PostgreSQL's CPU a
// delivery 400-434 -> 331-407 µs, hookport's 392-422 -> 376-394 µs; at most 6 ms more to an ack under a
// stream, nothing to a lone request or to a burst, where 32 are soon waiting. The embedded store's
// sustained run keeps up without it, so it is left as it was.
const ingestGather = { gatherMs: 6, fullBatch: 32 };

export async function serveCommand(config: Config): Promise<number> {
  const started = performance.now();
  const log = createLogger(config.logLevel);
  // Names this process's connections and leases, so other instances can tell when it has died.
  // PostgreSQL keeps 63 bytes of application_name: keep the name well under that.
  const instance = `hookport:${hostname().slice(0, 24)}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const db = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    applicationName: instance,
    // This thread's: ingest, claims, failure records, the admin; on PostgreSQL, handler batches run on
    // the worker threads' own connections (queue/start-queue.ts). Kept at what it was: at 8 a burst's acks
    // fell by a third (issue 9 bench, loaded machine: 1,400-2,000 vs 2,750-2,900/s), for a reason not
    // yet found. Several instances share the server's max_connections (100 by default).
    maxConnections: Math.min(config.workers * config.workerConcurrency, 16) + 4,
  });
  await migrate(db);

  const adminToken = await resolveAdminToken(config, db, log);
  const metrics = createMetrics();
  const writer = createEventWriter(db, {
    maxBatch: config.ingestBatch ?? undefined,
    ...(db.kind === "postgres" ? { concurrency: 2, ...ingestGather } : { concurrency: 1 }),
  });
  const queue = await startQueue({ db, config, instance, log, metrics, entry: handlerWorkerEntry });
  const forwarder = await startForwarder({
    db,
    destinations: config.destinations,
    instance,
    log,
    metrics,
    retryBaseMs: config.retryBaseMs,
    pollIntervalMs: config.pollIntervalMs,
    coolDownMs: config.forwardCoolDownMs,
  });
  const wake = () => {
    queue.wake();
    forwarder.wake();
  };
  const admin = { db, adminToken, staticFiles: adminStaticFiles, clientAddress: createClientAddress(config.trustedProxies, clientAddress) };
  const app = buildApp({ config, writer, wake, log, metrics, ping: () => db.ping(), admin });
  const listener = listen(app.fetch, config.port, config.host, config.maxBodyBytes, log);

  const enabled = config.endpoints.filter((e) => e.secrets.length > 0);
  for (const e of config.endpoints) {
    if (!enabled.includes(e)) log.warn(`${e.name} disabled: ${e.secretsFrom} is not set, POST /webhooks/${e.name} answers 503`);
  }
  log.info("hookport serving", {
    port: listener.port,
    host: config.host,
    store: db.kind === "postgres" ? "postgres" : `embedded (${config.dataDir})`,
    endpoints: enabled.map((e) => `${e.name} (${e.provider.kind})`),
    workers: config.workers,
    destinations: config.destinations.map((d) => `${d.name} (${new URL(d.url).origin})`),
    startMs: Math.round(performance.now() - started),
    runtime: runtimeName,
    adminToken: adminToken === config.adminToken ? "from ADMIN_TOKEN" : "stored",
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await listener.stop();
    await writer.drain();
    await Promise.all([queue.stop(config.shutdownTimeoutMs), forwarder.stop(config.shutdownTimeoutMs)]);
    await db.close();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  return -1;
}

/** ADMIN_TOKEN, or the one generated at the first start and kept in the store; printed once, when made. */
async function resolveAdminToken(config: Config, db: Executor, log: Logger) {
  if (config.adminToken) return config.adminToken;
  const { value, created } = await getOrCreateSetting(db, "admin_token", () => randomBytes(24).toString("base64url"));
  if (created) {
    log.info("generated an admin token; it is shown this once, keep it (or set ADMIN_TOKEN)", { adminToken: value });
  }
  return value;
}
