// PROVE: the compiled binary as the fault runs see it: started on a fixed port (a restart after kill -9
// must come back where the senders are), its logs kept in files, its store reached only through the
// contract's tables (webhook_events, orders) so these runs outlive any redesign behind them.
import { PGlite } from "@electric-sql/pglite";
import { openSync, closeSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { sleep } from "../bench/stats.ts";

export const binary = process.env.HOOKPORT_BINARY || new URL("../dist/hookport", import.meta.url).pathname;

export type Running = { proc: Bun.Subprocess; pid: number; port: number; startedAt: number };

const started = new Set<Bun.Subprocess>();

/** Kills every service this run started and did not stop (a fault run that threw half-way). */
export function killLeftovers() {
  for (const proc of started) if (proc.exitCode === null) proc.kill("SIGKILL");
}

export function spawnService(env: Record<string, string>, port: number, logFile: string): Running {
  const fd = openSync(logFile, "a");
  const proc = Bun.spawn([binary, "serve"], {
    env: { PATH: "/usr/bin:/bin", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdout: fd,
    stderr: fd,
    stdin: "ignore",
  });
  closeSync(fd);
  started.add(proc);
  return { proc, pid: proc.pid, port, startedAt: performance.now() };
}

/** Milliseconds until /readyz answers 200; throws when the process exits or the timeout passes. */
export async function readyIn(r: Running, since = r.startedAt, timeoutMs = 60_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if (r.proc.exitCode !== null) throw new Error(`hookport exited with ${r.proc.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${r.port}/readyz`, { signal: AbortSignal.timeout(2000) }).then((x) => x.status === 200, () => false);
    if (ok) return performance.now() - since;
    await sleep(20);
  }
  throw new Error(`hookport was not ready within ${timeoutMs} ms`);
}

export async function migrateWith(env: Record<string, string>, logFile: string) {
  const fd = openSync(logFile, "a");
  const proc = Bun.spawn([binary, "migrate"], { env: { PATH: "/usr/bin:/bin", ...env }, stdout: fd, stderr: fd, stdin: "ignore" });
  closeSync(fd);
  if ((await proc.exited) !== 0) throw new Error(`hookport migrate failed: see ${logFile}`);
}

export async function stopGently(r: Running): Promise<number> {
  if (r.proc.exitCode !== null) return r.proc.exitCode;
  r.proc.kill("SIGTERM");
  const timer = setTimeout(() => r.proc.kill("SIGKILL"), 20_000);
  const code = await r.proc.exited;
  clearTimeout(timer);
  return code;
}

export async function rssMiB(pid: number): Promise<number> {
  try {
    const m = /VmRSS:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The backlog gauge summed over its statuses, from /metrics (both stores, while running). */
export async function backlog(port: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), () => "");
  let total = 0;
  for (const m of text.matchAll(/^hookport_events_backlog\{[^}]*\}\s+(\d+(?:\.\d+)?)/gm)) total += Number(m[1]);
  return total;
}

/** A store reached with SQL: PostgreSQL at any time, the embedded one only while no service holds it. */
export type SqlStore = {
  kind: "postgres" | "embedded";
  env: Record<string, string>;
  /** One statement, its rows. */
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  /** A script of several statements. */
  exec(text: string): Promise<void>;
};

export function postgresStore(url: string): SqlStore {
  return {
    kind: "postgres",
    env: { DATABASE_URL: url },
    async query<T>(text: string) {
      const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        return [...(await sql.unsafe(text))] as T[];
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
    async exec(text: string) {
      const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        await sql.unsafe(text).simple();
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

export function embeddedStore(dataDir: string): SqlStore {
  return {
    kind: "embedded",
    env: { DATA_DIR: dataDir },
    async query<T>(text: string) {
      const pg = await PGlite.create({ dataDir });
      try {
        return (await pg.query<T>(text)).rows;
      } finally {
        await pg.close();
      }
    },
    async exec(text: string) {
      const pg = await PGlite.create({ dataDir });
      try {
        await pg.exec(text);
      } finally {
        await pg.close();
      }
    },
  };
}

/**
 * Seeds `n` pending orders, and a trigger on `orders` that notes every change of status or paid_at: the
 * built-in checkout handler applying its effect twice shows as two notes for one session.
 */
export const seedOrdersSql = (n: number) => `
  insert into orders (stripe_session_id, status) select 'cs_prove_' || g, 'pending' from generate_series(1, ${n}) g;
  create table prove_order_effects (stripe_session_id text not null, at timestamptz not null default now());
  create function prove_note_effect() returns trigger language plpgsql as $$
    begin
      if new.status is distinct from old.status or new.paid_at is distinct from old.paid_at then
        insert into prove_order_effects (stripe_session_id) values (new.stripe_session_id);
      end if;
      return new;
    end $$;
  create trigger prove_note_effect after update on orders for each row execute function prove_note_effect();`;

export type StoreFacts = {
  stored: Map<string, number>;
  /** Sessions whose order was changed more than once. */
  effectsDoubled: number;
  paid: number;
  unprocessed: number;
};

/** One query (the embedded store costs a PGlite start per connection). */
export async function storeFacts(store: SqlStore): Promise<StoreFacts> {
  type Row = { key: string | null; n: number; kind: string };
  const rows = await store.query<Row>(`
    select 'event' as kind, source || '/' || event_id as key, count(*)::int as n from webhook_events group by 2
    union all select 'doubled', null, count(*)::int from (select stripe_session_id from prove_order_effects group by 1 having count(*) > 1) d
    union all select 'paid', null, count(*)::int from orders where status = 'paid'
    union all select 'unprocessed', null, count(*)::int from webhook_events where processed = false`);
  const one = (kind: string) => ({ n: rows.find((r) => r.kind === kind)?.n ?? 0 });
  const effects = one("doubled");
  const paid = one("paid");
  const unprocessed = one("unprocessed");
  return {
    stored: new Map(rows.filter((r) => r.kind === "event").map((r) => [r.key!, Number(r.n)])),
    effectsDoubled: Number(effects?.n ?? 0),
    paid: Number(paid?.n ?? 0),
    unprocessed: Number(unprocessed?.n ?? 0),
  };
}
