// STORE: the embedded PostgreSQL (PGlite) in DATA_DIR. One connection on this thread: worker threads
// reach it only through the queue's proxied transactions (see queue/pool.ts).
import { PGlite, types, type RowMode, type Transaction } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PgliteAssets } from "../runtime.ts";
import { collectEvery, type PgliteCollection } from "../runtime/collect-garbage.ts";
import { holdTransaction, type Database, type Executor, type Row } from "./db.ts";
import { createGate } from "./pglite-gate.ts";
import { pgliteStatements } from "./pglite-statements.ts";
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
// holds the files behind it. 16 MB, down from 32: 10-20 MB less resident memory at idle (issue 9). 4 MB: a
// burst touches every buffer, and its peak fell 8-12 MiB at the same rate (bench/README.md); what ingest and
// the queue keep hot (the tail pages of three tables and their indexes' right edges) is well under 1 MB.
const sharedBuffers = "4MB";

// PGlite builds every protocol message and result in fresh buffers, and that garbage outran the collector:
// JSC counts PGlite's 128 MB wasm memory as heap, so it waits for the heap to grow far past that before a
// full collection. Under the bench's burst the embedded store reached 420-510 MB resident, of which about
// 80k objects live (issue 9: heapStats with and without a forced full collection). Eden collections alone
// (the hint before) do not reach garbage that lived through a batch. So a full collection per so many bytes
// handed to or read from PGlite, strings and bytes alike, and young-generation ones between them; how many
// is the runtime's (runtime/collect-garbage.ts).
function byteMeter(collection: PgliteCollection | undefined): (values: readonly unknown[]) => void {
  if (!collection) return () => {};
  const full = collectEvery(collection.everyBytes, collection.collect);
  const young = collection.young ? collectEvery(collection.young.everyBytes, collection.young.collect) : () => false;
  // A full collection takes the young generation with it: no eden one on top.
  const meter = (bytes: number) => full(bytes) || young(bytes);
  return (values) => {
    let bytes = 0;
    for (const v of values) {
      if (typeof v === "string") bytes += v.length;
      else if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    }
    meter(bytes);
  };
}

/** collection: a full collection of this thread's heap now and then (see byteMeter); tests leave it out. */
export type PgliteOptions = { dataDir: string | null; assets: PgliteAssets; collection?: PgliteCollection };

/** dataDir null: in memory (tests). A fresh directory is unpacked from the build-time template. */
export async function openPglite({ dataDir, assets, collection }: PgliteOptions): Promise<Database> {
  // On disk, unpack the template ourselves (see pglite-template.ts); in memory, PGlite must load it.
  if (dataDir !== null && !existsSync(join(dataDir, "PG_VERSION"))) await unpackTemplate(dataDir, assets.template);
  const pg = await PGlite.create({
    dataDir: dataDir ?? undefined,
    pgliteWasmModule: assets.pgliteWasmModule,
    initdbWasmModule: assets.initdbWasmModule,
    fsBundle: assets.fsBundle,
    loadDataDir: dataDir === null ? assets.template : undefined,
    // Each statement is planned for the tables as they are when it runs (pglite-statements.ts).
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`, "-c", "plan_cache_mode=force_custom_plan"],
  });
  // Starting left garbage behind (the unpacked template, the wasm's setup): collected now, not with the first burst.
  collection?.collect();
  return wrapPglite(pg, collection);
}

// How long a transaction keeps the connection from statements waiting for it (pglite-gate.ts): ingest's
// batches wait this long at most, behind a queue group whose handlers take longer. Measured on the bench's
// embedded burst (issue 9): at 5 ms groups stepped aside 308 times a run, and replaying their statements
// doubled the main thread's CPU per delivery (end to end 650 -> 370/s); at 15 ms 24 times, with the CPU
// and the rate (547/s) near those of no lending. A handler that waits 300 ms inside its transaction held
// ingest up 330-364 ms before, 13-67 ms with lending.
const lendAfterMs = 15;

export function wrapPglite(pg: PGlite, collection?: PgliteCollection): Database {
  // Installed once on the instance, not passed with each query: PGlite merges a query's parsers into a copy
  // of its own (a hundred-odd entries) for every query, 8% of the embedded main thread under the bench (issue 9).
  Object.assign(pg.parsers, parsers);
  const orm = drizzle(pg, { schema });
  const meter = byteMeter(collection);
  const statements = pgliteStatements(pg);
  // tx: the PGlite transaction the statements belong to, which PGlite closes at commit or rollback.
  const on = (tx: Transaction | null): Executor => {
    // Rows come back as objects or as value arrays; either way their values count for the meter, as the params do.
    const run = async (text: string, params: readonly unknown[], rowMode: RowMode) => {
      if (tx?.closed) throw new Error("Transaction is closed");
      meter(params);
      const rows = await statements.run(text, params, rowMode, tx !== null);
      for (const row of rows) meter(rowMode === "array" ? (row as unknown[]) : Object.values(row as Row));
      return rows;
    };
    return {
      query: async (text, params = []) => (await run(text, params, "object")) as never,
      queryArrays: async (text, params = []) => (await run(text, params, "array")) as unknown[][],
    };
  };
  const gate = createGate(lendAfterMs);
  const direct = on(null);
  return {
    kind: "embedded",
    orm: orm as never,
    threadConnection: null,
    query: (text, params) => gate.statement(() => direct.query(text, params)),
    queryArrays: (text, params) => gate.statement(() => direct.queryArrays(text, params)),
    begin: (options) => gate.begin(() => holdTransaction<Transaction>((body) => pg.transaction(body), on), options),
    ping: async () => !pg.closed && (await pg.query("select 1")).rows.length === 1,
    close: () => pg.close(),
  };
}
