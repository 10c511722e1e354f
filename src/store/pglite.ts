// STORE: the embedded PostgreSQL (PGlite) in DATA_DIR. One connection on this thread: worker threads
// reach it only through the queue's proxied transactions (see queue/pool.ts).
import { PGlite, types, type Transaction } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PgliteAssets } from "../runtime.ts";
import { holdTransaction, type Database, type Executor } from "./db.ts";
import { unpackTemplate } from "./pglite-template.ts";
import { schema } from "./schema.ts";

// Keep timestamps as PostgreSQL text, exactly as drizzle's pglite driver and postgres.js (under drizzle) do.
const passThrough = (value: string) => value;
const parsers = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.DATE, types.INTERVAL, 1115, 1185, 1182, 1187].map((t) => [t, passThrough]),
);

// PostgreSQL's default 128 MB of shared buffers are all touched at start in PGlite's wasm memory: 125 MB of
// resident memory before the first event (issue 5 measured 450 MB peak for the embedded store against a
// 250 MB target). Hot rows and indexes of a webhook store fit in far less, and the OS page cache still
// holds the files behind it.
const sharedBuffers = "32MB";

export type PgliteOptions = { dataDir: string | null; assets: PgliteAssets };

/** dataDir null: in memory (tests). A fresh directory is unpacked from the build-time template. */
export async function openPglite({ dataDir, assets }: PgliteOptions): Promise<Database> {
  // On disk, unpack the template ourselves (see pglite-template.ts); in memory, PGlite must load it.
  if (dataDir !== null && !existsSync(join(dataDir, "PG_VERSION"))) await unpackTemplate(dataDir, assets.template);
  const pg = await PGlite.create({
    dataDir: dataDir ?? undefined,
    pgliteWasmModule: assets.pgliteWasmModule,
    initdbWasmModule: assets.initdbWasmModule,
    fsBundle: assets.fsBundle,
    loadDataDir: dataDir === null ? assets.template : undefined,
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
  });
  return wrapPglite(pg);
}

export function wrapPglite(pg: PGlite): Database {
  const orm = drizzle(pg, { schema });
  const on = (client: PGlite | Transaction): Executor => ({
    query: async (text, params = []) => (await client.query(text, params as unknown[], { parsers })).rows as never,
    queryArrays: async (text, params = []) =>
      (await client.query<unknown[]>(text, params as unknown[], { parsers, rowMode: "array" })).rows,
  });
  return {
    kind: "embedded",
    orm: orm as never,
    ...on(pg),
    begin: () => holdTransaction<Transaction>((body) => pg.transaction(body), on),
    ping: async () => !pg.closed && (await pg.query("select 1")).rows.length === 1,
    close: () => pg.close(),
  };
}
