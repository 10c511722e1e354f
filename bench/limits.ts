// BENCH: the machine's two limits, measured in the same run as hookport: the HTTP ceiling (a bare Bun
// server answering "ok", driven by the same generator and deliveries) and PostgreSQL's one-row-per-commit
// insert rate (pgbench with a custom script: one ~3 KB jsonb row per transaction, default durability).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { runLoadProcesses, type LoadRun, type LoadSummary } from "./load.ts";
import { cpuSeconds, startMeter, type Meter } from "./proc.ts";
import { adminQuery } from "./stores.ts";

export type Ceiling = LoadSummary & Meter & { serverCpu: number };

export async function measureHttpCeiling(run: Omit<LoadRun, "port">): Promise<Ceiling> {
  const proc = Bun.spawn([process.execPath, new URL("./bare-server.ts", import.meta.url).pathname], { stdout: "pipe", stderr: "inherit" });
  try {
    const reader = proc.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    const port = Number(new TextDecoder().decode(value).trim());
    if (!port) throw new Error("the bare server did not print its port");
    let serverCpu = 0;
    let machine: Meter = { pgCpu: NaN, machineBusy: NaN };
    const summary = await runLoadProcesses({
      ...run,
      port,
      around: () => {
        const before = cpuSeconds(proc.pid);
        const wallStart = performance.now();
        const meter = startMeter();
        return () => {
          serverCpu = ((cpuSeconds(proc.pid) - before) / ((performance.now() - wallStart) / 1000)) * 100;
          machine = meter();
        };
      },
    });
    return { ...summary, ...machine, serverCpu };
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

export type CommitRate = { perSecond: number; tool: string; byClients: { clients: number; perSecond: number }[] };

/** The best of the client counts: PostgreSQL's own ceiling for one durable row per commit. */
export async function measurePgCommitRate(serverUrl: string, { clients, seconds }: { clients: number[]; seconds: number }): Promise<CommitRate> {
  const name = `hookport_bench_commit_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), "hookport-pgbench-"));
  try {
    await adminQuery(url.toString(), "create table one_row_commit (id bigserial primary key, payload jsonb not null)");
    const payload = threeKilobyteEvent();
    const pgbench = findPgbench();
    const byClients: CommitRate["byClients"] = [];
    for (const c of clients) {
      const perSecond = pgbench
        ? await runPgbench(pgbench, url.toString(), dir, payload, c, seconds)
        : await runInsertLoop(url.toString(), payload, c, seconds);
      byClients.push({ clients: c, perSecond });
    }
    return { perSecond: Math.max(...byClients.map((b) => b.perSecond)), tool: pgbench ? "pgbench" : "postgres.js loop (no pgbench found)", byClients };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

function findPgbench(): string | null {
  const onPath = Bun.which("pgbench");
  if (onPath) return onPath;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  for (const version of readdirSync(base).sort().reverse()) {
    const candidate = join(base, version, "bin", "pgbench");
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

async function runPgbench(pgbench: string, url: string, dir: string, payload: string, clients: number, seconds: number): Promise<number> {
  const script = join(dir, "one-row.sql");
  writeFileSync(script, `insert into one_row_commit (payload) values ('${payload.replaceAll("'", "''")}'::jsonb);\n`);
  const threads = Math.min(clients, 2);
  const proc = Bun.spawn([pgbench, "-n", "-f", script, "-c", String(clients), "-j", String(threads), "-T", String(seconds), url], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (code !== 0 || !tps) throw new Error(`pgbench failed (exit ${code}):\n${out}\n${err}`);
  return Number(tps[1]);
}

/** The equivalent of the pgbench script where pgbench is missing: `clients` connections, one insert per autocommit. */
async function runInsertLoop(url: string, payload: string, clients: number, seconds: number): Promise<number> {
  const sql = postgres(url, { max: clients, onnotice: () => {} });
  try {
    let count = 0;
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          await sql`insert into one_row_commit (payload) values (${payload}::jsonb)`;
          count++;
        }
      }),
    );
    return count / ((performance.now() - started) / 1000);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A Stripe-shaped event of about 3 KB whose filler does not compress away (random hex, as ids are). */
function threeKilobyteEvent(): string {
  const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n / 2)), (b) => b.toString(16).padStart(2, "0")).join("");
  const lines = Array.from({ length: 24 }, (_, i) => ({ id: `li_${hex(24)}`, object: "item", amount: 100 * i, currency: "usd", description: `line ${i} ${hex(16)}` }));
  const event = {
    id: `evt_${hex(24)}`,
    object: "event",
    api_version: "2025-03-31.basil",
    created: Math.floor(Date.now() / 1000),
    type: "invoice.paid",
    data: { object: { id: `in_${hex(24)}`, object: "invoice", customer: `cus_${hex(14)}`, lines: { object: "list", data: lines } } },
  };
  let text = JSON.stringify(event);
  while (text.length > 3100) {
    lines.pop();
    text = JSON.stringify(event);
  }
  return text;
}
