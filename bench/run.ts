// BENCH: `npm run bench` — the compiled binary against a throwaway PostgreSQL database and a fresh
// embedded store, next to the machine's two limits (issue 5) and a naive receiver (issue 9) measured in
// the same run, everything from the outside (HTTP answers, /metrics, the contract's tables). Prints one
// markdown table and the targets; exits non-zero when an acknowledged event was lost or stored twice,
// or a received event was never handled.
// `npm run bench -- --smoke`: a few hundred requests per store and to the naive receiver, checks only (CI).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureAdminPage, type AdminPage } from "./admin-page.ts";
import { ensureBinary } from "./binary.ts";
import { slowestBySecond, startDiskProbe, type Flush } from "./disk-probe.ts";
import { checkExactlyOnce, processedWithin, storedInHookport, type ExactlyOnce } from "./checks.ts";
import { benchSecrets } from "./deliveries.ts";
import { measureHttpCeiling, measurePgCommitRate } from "./limits.ts";
import { runLoadProcesses, type LoadSummary } from "./load.ts";
import { args, opts, root, smoke } from "./options.ts";
import { fmt, renderTable, renderTargets, type Row } from "./report.ts";
import { cpuSeconds, peakRssMiB, resetPeakRss, startMeter, threadCpuSeconds, type Meter } from "./proc.ts";
import { sampleBacklog, waitUntilHandled, type Backlog, type Counts } from "./progress.ts";
import { sleep } from "./stats.ts";
import { startHookport, type Service } from "./service.ts";
import { startSink, type Sink } from "./sink.ts";
import { adminQuery, createEmbeddedStore, createPostgresStore, withStore, type BenchStore, type StoreKind } from "./stores.ts";
import { adminLines, otherLines, targets, verdict, type Driven, type EndToEnd, type NaiveResult, type StoreResult } from "./targets.ts";

const adminToken = "hookport-bench-admin-token-0123456789";
const serviceEnv: Record<string, string> = {
  STRIPE_WEBHOOK_SECRET: benchSecrets.stripe,
  GITHUB_WEBHOOK_SECRET: benchSecrets.github,
  ADMIN_TOKEN: adminToken,
  // A compiled Bun executable still reads runtime flags from BUN_OPTIONS.
  ...(args.profile ? { BUN_OPTIONS: `--cpu-prof-md --cpu-prof-dir=${args.profile}` } : {}),
  ...Object.fromEntries(args.env.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])),
};
const forwardSecret = "whsec_" + Buffer.from("hookport-bench-forwarding-secret").toString("base64");
/** The team's app for the forwarding run (issue 10), started with the first store that needs it. */
let sink: Sink | null = null;
/** The sustained run offers this share of the burst's end-to-end rate (issue 9). */
const sustainShare = 0.8;
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
// Info-level logs of a full run come to ~80 MB: kept only when something failed or --keep-logs.
if (!opts.keepLogs) rmSync(workDir, { recursive: true, force: true });

async function main() {
  await ensureBinary(say);
  const started = performance.now();
  const busy = loadAverage();
  say(`hookport bench${smoke ? " (smoke)" : ""}: ${opts.requests} requests per run, ${opts.connections} connections, ${opts.duplicateShare * 100}% duplicates; logs in ${workDir} (${opts.keepLogs ? "kept" : "kept if it fails"})`);

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
  const rows: Row[] = [
    { run: 'bare Bun.serve answering "ok" (HTTP ceiling, = load generator ceiling)', ...loadColumns(ceiling), cpu: ceiling.serverCpu },
  ];
  if (commit) {
    rows.push({
      run: `PostgreSQL, one ~3 KB jsonb row per commit (${commit.tool}, best of ${commit.byClients.map((b) => `${b.clients}: ${fmt.num(b.perSecond)}/s`).join(", ")} clients)`,
      ackPerSecond: commit.perSecond,
    });
  }

  const naive = opts.stores.includes("postgres") ? await benchNaive(rows) : null;
  const limits = { httpPerSecond: ceiling.ackPerSecond, pgPerSecond: commit?.perSecond ?? null, naivePerSecond: naive?.burst.ackPerSecond ?? null, verifyOnlyPerSecond: naive?.verifyOnly.ackPerSecond ?? null };

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
    ...(naive ? [naiveLine("naive receiver", naive.burst), naiveLine("naive receiver, verify only", naive.verifyOnly)] : []),
    ...(smoke ? [] : ["", "Targets (issue 9 first, then issue 5 and the contract):"]),
    renderTargets(targets(results, limits, admin, { smoke, failures, sustainSeconds: opts.sustainSeconds, sustainShare: opts.sustainRate === null ? sustainShare : null })),
    "",
    `Whole bench: ${Math.round((performance.now() - started) / 1000)} s.`,
  ].join("\n");
  console.log("\n" + report);
  if (args.out) writeFileSync(args.out, report + "\n");
}

/**
 * The naive baseline (issue 9) on a PostgreSQL database of its own: the same deliveries as hookport's
 * burst, to a receiver that verifies, inserts one row per request and does nothing else.
 */
async function benchNaive(rows: Row[]): Promise<NaiveResult> {
  say("naive receiver (PostgreSQL, one insert per request, no processing)…");
  const stored = await driveNaive(rows, "store");
  // The same receiver without its INSERT: how fast this machine answers verified deliveries at all. No
  // receiver that also stores and handles them can go faster, so it bounds every ratio to the naive one.
  say("naive receiver, verify only (no insert)…");
  const verifyOnly = await driveNaive(rows, "none");
  return { ...stored, verifyOnly: verifyOnly.burst };
}

async function driveNaive(rows: Row[], mode: "store" | "none"): Promise<Omit<NaiveResult, "verifyOnly">> {
  const store = await newStore("postgres");
  try {
    const url = store.env.DATABASE_URL!;
    const proc = Bun.spawn([process.execPath, new URL("./naive-receiver.ts", import.meta.url).pathname], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DATABASE_URL: url, STRIPE_WEBHOOK_SECRET: benchSecrets.stripe, GITHUB_WEBHOOK_SECRET: benchSecrets.github, NAIVE_STORE: mode },
      stdout: "pipe",
      stderr: "inherit",
    });
    const stopNaive = async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    };
    cleanups.add(stopNaive);
    let run: Driven;
    try {
      const reader = proc.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      const port = Number(new TextDecoder().decode(value).trim());
      if (!port) throw new Error(`the naive receiver did not print its port (exit ${proc.exitCode})`);
      run = await drive({ port, cpuSeconds: () => cpuSeconds(proc.pid), peakRssMiB: () => peakRssMiB(proc.pid), resetPeakRss: () => resetPeakRss(proc.pid) }, { count: opts.requests, seed: 10 });
    } finally {
      cleanups.delete(stopNaive);
      await stopNaive();
    }
    if (mode === "none") {
      rows.push({ run: "naive receiver, verify only: no insert (the ceiling of any receiver that also stores)", ...loadColumns(run) });
      return { burst: run, check: null };
    }
    const stored = await adminQuery(url, "select source || '/' || event_id as key, count(*)::int as n from naive_events group by 1");
    const check = checkExactlyOnce(new Map(stored.map((r) => [r.key as string, Number(r.n)])), run.acked);
    if (!check.ok) failures.push(`naive receiver: ${check.lost} acknowledged event(s) lost, ${check.doubled} stored twice, ${check.receivedTwice} answered "received" twice (of ${check.acked})`);
    rows.push({ run: "naive receiver · PostgreSQL · burst (verify, one insert per request, no processing)", ...loadColumns(run), exactlyOnce: verdict(check) });
    return { burst: run, check };
  } finally {
    await dispose(store);
  }
}

/**
 * One store kind, each phase on a store of its own, so no phase inherits another's backlog: the burst
 * timed end to end (and a restart on its data), then a trickle and the sustained run.
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

  say(`${label}: cold start, burst until every event is handled, restart…`);
  const { burst, endToEnd, coldFreshMs, coldRestartMs } = await phase(async (store) => {
    let svc = await start(store, "burst");
    const coldFreshMs = svc.coldStartMs;
    const cpuBefore = threadCpuSeconds(svc.pid);
    const burst = await drive(svc, { count: opts.requests, seed: 10 });
    const caughtUp = await waitUntilHandled(svc.port, { timeoutMs: smoke ? 60_000 : 600_000 });
    const cpuAfter = threadCpuSeconds(svc.pid);
    const cpu = { main: cpuAfter.main - cpuBefore.main, all: cpuAfter.all - cpuBefore.all };
    const endToEnd = caughtUp.at === null ? null : endToEndRate(burst, caughtUp.at, caughtUp.counts, cpu);
    if (!endToEnd) failures.push(`${label} burst: ${caughtUp.counts.received - caughtUp.counts.finished} of ${caughtUp.counts.received} received events still not handled at the timeout`);
    await stop(svc, label);
    const check = await verify(store, burst.acked, `${label} burst`);
    checks.push(check);
    rows.push({ run: `hookport · ${label} · burst`, ...loadColumns(burst), endToEnd: endToEnd?.perSecond, exactlyOnce: verdict(check) });
    svc = await start(store, "restart");
    const coldRestartMs = svc.coldStartMs;
    await stop(svc, label);
    return { burst, endToEnd, coldFreshMs, coldRestartMs };
  });

  say(`${label}: the same burst, every event also forwarded to one destination, until the last is at the app…`);
  await phase(async (store) => {
    sink ??= startSink();
    sink.reset();
    const svc = await start(store, "forward", { FORWARD_URL: sink.url, FORWARD_SECRET: forwardSecret });
    const cpuBefore = threadCpuSeconds(svc.pid);
    const run = await drive(svc, { count: opts.requests, seed: 10 });
    const caughtUp = await waitUntilHandled(svc.port, { timeoutMs: smoke ? 60_000 : 600_000 });
    const delivered = await sink.waitFor(caughtUp.counts.received, smoke ? 60_000 : 600_000);
    const cpuAfter = threadCpuSeconds(svc.pid);
    await stop(svc, label);
    const check = await verify(store, run.acked, `${label} forwarded burst`);
    checks.push(check);
    if (caughtUp.at === null || !delivered) {
      failures.push(`${label} forwarded burst: ${sink.count} of ${caughtUp.counts.received} events reached the destination, handlers caught up: ${caughtUp.at !== null}`);
      return;
    }
    // Both ends in epoch ms: the sink's clock is performance.now().
    const lastAtSink = Date.now() - (performance.now() - sink.lastAt);
    const forwarded = endToEndRate(run, Math.max(caughtUp.at, lastAtSink), caughtUp.counts, { main: cpuAfter.main - cpuBefore.main, all: cpuAfter.all - cpuBefore.all });
    rows.push({ run: `hookport · ${label} · burst, each event also forwarded to one destination (end to end: handled and at the app)`, ...loadColumns(run), endToEnd: forwarded.perSecond, exactlyOnce: verdict(check) });
  });

  const offered = opts.sustainRate ?? (endToEnd ? endToEnd.perSecond * sustainShare : 0);
  const sustain = opts.sustainSeconds > 0 && offered > 0;
  const share = opts.sustainRate === null ? ` (${sustainShare * 100}% of ${fmt.num(endToEnd!.perSecond)}/s end to end)` : " (--sustain-rate)";
  say(`${label}: a trickle while idle${sustain ? `, then ${opts.sustainSeconds} s at ${fmt.num(offered)}/s${share}` : ""}…`);
  const { idleWake, sustained } = await phase(async (store) => {
    const svc = await start(store, "sustained");
    const trickle = await drive(svc, { count: smoke ? 20 : 100, seed: 15, rate: smoke ? 100 : 50 });
    // The contract gives processing 5 s; wait that long before reading when each event was processed.
    await sleep(smoke ? 1000 : 5000);
    const idleWake = await processedWithin(svc.port, adminToken, trickle.startedAt - 1000, trickle.endedAt + 1000);
    let run: (Driven & { backlog: Backlog }) | null = null;
    if (sustain) run = await drive(svc, { count: Math.round(offered * opts.sustainSeconds), seed: 20, rate: offered, watchBacklog: true, probeDir: store.probeDir });
    await stop(svc, label);
    const acked = new Map(trickle.acked);
    for (const [k, v] of run?.acked ?? []) acked.set(k, merge(acked.get(k), v));
    const check = await verify(store, acked, `${label} trickle and sustained run`);
    checks.push(check);
    if (run) rows.push({ run: `hookport · ${label} · ${opts.sustainSeconds} s at ${fmt.num(offered)}/s offered`, ...loadColumns(run), exactlyOnce: verdict(check) });
    return { idleWake, sustained: run ? { ...run, offered } : null };
  });

  return { kind, burst, endToEnd, sustained, coldFreshMs, coldRestartMs, idleWake, checks };
}

/** Acknowledged deliveries over the time from the first request until the last received event was handled. */
function endToEndRate(burst: Driven, caughtUpAt: number, counts: Counts, cpu: EndToEnd["cpu"]): EndToEnd {
  const acked = burst.requests - burst.errors;
  const seconds = Math.max(caughtUpAt - burst.startedAt, 1) / 1000;
  return { seconds, perSecond: acked / seconds, events: counts.received, failedAttempts: counts.failedAttempts, cpu };
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

/** What a load run reads beside the answers: hookport, or the naive receiver (no /metrics needed). */
type Receiver = Pick<Service, "port" | "cpuSeconds" | "peakRssMiB" | "resetPeakRss">;
/** probeDir: time the disk's flushes there beside the run (disk-probe.ts). */
type DriveOptions = { count: number; seed: number; rate?: number; probeDir?: string | null };

async function drive(svc: Receiver, options: DriveOptions): Promise<Driven>;
async function drive(svc: Receiver, options: DriveOptions & { watchBacklog: true }): Promise<Driven & { backlog: Backlog }>;
async function drive(svc: Receiver, { count, seed, rate, watchBacklog, probeDir }: DriveOptions & { watchBacklog?: boolean }): Promise<Driven & { backlog?: Backlog }> {
  let cpu = 0;
  let machine: Meter = { pgCpu: NaN, machineBusy: NaN };
  let startPeak = NaN;
  let backlog: Promise<Backlog> | undefined;
  let flushes: Promise<Flush[]> | undefined;
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
      const stopSampling = watchBacklog ? sampleBacklog(svc.port) : null;
      const stopProbe = probeDir ? startDiskProbe(probeDir) : null;
      return () => {
        cpu = ((svc.cpuSeconds() - before) / ((performance.now() - t) / 1000)) * 100;
        machine = meter();
        backlog = stopSampling?.();
        flushes = stopProbe?.();
      };
    },
  });
  const rssMiB = svc.peakRssMiB();
  if (summary.errors > 0) {
    const note = `${summary.errors} of ${summary.requests} requests were not answered 2xx (${JSON.stringify(summary.statuses)})`;
    if (smoke) failures.push(note);
    else say(`  warning: ${note}`);
  }
  const slowestFlushBySecond = flushes && summary.p99BySecond ? slowestBySecond(await flushes, summary.startedAt, summary.p99BySecond.length) : undefined;
  return { ...summary, cpu, rssMiB, startPeakMiB: startPeak, ...machine, slowestFlushBySecond, ...(backlog ? { backlog: await backlog } : {}) };
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
  const check = checkExactlyOnce(await withStore(store, storedInHookport), acked);
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
  sink?.stop();
  for (const c of [...cleanups].reverse()) await c().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  cleanups.clear();
}

function loadColumns(s: LoadSummary & Partial<Meter> & { cpu?: number; rssMiB?: number }): Omit<Row, "run" | "endToEnd"> {
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


/** CPU during a naive run, as shares of one core and per delivery: what hookport's own figures compare with. */
function naiveLine(label: string, run: Driven): string {
  const perDelivery = (percent: number) => `${fmt.num((percent / 100) * run.seconds * 1e6 / Math.max(run.requests, 1))} µs`;
  return `- ${label}: CPU ${fmt.num(run.cpu)}%, PostgreSQL CPU ${fmt.num(run.pgCpu)}% of one core during its burst; per delivery ${perDelivery(run.cpu)} in the receiver, ${perDelivery(run.pgCpu)} in PostgreSQL`;
}
