// BENCH: throwaway stores. A PostgreSQL database created for one run and dropped after it, or a fresh
// embedded data directory; and a way to open either from the harness to count what was stored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { probeDirFor } from "./disk-probe.ts";
import { loadPgliteAssets } from "../src/runtime.ts";
import type { Database } from "../src/store/db.ts";
import { migrate } from "../src/store/migrations.ts";
import { openPglite } from "../src/store/pglite.ts";
import { openPostgres } from "../src/store/postgres.ts";

export type StoreKind = "postgres" | "embedded";

/**
 * Where a run's store lives: a database URL, or a data directory. probeDir: a writable directory on the disk
 * the store flushes to (disk-probe.ts), null when there is none on this machine.
 */
export type BenchStore = { kind: StoreKind; env: Record<string, string>; probeDir: string | null; open(): Promise<Database>; dispose(): Promise<void> };

export async function createPostgresStore(serverUrl: string): Promise<BenchStore> {
  const name = `hookport_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await adminQuery(serverUrl, `create database ${name}`).catch((err: Error) => {
    throw new Error(`cannot create a database on ${redact(serverUrl)} (${err.message}): is PostgreSQL running? Set BENCH_DATABASE_URL to a server where this user may create databases`, { cause: err });
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const local = ["127.0.0.1", "localhost", "[::1]", ""].includes(url.hostname);
  const dataDirectory = local ? await adminQuery(serverUrl, "show data_directory").then((rows) => String(rows[0]!.data_directory), () => null) : null;
  return {
    kind: "postgres",
    env: { DATABASE_URL: url.toString() },
    probeDir: probeDirFor(dataDirectory),
    open: async () => openPostgres({ url: url.toString(), applicationName: "hookport-bench", maxConnections: 4 }),
    dispose: async () => {
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

export function createEmbeddedStore(): BenchStore {
  const dir = mkdtempSync(join(tmpdir(), "hookport-bench-data-"));
  return {
    kind: "embedded",
    env: { DATA_DIR: dir },
    probeDir: dir,
    // Only while the service is stopped: PGlite is one process's database.
    open: async () => openPglite({ dataDir: dir, assets: await loadPgliteAssets() }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens, migrates (as the service would at start) and runs `body`, then closes. */
export async function withStore<T>(store: BenchStore, body: (db: Database) => Promise<T>): Promise<T> {
  const db = await store.open();
  try {
    await migrate(db);
    return await body(db);
  } finally {
    await db.close();
  }
}

export async function adminQuery(serverUrl: string, text: string): Promise<postgres.Row[]> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await sql.unsafe(text);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
