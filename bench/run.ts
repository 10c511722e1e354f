// BENCH: `npm run bench` — the compiled binary against a throwaway PostgreSQL database and a fresh
// embedded store, next to the machine's two limits measured in the same run (issue 5). Prints one
// markdown table and the targets; exits non-zero when an acknowledged event was lost or stored twice.
// `npm run bench -- --smoke`: a few hundred requests per store, checks only (CI).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureAdminPage, type AdminPage } from "./admin-page.ts";
import { ensureBinary } from "./binary.ts";
import { backlogOverRun, checkExactlyOnce, processingRate, wakeUpLatency, type ExactlyOnce, type Processing, type WakeUp } from "./checks.ts";
import { benchSecrets } from "./deliveries.ts";
import { measureHttpCeiling, measurePgCommitRate } from "./limits.ts";
import { runLoadProcesses, type LoadSummary } from "./load.ts";
import { args, opts, root, smoke } from "./options.ts";
import { fmt, renderTable, renderTargets, type Row } from "./report.ts";
import { seedBacklog, waitForProcessing } from "./backlog.ts";
import { startMeter, type Meter } from "./proc.ts";
import { sleep } from "./stats.ts";
import { startHookport, type Service } from "./service.ts";
import { createEmbeddedStore, createPostgresStore, withStore, type BenchStore, type StoreKind } from "./stores.ts";
import { adminLines, otherLines, targets, verdict, type Driven, type StoreResult } from "./targets.ts";

const adminToken = "hookport-bench-admin-token-0123456789";
const serviceEnv: Record<string, string> = {
  STRIPE_WEBHOOK_SECRET: benchSecrets.stripe,
  GITHUB_WEBHOOK_SECRET: benchSecrets.github,
  ADMIN_TOKEN: adminToken,
  // A compiled Bun executable still reads runtime flags from BUN_OPTIONS.
  ...(args.profile ? { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${args.profile}` } : {}),
  ...Object.fromEntries(args.env.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])),
};
const noopType = "hookport.bench.noop";
const workDir = mkdtempSync(join(tmpdir(), "hookport-bench-"));
const failures: string[] = [];
const cleanups = new Set<() => Promise<unknown>>();
process.on("SIGINT", () => void cleanUp().then(() => process.exit(130)));

try {
  await main();
} finally {
  await cleanUp();
}
if (failures.length > 0) {
  console.error(`\nbench FAILED:\n  - ${failures.join("\n  - ")}\n(service logs in ${workDir})`);
  process.exit(1);
}
// Info-level logs of a full run come to ~80 MB: kept only when something failed.
rmSync(workDir, { recursive: true, force: true });

async function main() {
  await ensureBinary(say);
  const started = performance.now();
  const busy = loadAverage();
  say(`hookport bench${smoke ? " (smoke)" : ""}: ${opts.requests} requests per run, ${opts.connections} connections, ${opts.duplicateShare * 100}% duplicates; logs in ${workDir} (kept if it fails)`);

  say("limits: bare HTTP server…");
  const ceiling = await measureHttpCeiling({
    count: Math.min(opts.requests, 20_000),
    passes: smoke ? 1 : Math.max(1, Math.round(200_000 / Math.min(opts.requests, 20_000))),
    connections: opts.connections,
    processes: opts.loadProcesses,
    duplicateShare: opts.duplicateShare,
    seed: 1,
  });
  say("limits: PostgreSQL one row per commit…");
  const commit = opts.stores.includes("postgres")
    ? await measurePgCommitRate(opts.databaseUrl, { clients: smoke ? [8] : [8, 16, 64], seconds: smoke ? 1 : 5 })
    : null;
  const limits = { httpPerSecond: ceiling.ackPerSecond, pgPerSecond: commit?.perSecond ?? null };

  const rows: Row[] = [
    { run: 'bare Bun.serve answering "ok" (HTTP ceiling, = load generator ceiling)', ...loadColumns(ceiling), cpu: ceiling.serverCpu },
  ];
  if (commit) {
    rows.push({
      run: `PostgreSQL, one ~3 KB jsonb row per commit (${commit.tool}, best of ${commit.byClients.map((b) => `${b.clients}: ${fmt.num(b.perSecond)}/s`).join(", ")} clients)`,
      ackPerSecond: commit.perSecond,
    });
  }

  const results: StoreResult[] = [];
  for (const kind of opts.stores) results.push(await benchStore(kind, rows));
  const admin = opts.adminRuns > 0 && opts.stores.includes("postgres") ? await benchAdminPage() : null;

  const size = statSync(opts.binary).size / 1024 / 1024;
  const report = [
    `### hookport bench${smoke ? " (smoke: checks only, figures not meaningful)" : ""}`,
    "",
    `${new Date().toISOString().slice(0, 16)}Z, ${navigator.hardwareConcurrency} cores, load average before the run ${busy}; ${opts.requests} requests per load run, ${opts.connections} keep-alive connections, ${opts.duplicateShare * 100}% redeliveries, Stripe and GitHub deliveries signed before the clock starts.`,
    "",
    renderTable(rows, limits),
    "",
    ...results.flatMap((r) => otherLines(r, opts.sustainSeconds)),
    `- binary: ${size.toFixed(1)} MiB (${opts.binary.replace(root, "")})`,
    ...(admin ? adminLines(admin) : ["- history page over 1,000,000 events: n/a (" + (opts.adminRuns > 0 ? "no PostgreSQL store in this run" : "skipped") + ")"]),
    "",
    "Targets (issue 5):",
    renderTargets(targets(results, limits, admin, { smoke, failures, sustainSeconds: opts.sustainSeconds })),
    "",
    `Whole bench: ${Math.round((performance.now() - started) / 1000)} s.`,
  ].join("\n");
  console.log("\n" + report);
  if (args.out) writeFileSync(args.out, report + "\n");
}

/**
 * One store kind, each phase on a store of its own, so no phase inherits another's backlog: the burst
 * (and a restart on its data), the trickle then the sustained run, the processing backlog, the baseline.
 */
async function benchStore(kind: StoreKind, rows: Row[]): Promise<StoreResult> {
  const label = kind === "postgres" ? "PostgreSQL" : "embedded";
  const checks: ExactlyOnce[] = [];
  const phase = async <T>(body: (store: BenchStore) => Promise<T>): Promise<T> => {
    const store = await newStore(kind);
    try {
      return await body(store);
    } finally {
      await dispose(store);
    }
  };

  say(`${label}: cold start, burst, restart…`);
  const { burst, coldFreshMs, coldRestartMs } = await phase(async (store) => {
    let svc = await start(store, "burst");
    const coldFreshMs = svc.coldStartMs;
    const burst = await drive(svc, { count: opts.requests, seed: 10 });
    await stop(svc, label);
    const check = await verify(store, burst.acked, `${label} burst`);
    checks.push(check);
    rows.push({ run: `hookport · ${label} · burst`, ...loadColumns(burst), exactlyOnce: verdict(check) });
    svc = await start(store, "restart");
    const coldRestartMs = svc.coldStartMs;
    await stop(svc, label);
    return { burst, coldFreshMs, coldRestartMs };
  });

  say(`${label}: a trickle while idle${opts.sustainSeconds > 0 ? `, then ${opts.sustainSeconds} s at 50% of ${fmt.num(burst.ackPerSecond)}/s` : ""}…`);
  const { idleWake, sustained } = await phase(async (store) => {
    const svc = await start(store, "sustained");
    const trickle = await drive(svc, { count: smoke ? 20 : 100, seed: 15, rate: smoke ? 100 : 50 });
    // The contract gives processing 5 s; wait that long before reading when each event was taken up.
    await sleep(smoke ? 1000 : 5000);
    let run: Driven | null = null;
    const offered = burst.ackPerSecond / 2;
    if (opts.sustainSeconds > 0) run = await drive(svc, { count: Math.round(offered * opts.sustainSeconds), seed: 20, rate: offered });
    await stop(svc, label);
    const acked = new Map(trickle.acked);
    for (const [k, v] of run?.acked ?? []) acked.set(k, merge(acked.get(k), v));
    const check = await verify(store, acked, `${label} trickle and sustained run`);
    checks.push(check);
    return withStore(store, async (db) => {
      const idleWake = await wakeUpLatency(db, trickle.startedAt - 1000, trickle.endedAt + 1000);
      if (!run) return { idleWake, sustained: null };
      const [backlog, wake] = await Promise.all([backlogOverRun(db, run.startedAt, run.endedAt), wakeUpLatency(db, run.startedAt - 1000, run.endedAt + 1000)]);
      rows.push({ run: `hookport · ${label} · ${opts.sustainSeconds} s at ${fmt.num(offered)}/s offered`, ...loadColumns(run), exactlyOnce: verdict(check) });
      return { idleWake, sustained: { ...run, offered, backlog, wake } };
    });
  });

  let processing: Processing | null = null;
  if (opts.processingEvents > 0) {
    say(`${label}: processing a backlog of ${opts.processingEvents} no-op events…`);
    processing = await phase(async (store) => {
      await withStore(store, (db) => seedBacklog(db, opts.processingEvents, noopType));
      const svc = await start(store, "processing");
      await waitForProcessing(svc, store, { eventType: noopType, adminToken, timeoutMs: smoke ? 15_000 : 120_000 });
      await stop(svc, label);
      return withStore(store, (db) => processingRate(db, noopType));
    });
  }

  let unbatched: Driven | null = null;
  if (opts.baseline) {
    say(`${label}: the same load with one insert per request (HOOKPORT_INGEST_BATCH=1)…`);
    unbatched = await phase(async (store) => {
      const svc = await start(store, "unbatched", { HOOKPORT_INGEST_BATCH: "1" });
      const run = await drive(svc, { count: Math.ceil(opts.requests / 2), seed: 30 });
      await stop(svc, label);
      const check = await verify(store, run.acked, `${label} one insert per request`);
      checks.push(check);
      rows.push({ run: `hookport · ${label} · one insert per request`, ...loadColumns(run), exactlyOnce: verdict(check) });
      return run;
    });
  }
  return { kind, burst, unbatched, sustained, coldFreshMs, coldRestartMs, idleWake, processing, processingEvents: opts.processingEvents, checks };
}

async function benchAdminPage(): Promise<AdminPage | null> {
  say("history page: seeding 1,000,000 events…");
  const store = await newStore("postgres");
  try {
    return await measureAdminPage({
      store,
      start: () => start(store, "admin"),
      stop: (svc) => stop(svc, "PostgreSQL"),
      adminToken,
      runs: opts.adminRuns,
    });
  } finally {
    await dispose(store);
  }
}

async function drive(svc: Service, { count, seed, rate }: { count: number; seed: number; rate?: number }) {
  let cpu = 0;
  let machine: Meter = { pgCpu: NaN, machineBusy: NaN };
  let startPeak = NaN;
  const summary = await runLoadProcesses({
    port: svc.port,
    count,
    rate,
    seed,
    connections: opts.connections,
    processes: opts.loadProcesses,
    duplicateShare: opts.duplicateShare,
    around: () => {
      startPeak = svc.peakRssMiB();
      svc.resetPeakRss();
      const before = svc.cpuSeconds();
      const t = performance.now();
      const meter = startMeter();
      return () => {
        cpu = ((svc.cpuSeconds() - before) / ((performance.now() - t) / 1000)) * 100;
        machine = meter();
      };
    },
  });
  const rssMiB = svc.peakRssMiB();
  if (summary.errors > 0) {
    const note = `${summary.errors} of ${summary.requests} requests were not answered 2xx (${JSON.stringify(summary.statuses)})`;
    if (smoke) failures.push(note);
    else say(`  warning: ${note}`);
  }
  return { ...summary, cpu, rssMiB, startPeakMiB: startPeak, ...machine };
}

async function start(store: BenchStore, name: string, env: Record<string, string> = {}): Promise<Service> {
  const svc = await startHookport({ binary: opts.binary, env: { ...serviceEnv, ...store.env, ...env }, logFile: join(workDir, `${store.kind}-${name}.log`) });
  const stopOnce = svc.stop;
  cleanups.add(stopOnce);
  return {
    ...svc,
    stop: () => {
      cleanups.delete(stopOnce);
      return stopOnce();
    },
  };
}

async function stop(svc: Service, label: string) {
  const code = await svc.stop();
  if (code !== 0) failures.push(`${label}: hookport exited with ${code} on SIGTERM:\n${svc.logTail(10)}`);
}

async function verify(store: BenchStore, acked: Map<string, { received: number; duplicate: number }>, what: string): Promise<ExactlyOnce> {
  const check = await withStore(store, (db) => checkExactlyOnce(db, acked));
  if (!check.ok) {
    failures.push(`${what}: ${check.lost} acknowledged event(s) lost, ${check.doubled} stored twice, ${check.receivedTwice} answered "received" twice (of ${check.acked})`);
  }
  return check;
}

async function newStore(kind: StoreKind): Promise<BenchStore> {
  const store = kind === "postgres" ? await createPostgresStore(opts.databaseUrl) : createEmbeddedStore();
  cleanups.add(store.dispose);
  return store;
}

async function dispose(store: BenchStore) {
  cleanups.delete(store.dispose);
  await store.dispose();
}

async function cleanUp() {
  for (const c of [...cleanups].reverse()) await c().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  cleanups.clear();
}

function loadColumns(s: LoadSummary & Partial<Meter> & { cpu?: number; rssMiB?: number }): Omit<Row, "run"> {
  return {
    requests: s.requests,
    ackPerSecond: s.ackPerSecond,
    p50: s.p50,
    p90: s.p90,
    p99: s.p99,
    max: s.max,
    errors: s.errors,
    generatorCpu: s.generatorCpu,
    cpu: s.cpu,
    rssMiB: s.rssMiB,
    pgCpu: s.pgCpu,
    machineBusy: s.machineBusy,
  };
}

function merge(a: { received: number; duplicate: number } | undefined, b: { received: number; duplicate: number }) {
  return { received: (a?.received ?? 0) + b.received, duplicate: (a?.duplicate ?? 0) + b.duplicate };
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function say(line: string) {
  console.error(line);
}

