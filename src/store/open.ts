// STORE: picks the store from the configuration: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR.
import { mkdirSync } from "node:fs";
import { loadPgliteAssets } from "../runtime.ts";
import { pgliteCollection } from "../runtime/collect-garbage.ts";
import type { Database } from "./db.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

export type StoreOptions = { databaseUrl: string | null; dataDir: string | null; applicationName: string; maxConnections: number };

export async function openStore({ databaseUrl, dataDir, applicationName, maxConnections }: StoreOptions): Promise<Database> {
  if (databaseUrl) return openPostgres({ url: databaseUrl, applicationName, maxConnections });
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  return openPglite({ dataDir, assets: await loadPgliteAssets(), collection: pgliteCollection });
}
