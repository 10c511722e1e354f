// BENCH: `npm run bench` — the compiled binary against a throwaway PostgreSQL database and a fresh
// embedded store, next to the machine's two limits measured in the same run (issue 5). Prints one
// markdown table and the targets; exits non-zero when an acknowledged event was lost or stored twice.
// `npm run bench -- --smoke`: a few hundred requests per store, checks only (CI).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measureAdminPage, type AdminPage } from "./admin-page.ts";
import { backlogOverRun, checkExactlyOnce, processingRate, wakeUpLatency, type Backlog, type ExactlyOnce, type Processing, type WakeUp } from "./checks.ts";
import { benchSecrets } from "./deliveries.ts";
import { measureHttpCeiling, measurePgCommitRate } from "./limits.ts";
import { runLoadProcesses, type LoadSummary } from "./load.ts";
import { fmt, renderTable, renderTargets, type Row, type Target } from "./report.ts";
import { seedBacklog, waitForProcessing } from "./backlog.ts";
import { startMeter, type Meter } from "./proc.ts";
import { sleep } from "./stats.ts";
import { startHookport, type Service } from "./service.ts";
import { createEmbeddedStore, createPostgresStore, withStore, type BenchStore, type StoreKind } from "./stores.ts";

const root = new URL("..", import.meta.url).pathname;

const { values: args } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    smoke: { type: "boolean", default: false },
    requests: { type: "string" },
    concurrency: { type: "string", default: "64" },
    duplicates: { type: "string", default: "0.1" },
    "load-processes": { type: "string", default: "1" },
    "sustain-seconds": { type: "string" },
    "processing-events": { type: "string" },
    stores: { type: "string", default: "postgres,embedded" },
    "database-url": { type: "string", default: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres" },
    binary: { type: "string", default: join(root, "dist/hookport") },
    "no-build": { type: "boolean", default: false },
    "admin-runs": { type: "string" },
    "no-baseline": { type: "boolean", default: false },
    profile: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`npm run bench [-- options]
  --smoke                 a few hundred requests per store; checks nothing is lost or doubled, no timing targets
  --requests N            requests per load run (default 20000; smoke 300)
  --concurrency N         connections (default 64)
  --duplicates F          share of byte-identical redeliveries (default 0.1)
  --load-processes N      load-generator processes (default 1)
  --sustain-seconds N     the run at 50% of the measured maximum (default 60; smoke 0 = skipped)
  --processing-events N   backlog of no-op events for the processing throughput (default 5000; smoke 100)
  --stores LIST           postgres,embedded (default both)
  --database-url URL      a PostgreSQL server where this user may create databases (default BENCH_DATABASE_URL,
                          else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --binary PATH           default dist/hookport, built first when missing or older than the sources
  --no-build              use the binary as it is
  --admin-runs N          requests per admin page measurement (default 7; 0 or smoke: skipped)
  --no-baseline           skip the one-insert-per-request runs (HOOKPORT_INGEST_BATCH=1; smoke skips them)
  --profile DIR           CPU-profile every hookport process (BUN_OPTIONS=--cpu-prof-md) into DIR
  --env NAME=VALUE        extra environment for every hookport process (repeatable), e.g. --env WORKERS=1
  --out FILE              also write the report (markdown) to FILE

Quick iteration on ingest speed: --stores postgres --sustain-seconds 0 --processing-events 0 --no-baseline --admin-runs 0`);
  process.exit(0);
}

const smoke = args.smoke;
const int = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number.parseInt(v, 10));
const opts = {
  requests: int(args.requests, smoke ? 300 : 20_000),
  connections: int(args.concurrency, 64),
  duplicateShare: Number(args.duplicates),
  loadProcesses: int(args["load-processes"], 1),
  sustainSeconds: int(args["sustain-seconds"], smoke ? 0 : 60),
  processingEvents: int(args["processing-events"], smoke ? 100 : 5_000),
  stores: args.stores.split(",").map((s) => s.trim()).filter(Boolean) as StoreKind[],
  databaseUrl: args["database-url"],
  binary: args.binary,
  adminRuns: int(args["admin-runs"], smoke ? 0 : 7),
  baseline: !smoke && !args["no-baseline"],
};
for (const s of opts.stores) if (s !== "postgres" && s !== "embedded") fail(`--stores: unknown store "${s}" (postgres, embedded)`);

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
  await ensureBinary();
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
    ...results.flatMap((r) => otherLines(r)),
    `- binary: ${size.toFixed(1)} MiB (${opts.binary.replace(root, "")})`,
    ...(admin ? adminLines(admin) : ["- history page over 1,000,000 events: n/a (" + (opts.adminRuns > 0 ? "no PostgreSQL store in this run" : "skipped") + ")"]),
    "",
    "Targets (issue 5):",
    renderTargets(targets(results, limits, admin)),
    "",
    `Whole bench: ${Math.round((performance.now() - started) / 1000)} s.`,
  ].join("\n");
  console.log("\n" + report);
  if (args.out) writeFileSync(args.out, report + "\n");
}

/** rssMiB: peak RSS during the load (VmHWM reset as it starts); startPeakMiB: the peak before it, start-up included. */
type Driven = LoadSummary & Meter & { cpu: number; rssMiB: number; startPeakMiB: number };

type StoreResult = {
  kind: StoreKind;
  burst: Driven;
  unbatched: Driven | null;
  sustained: (Driven & { offered: number; backlog: Backlog | null; wake: WakeUp | null }) | null;
  coldFreshMs: number;
  coldRestartMs: number;
  /** Ack → processing starts for a trickle of events while the workers are free (the contract's 5 s). */
  idleWake: WakeUp | null;
  processing: Processing | null;
  processingEvents: number;
  checks: ExactlyOnce[];
};

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

function verdict(c: ExactlyOnce): string {
  return c.ok ? `0 / 0 of ${fmt.num(c.acked)}` : `**${c.lost} / ${c.doubled}** of ${fmt.num(c.acked)}`;
}

function otherLines(r: StoreResult): string[] {
  const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
  const wake = (w: WakeUp | null) => (w ? `p50 ${fmt.ms(w.p50)}, p99 ${fmt.ms(w.p99)}, max ${fmt.ms(w.max)} (${fmt.num(w.events)} events)` : "n/a (no processing)");
  return [
    `- ${label}: cold start to /readyz ${fmt.ms(r.coldFreshMs)} (${r.kind === "postgres" ? "new database, migrations applied" : "new data directory"}), ${fmt.ms(r.coldRestartMs)} (restart); peak RSS before the first request ${fmt.num(r.burst.startPeakMiB)} MiB (the table's peak RSS is the load's own)`,
    r.processingEvents > 0
      ? `- ${label}: stored → processed (no-op handler, backlog of ${fmt.num(r.processingEvents)}): ${r.processing ? `${fmt.num(r.processing.perSecond)}/s (${fmt.num(r.processing.processed)} in ${r.processing.seconds.toFixed(2)} s)` : "n/a (no processing)"}`
      : `- ${label}: stored → processed: not measured (--processing-events 0)`,
    `- ${label}: wake-up (ack → processing starts) while idle: ${wake(r.idleWake)}${r.sustained ? `; at 50% load: ${wake(r.sustained.wake)}` : ""}`,
    ...(r.sustained
      ? [
          `- ${label}: pending backlog over the ${opts.sustainSeconds} s run: ${r.sustained.backlog ? `max ${fmt.num(r.sustained.backlog.max)}, last ${fmt.num(r.sustained.backlog.last)}, growth ${r.sustained.backlog.growthPerSecond.toFixed(1)} events/s` : "n/a (no processing)"}`,
        ]
      : []),
  ];
}

function adminLines(a: AdminPage): string[] {
  if (a.status !== "measured") return [`- history page over 1,000,000 events: n/a (${a.reason})`];
  return [
    `- history page over ${fmt.num(a.events)} events (seeded in ${(a.seedMs / 1000).toFixed(0)} s), median time to first byte of ${a.runs} requests: ` +
      a.pages.map((p) => `${p.label} ${fmt.ms(p.medianMs)}`).join(", "),
  ];
}

function targets(results: StoreResult[], limits: { httpPerSecond: number | null; pgPerSecond: number | null }, admin: AdminPage | null): Target[] {
  if (smoke) return [{ name: "smoke run: nothing lost or doubled, every request answered 2xx", value: failures.length ? "no" : "yes", held: failures.length === 0 }];
  const out: Target[] = [];
  const pg = results.find((r) => r.kind === "postgres");
  const emb = results.find((r) => r.kind === "embedded");
  if (pg) {
    const rate = pg.burst.ackPerSecond;
    out.push({ name: "PostgreSQL: acked/s ≥ 2× PostgreSQL's one-row-per-commit rate", value: limits.pgPerSecond ? `${(rate / limits.pgPerSecond).toFixed(2)}×` : "n/a", held: limits.pgPerSecond ? rate >= 2 * limits.pgPerSecond : null });
    out.push({ name: "PostgreSQL: acked/s ≥ 0.35× the bare-HTTP ceiling", value: limits.httpPerSecond ? `${(rate / limits.httpPerSecond).toFixed(2)}×` : "n/a", held: limits.httpPerSecond ? rate >= 0.35 * limits.httpPerSecond : null });
    out.push({ name: "PostgreSQL: p99 ≤ 50 ms", value: fmt.ms(pg.burst.p99), held: pg.burst.p99 <= 50 });
    out.push({ name: "PostgreSQL: cold start ≤ 1 s", value: `${fmt.ms(pg.coldFreshMs)} new database, ${fmt.ms(pg.coldRestartMs)} restart`, held: Math.max(pg.coldFreshMs, pg.coldRestartMs) <= 1000 });
  }
  if (emb) {
    out.push({
      name: "embedded: acked/s ≥ 4× its one-insert-per-request rate",
      value: emb.unbatched ? `${(emb.burst.ackPerSecond / emb.unbatched.ackPerSecond).toFixed(2)}× (${fmt.num(emb.burst.ackPerSecond)} vs ${fmt.num(emb.unbatched.ackPerSecond)}/s)` : "n/a",
      held: emb.unbatched ? emb.burst.ackPerSecond >= 4 * emb.unbatched.ackPerSecond : null,
    });
    out.push({ name: "embedded: cold start ≤ 5 s on a new data directory", value: fmt.ms(emb.coldFreshMs), held: emb.coldFreshMs <= 5000 });
  }
  for (const r of results) {
    const label = r.kind === "postgres" ? "PostgreSQL" : "embedded";
    const peak = Math.max(r.burst.rssMiB, r.sustained?.rssMiB ?? 0, r.unbatched?.rssMiB ?? 0);
    out.push({ name: `${label}: peak RSS under load ≤ 250 MB`, value: `${fmt.num(peak)} MiB`, held: peak <= 250 });
    if (r.sustained) {
      const b = r.sustained.backlog;
      // "Does not grow": less than 1% of the offered rate accumulating per second.
      out.push({
        name: `${label}: the pending backlog does not grow at 50% load for ${opts.sustainSeconds} s`,
        value: b ? `growth ${b.growthPerSecond.toFixed(1)} events/s (offered ${fmt.num(r.sustained.offered)}/s), max ${fmt.num(b.max)}` : "n/a (no processing)",
        held: b ? b.growthPerSecond <= 0.01 * r.sustained.offered : null,
      });
    }
    out.push({
      name: `${label}: (contract) processing starts within 5 s of the ack while workers are free`,
      value: r.idleWake ? `max ${fmt.ms(r.idleWake.max)} over ${r.idleWake.events} events` : "n/a (no processing)",
      held: r.idleWake ? r.idleWake.max <= 5000 : null,
    });
    out.push({ name: `${label}: 0 lost, 0 doubled`, value: r.checks.map(verdict).join("; "), held: r.checks.every((c) => c.ok) });
  }
  if (admin?.status === "measured") {
    const first = admin.pages[0]!;
    const filters = admin.pages.slice(1);
    const worst = Math.max(...filters.map((p) => p.medianMs));
    out.push({ name: "history page over 1,000,000 events: first page ≤ 50 ms", value: fmt.ms(first.medianMs), held: first.medianMs <= 50 });
    out.push({ name: "history page: any filter ≤ 100 ms", value: `slowest ${fmt.ms(worst)}`, held: worst <= 100 });
  } else {
    out.push({ name: "history page over 1,000,000 events", value: admin ? admin.reason : "not measured", held: null });
  }
  return out;
}

async function ensureBinary() {
  if (args["no-build"]) {
    if (!existsSync(opts.binary)) fail(`${opts.binary} does not exist: run npm run build`);
    return;
  }
  if (opts.binary !== join(root, "dist/hookport")) return;
  const built = existsSync(opts.binary) ? statSync(opts.binary).mtimeMs : 0;
  const newest = Math.max(...["src", "views", "drizzle", "package.json", "scripts/build.ts"].map((p) => newestMtime(join(root, p))));
  if (built >= newest) return;
  say(built ? "dist/hookport is older than the sources: npm run build…" : "no dist/hookport yet: npm run build…");
  const proc = Bun.spawn([process.execPath, join(root, "scripts/build.ts")], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) fail("npm run build failed");
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
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

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}
