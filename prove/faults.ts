// PROVE: faults under steady load, each judged on what the senders were told against what the store
// holds: acknowledged events lost, effects doubled (the checkout handler on seeded orders), 2xx answered
// for an event not committed at the moment of the fault, and the time to recover.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchSecrets } from "../bench/deliveries.ts";
import { freePort } from "../bench/service.ts";
import { median, sleep } from "../bench/stats.ts";
import { RetryingSender, faultDeliveries } from "./sender.ts";
import { backlog, embeddedStore, migrateWith, readyIn, seedOrdersSql, spawnService, stopGently, storeFacts, type Running, type SqlStore } from "./target.ts";

export const serviceSecrets = { STRIPE_WEBHOOK_SECRET: benchSecrets.stripe, GITHUB_WEBHOOK_SECRET: benchSecrets.github, ADMIN_TOKEN: "prove-admin-token-abcdef0123456789" };

export type FaultReport = {
  fault: string;
  store: string;
  acked: number;
  lost: number;
  effectsDoubled: number;
  /** 2xx answers whose event was not in the store right after the fault. */
  ackedNotCommitted: number;
  /** Answers given while the fault lasted, by status. */
  duringFault: Record<string, number>;
  recoverMs: number[];
  ordersPaid: number;
  ordersExpected: number;
  unprocessed: number;
  notes: string[];
  /** The process was still running when the fault ended (null: not asked of this fault). */
  survived: boolean | null;
};

type Setup = { store: SqlStore; logFile: string; orders: number; env?: Record<string, string> };

async function prepare({ store, logFile, orders, env = {} }: Setup) {
  await migrateWith({ ...store.env, ...env }, logFile);
  await store.exec(seedOrdersSql(orders));
}

// hookport_events_backlog is recounted every 5 s, and keeps its last value while the store is down: a 0
// read right after an outage can be the count from before the load (a CI run stopped the service 2 s
// after PostgreSQL came back, with 84 events still unprocessed). Only a 0 that lasts past a recount counts.
const backlogRecountMs = 5_000;

/** Waits until the backlog is empty (processed, or given up as dead) across a recount, or the time is up. */
async function drain(port: number, timeoutMs: number) {
  const until = performance.now() + timeoutMs;
  let emptySince: number | null = null;
  while (performance.now() < until) {
    if ((await backlog(port)) === 0) {
      emptySince ??= performance.now();
      if (performance.now() - emptySince > backlogRecountMs + 1_000) return true;
    } else emptySince = null;
    await sleep(250);
  }
  return false;
}

async function finish(report: FaultReport, store: SqlStore, sender: RetryingSender, run: Running) {
  if (!(await drain(run.port, 60_000))) report.notes.push("backlog not empty 60 s after the load");
  await stopGently(run);
  const facts = await storeFacts(store);
  report.acked = sender.acked.size;
  report.lost = [...sender.acked.keys()].filter((k) => (facts.stored.get(k) ?? 0) !== 1).length;
  report.effectsDoubled = facts.effectsDoubled;
  report.ordersPaid = facts.paid;
  report.unprocessed = facts.unprocessed;
  const receivedTwice = [...sender.acked.values()].filter((a) => a.received > 1).length;
  if (receivedTwice) report.notes.push(`${receivedTwice} events answered "received" more than once`);
  return report;
}

/** Acknowledged so far but not in the store now: checked while the service is down, after the fault. */
async function uncommitted(store: SqlStore, sender: RetryingSender): Promise<number> {
  const acked = [...sender.acked.keys()];
  const facts = await storeFacts(store);
  return acked.filter((k) => !facts.stored.has(k)).length;
}

const count = (answers: { status: number }[]) => {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
};

function newReport(fault: string, store: string, orders: number): FaultReport {
  return { fault, store, acked: 0, lost: 0, effectsDoubled: 0, ackedNotCommitted: 0, duringFault: {}, recoverMs: [], ordersPaid: 0, ordersExpected: orders, unprocessed: 0, notes: [], survived: null };
}

/** A fresh store with seeded orders, the service on it, and a steady ~80 deliveries a second under way. */
async function startUnderLoad(store: SqlStore, logFile: string, orders: number) {
  await prepare({ store, logFile, orders });
  const port = freePort();
  const env = { ...serviceSecrets, ...store.env };
  const run = spawnService(env, port, logFile);
  await readyIn(run);
  const sender = new RetryingSender(port, await faultDeliveries(orders), 4, 50);
  return { port, env, run, sender, load: sender.run() };
}

/** kill -9 at random moments under steady load; restart at once; each time, check what was acknowledged is stored. */
export async function killNine(store: SqlStore, logFile: string, { kills, orders }: { kills: number; orders: number }): Promise<FaultReport> {
  const report = newReport(`kill -9 ×${kills} under load`, store.kind, orders);
  // About 80 deliveries a second: steady, and long enough that every kill lands while deliveries are in flight.
  const { port, env, sender, load, run: first } = await startUnderLoad(store, logFile, orders);
  let run = first;
  let done = 0;
  for (let k = 0; k < kills && sender.pending > 0; k++) {
    await sleep(300 + Math.random() * 1200);
    run.proc.kill("SIGKILL");
    await run.proc.exited;
    const killedAt = performance.now();
    report.ackedNotCommitted += await uncommitted(store, sender);
    run = spawnService(env, port, logFile);
    report.recoverMs.push(await readyIn(run, killedAt));
    done++;
  }
  if (done < kills) report.notes.push(`only ${done} kills: the load ended first`);
  report.fault = `kill -9 ×${done} under load`;
  const deadline = setTimeout(() => sender.stop(), 120_000);
  await load;
  clearTimeout(deadline);
  if (sender.pending) report.notes.push(`${sender.pending} deliveries never acknowledged`);
  return finish(report, store, sender, run);
}

/** A PostgreSQL cluster of our own (never the shared one), so it can be stopped and started at will. */
export class OwnCluster {
  readonly dir = mkdtempSync("/tmp/hookport-prove-pg-");
  readonly port = freePort();
  private bin = (name: string) => {
    const versions = spawnSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1"]).stdout.toString().trim();
    return join(versions, name);
  };
  private asPostgres(args: string[]) {
    return execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "pipe" }).toString();
  }
  init() {
    chmodSync(this.dir, 0o777);
    mkdirSync(join(this.dir, "data"));
    execFileSync("chown", ["-R", "postgres", this.dir]);
    this.asPostgres([this.bin("initdb"), "-D", join(this.dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    writeFileSync(join(this.dir, "data", "postgresql.auto.conf"), `port = ${this.port}\nunix_socket_directories = '${this.dir}'\nlisten_addresses = '127.0.0.1'\nfsync = on\n`);
    execFileSync("chown", ["postgres", join(this.dir, "data", "postgresql.auto.conf")]);
  }
  start() {
    this.asPostgres([this.bin("pg_ctl"), "-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-w", "start"]);
  }
  stop() {
    this.asPostgres([this.bin("pg_ctl"), "-D", join(this.dir, "data"), "-m", "fast", "-w", "stop"]);
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  remove() {
    try {
      this.stop();
    } catch {}
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** PostgreSQL stopped for `outageMs` and started again, under load. */
export async function postgresOutage(cluster: OwnCluster, store: SqlStore, logFile: string, { outageMs, orders }: { outageMs: number; orders: number }): Promise<FaultReport> {
  const report = newReport(`PostgreSQL stopped ${outageMs / 1000} s under load`, "postgres (own cluster)", orders);
  // The same steady ~80/s as the kills, so the outage lands while deliveries are still coming.
  const { port, env, sender, load, run: first } = await startUnderLoad(store, logFile, orders);
  let run = first;
  await sleep(500);
  cluster.stop();
  const stoppedAt = performance.now();
  const from = sender.answers.length;
  const readyz: number[] = [];
  while (performance.now() - stoppedAt < outageMs) {
    readyz.push(await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0));
    await sleep(500);
  }
  const during = sender.answers.slice(from);
  report.duringFault = count(during);
  const slowest = Math.max(0, ...during.map((a) => a.ms));
  report.notes.push(`slowest answer during the outage ${(slowest / 1000).toFixed(1)} s; /readyz during it: ${JSON.stringify(count(readyz.map((status) => ({ status }))))}`);
  // Nothing can have been committed while the server was down: every 2xx in that window is one too many.
  report.ackedNotCommitted = during.filter((a) => a.status >= 200 && a.status < 300 && a.at - stoppedAt > 2000).length;
  cluster.start();
  const startedAt = performance.now();
  report.survived = run.proc.exitCode === null;
  if (!report.survived) {
    // As a supervisor would: start it again once the database is back, and count that in the recovery.
    report.notes.push(`the service exited (code ${run.proc.exitCode}) during the outage; restarted after it`);
    run = spawnService(env, port, logFile);
  }
  const firstOk = async () => {
    while (performance.now() - startedAt < 60_000) {
      if (sender.answers.some((a) => a.at > startedAt && a.status >= 200 && a.status < 300) || sender.pending === 0) return performance.now() - startedAt;
      await sleep(20);
    }
    return NaN;
  };
  report.recoverMs.push(await firstOk());
  const deadline = setTimeout(() => sender.stop(), 120_000);
  await load;
  clearTimeout(deadline);
  if (sender.pending) report.notes.push(`${sender.pending} deliveries never acknowledged`);
  return finish(report, store, sender, run);
}

/**
 * The embedded store's DATA_DIR read-only, or its filesystem full, then given back. `mount` makes both
 * real (root ignores file modes): a small tmpfs of our own. A filesystem cannot be remounted read-only
 * while the service holds files open for writing ("mount point is busy"), so read-only is tested as an
 * operator meets it: the service started on a read-only DATA_DIR (a volume mounted ro by mistake).
 * The disk fills under load, while the service runs.
 */
export async function embeddedDiskFault(kind: "read-only" | "disk full", logFile: string, { faultMs, orders }: { faultMs: number; orders: number }): Promise<FaultReport> {
  const report = newReport(kind === "read-only" ? `embedded DATA_DIR read-only at start, ${faultMs / 1000} s of load` : `embedded DATA_DIR disk full ${faultMs / 1000} s under load`, "embedded", orders);
  const mnt = mkdtempSync("/tmp/hookport-prove-mnt-");
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=512m", "tmpfs", mnt]);
  const store = embeddedStore(join(mnt, "data"));
  try {
    await prepare({ store, logFile, orders });
    const port = freePort();
    const env = { ...serviceSecrets, ...store.env };
    const sender = new RetryingSender(port, await faultDeliveries(orders), 8, 20);
    let run: Running;
    let load: Promise<void>;
    const filler = join(mnt, "filler");
    if (kind === "read-only") {
      execFileSync("mount", ["-o", "remount,ro", mnt]);
      run = spawnService(env, port, logFile);
      load = sender.run();
      await sleep(faultMs);
      report.notes.push(run.proc.exitCode === null ? "the service started on the read-only DATA_DIR" : `the service refused to start (exit ${run.proc.exitCode})`);
    } else {
      run = spawnService(env, port, logFile);
      await readyIn(run);
      load = sender.run();
      await sleep(800);
      spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=1M"], { stdio: "ignore" });
    }
    const from = kind === "read-only" ? 0 : sender.answers.length;
    if (kind === "disk full") await sleep(faultMs);
    const during = sender.answers.slice(from);
    report.duringFault = count(during);
    report.survived = run.proc.exitCode === null;
    if (kind === "disk full") report.notes.push(report.survived ? "the service stayed up while the disk was full" : `the service exited with ${run.proc.exitCode} while the disk was full`);
    // Whatever was acknowledged while the fault lasted must be on disk: look with the service stopped.
    await stopGently(run);
    if (kind === "read-only") execFileSync("mount", ["-o", "remount,rw", mnt]);
    else rmSync(filler, { force: true });
    report.ackedNotCommitted = await uncommitted(store, sender);
    const givenBack = performance.now();
    run = spawnService(env, port, logFile);
    report.recoverMs.push(await readyIn(run, givenBack));
    const deadline = setTimeout(() => sender.stop(), 120_000);
    await load;
    clearTimeout(deadline);
    if (sender.pending) report.notes.push(`${sender.pending} deliveries never acknowledged`);
    return await finish(report, store, sender, run);
  } finally {
    spawnSync("umount", ["-l", mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

export const recoverSummary = (ms: number[]) => (ms.length ? `median ${Math.round(median(ms))} ms, max ${Math.round(Math.max(...ms))} ms` : "n/a");
